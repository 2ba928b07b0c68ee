#pragma once
// The part every importer shares: read and decode files on a few threads, store them one by one on
// the calling thread (each image its own commit), label them, report.
#include "workspace/DatasetImporter.h"
#include "workspace/LabelStore.h"

#include <QVector>
#include <optional>

namespace pc {

// A row of an export manifest: the file must hash to `sha256` (when given), and `label` is stored
// as recorded there (origin, author, review status, time) instead of a dataset label.
struct ManifestEntry {
    QString sha256;
    LabelEvent label; // its breed is the job's breedIndex
};

struct ImportJob {
    QString path;
    int breedIndex = -1;  // into BreedCatalog::oxford(); -1: unlabelled
    QString split;        // official split, when the dataset has one
    QString source;       // ImageRecord::source
    QString note;         // reported once the image is stored (e.g. "imported unlabelled: …")
    std::optional<ManifestEntry> manifest; // the job comes from a row of an export manifest
};

// Runs the jobs in order; adds to `report` (which may already hold issues from the layout scan).
void runImport(Workspace& ws, const QVector<ImportJob>& jobs, const ImportOptions& options, ImportReport& report);

} // namespace pc
