#pragma once
// The part every importer shares: read and decode files on a few threads, store them one by one on
// the calling thread (each image its own commit), label them, report.
#include "workspace/DatasetImporter.h"

#include <QVector>

namespace pc {

struct ImportJob {
    QString path;
    int breedIndex = -1;  // into BreedCatalog::oxford(); -1: unlabelled
    QString split;        // official split, when the dataset has one
    QString source;       // ImageRecord::source
    QString note;         // reported once the image is stored (e.g. "imported unlabelled: …")
};

// Runs the jobs in order; adds to `report` (which may already hold issues from the layout scan).
void runImport(Workspace& ws, const QVector<ImportJob>& jobs, const ImportOptions& options, ImportReport& report);

} // namespace pc
