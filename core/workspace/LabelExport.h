#pragma once
// Exporting what was curated: every labelled image in the workspace (removed ones left out) whose
// current label passes a LabelFilter, with the original bytes from the image store, as
//   folders  <out>/<breed id>/<original file name>  (importFolderPerClass reads it back)
//   oxford   <out>/images/<breed id>_….<ext> + annotations/list.txt, trainval.txt, test.txt in the
//            Oxford-IIIT Pet format, split from each image's recorded split (none: trainval)
//   csv/json <out>/images/<original file name> + <out>/labels.csv or labels.json (LabelManifest.h)
// Names are the images' original file names, made unique within a folder (ignoring case) with the
// first 8 digits of the SHA-256; exporting what an import of an export made gives the same files.
// Runs on the calling thread (a GUI runs it on a worker) with progress and cancel. Files are
// written atomically and the manifest last; a cancelled or failed export removes what it wrote.
#include "Expected.h"
#include "workspace/LabelFilter.h"

#include <QString>
#include <QStringList>
#include <atomic>
#include <functional>
#include <optional>

namespace pc {

class Workspace;

enum class ExportFormat { Folders, Oxford, Csv, Json };

QString toString(ExportFormat format); // "folders", "oxford", "csv", "json"
std::optional<ExportFormat> exportFormatFromString(const QString& name);
QStringList exportFormatNames();

struct ExportOptions {
    ExportFormat format = ExportFormat::Folders;
    LabelFilter filter;
    // Write into a folder that already holds something: files of the same name are replaced, the
    // others left as they are. Without it such a folder is refused (ExportError::Kind::NotEmpty).
    bool intoNonEmptyFolder = false;
    const std::atomic_bool* cancel = nullptr;
    std::function<void(int done, int total)> progress; // images written of those selected
};

struct ExportReport {
    int exported = 0;
    int unlabelled = 0;   // left out: no current label
    int removed = 0;      // left out: removed from the workspace
    int filteredOut = 0;  // left out: labelled, but the filter did not take them
    bool cancelled = false; // stopped by `cancel`: nothing it wrote is left
    QString manifest;     // labels.csv, labels.json or annotations/list.txt; empty for folders
};

struct ExportError {
    enum class Kind {
        BadOptions, // the filter names an unknown breed or an empty date range
        NotEmpty,   // the folder holds something and intoNonEmptyFolder is off
        Failed,     // the workspace could not be read or a file not written
    };
    Kind kind;
    QString message; // one line
};

Expected<ExportReport, ExportError> exportLabels(const Workspace& ws, const QString& outDir, const ExportOptions& options);

} // namespace pc
