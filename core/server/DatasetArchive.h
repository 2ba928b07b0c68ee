#pragma once
// A dataset archive (POSIX tar, written with libarchive) of the current labels:
//   folders: petcurator-dataset/<Breed_id>/<sha256>.<ext>
//   oxford:  petcurator-oxford/images/<breed_id>_<image id>.<ext> and annotations/list.txt in
//            Oxford's "name class-id species breed-id" format, which our Oxford importer reads.
// Written to an unlinked temporary file so any size streams out without being held in memory.
#include "server/LabelLog.h"
#include "server/ServerError.h"

#include <QVector>
#include <functional>

namespace pc::server {

class FileBody;

enum class ArchiveLayout { Folders, Oxford };

// `readImage` returns an image's stored bytes. `tempDir` holds the file for the moment between
// creating and unlinking it.
ServerResult<std::shared_ptr<FileBody>> writeDatasetArchive(const QVector<CurrentLabel>& labels, ArchiveLayout layout,
                                                            const std::function<Expected<QByteArray>(const QString&)>& readImage,
                                                            const QString& tempDir);

} // namespace pc::server
