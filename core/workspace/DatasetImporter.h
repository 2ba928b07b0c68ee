#pragma once
// Bringing images into a workspace: an Oxford-IIIT Pet folder, a folder per class, or plain files
// and folders (unlabelled). Every import reports progress, can be cancelled (leaving a consistent
// workspace: each image is committed on its own), reports every bad line or image with its reason
// and skips it, and is idempotent: importing the same data again changes nothing.
#include "imaging/ImageDecoder.h"

#include <QStringList>
#include <atomic>
#include <functional>
#include <memory>
#include <optional>

namespace pc {

class Workspace;
enum class ManifestFormat; // LabelManifest.h

struct ImportIssue {
    QString path;    // file, or "list.txt:17" for a bad annotation line
    QString reason;  // one line
    bool skipped = true; // false: a note on an image that was imported (e.g. "imported unlabelled")
};

struct ImportReport {
    int seen = 0;        // images considered
    int added = 0;       // new images stored
    int duplicates = 0;  // already in the store (same SHA-256)
    int labelled = 0;    // label events added
    int skipped = 0;     // bad images / lines
    bool cancelled = false;
    QList<ImportIssue> issues;
};

struct ImportOptions {
    DecodeLimits limits;
    QString author = QStringLiteral("import");
    const std::atomic_bool* cancel = nullptr;
    std::function<void(int done, int total)> progress;
};

// <dir>/images/*.jpg + <dir>/annotations/list.txt (and trainval.txt / test.txt for the split).
ImportReport importOxford(Workspace& ws, const QString& dir, const ImportOptions& options = {});
// <dir>/<breed name>/*: folder names matched to breeds ignoring case, '_' and spaces.
ImportReport importFolderPerClass(Workspace& ws, const QString& dir, const ImportOptions& options = {});
// A csv or json manifest (LabelManifest.h, as exportLabels writes it): the images it names,
// relative to its folder, each with its label event as recorded there (origin, author, review
// status, time). A file whose content does not match the row's SHA-256 is skipped. The format
// comes from the file's extension unless given.
ImportReport importManifest(Workspace& ws, const QString& manifest, const ImportOptions& options = {},
                            std::optional<ManifestFormat> format = std::nullopt);
// Files and folders (recursive), unlabelled.
ImportReport importFiles(Workspace& ws, const QStringList& paths, const ImportOptions& options = {},
                         const QString& source = QStringLiteral("files"));

} // namespace pc
