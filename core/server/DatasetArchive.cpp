#include "server/DatasetArchive.h"

#include "model/BreedCatalog.h"
#include "server/HttpMessage.h"
#include "server/ImageType.h"

#include <QByteArray>
#include <QDateTime>
#include <QDir>
#include <archive.h>
#include <archive_entry.h>
#include <cstdlib>
#include <sys/stat.h>
#include <unistd.h>

namespace pc::server {

namespace {

struct ArchiveWriter {
    archive* a = archive_write_new();
    ~ArchiveWriter() { archive_write_free(a); }
    QString error() const { return QString::fromUtf8(archive_error_string(a) ? archive_error_string(a) : "unknown libarchive error"); }
};

bool addEntry(ArchiveWriter& w, const QString& path, const QByteArray& bytes, time_t mtime)
{
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname_utf8(e, path.toUtf8().constData());
    archive_entry_set_size(e, bytes.size());
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_mtime(e, mtime, 0);
    bool ok = archive_write_header(w.a, e) == ARCHIVE_OK;
    if (ok && !bytes.isEmpty())
        ok = archive_write_data(w.a, bytes.constData(), size_t(bytes.size())) == bytes.size();
    archive_entry_free(e);
    return ok;
}

} // namespace

ServerResult<std::shared_ptr<FileBody>> writeDatasetArchive(const QVector<CurrentLabel>& labels, ArchiveLayout layout,
                                                            const std::function<Expected<QByteArray>(const QString&)>& readImage,
                                                            const QString& tempDir)
{
    QDir().mkpath(tempDir);
    QByteArray name = QDir(tempDir).filePath(QStringLiteral("export-XXXXXX")).toLocal8Bit();
    const int fd = ::mkstemp(name.data());
    if (fd < 0)
        return ServerError::internal(Error{QStringLiteral("cannot create a temporary file in %1").arg(tempDir)});
    ::unlink(name.constData()); // gone from the folder now; the descriptor keeps it alive
    auto body = std::make_shared<FileBody>(fd, 0);

    ArchiveWriter w;
    archive_write_set_format_pax_restricted(w.a);
    archive_write_set_bytes_in_last_block(w.a, 1); // no padding to 10 KiB at the end
    if (archive_write_open_fd(w.a, fd) != ARCHIVE_OK)
        return ServerError::internal(Error{QStringLiteral("cannot start the archive: %1").arg(w.error())});
    const time_t now = time_t(QDateTime::currentSecsSinceEpoch());
    const BreedCatalog& breeds = BreedCatalog::oxford();
    QByteArray list = "#Image CLASS-ID SPECIES BREED ID\n#SPECIES: 1:Cat 2:Dog\n";
    for (const CurrentLabel& l : labels) {
        const int index = breeds.indexOf(l.breed);
        if (index < 0)
            continue; // cannot happen: the log only holds catalogue ids
        const Breed& breed = breeds.at(index);
        auto bytes = readImage(l.sha256);
        if (!bytes)
            return ServerError::internal(bytes.error());
        const QString ext = ImageType::fromMime(l.mime).extension;
        QString path;
        if (layout == ArchiveLayout::Folders) {
            path = QStringLiteral("petcurator-dataset/%1/%2.%3").arg(breed.id, l.sha256, ext);
        } else {
            const QString stem = QStringLiteral("%1_%2").arg(breed.id).arg(l.imageId);
            path = QStringLiteral("petcurator-oxford/images/%1.%2").arg(stem, ext);
            // Oxford's breed id counts within the species, in class-id order.
            int withinSpecies = 0;
            for (int i = 0; i <= index; ++i)
                withinSpecies += breeds.at(i).species == breed.species ? 1 : 0;
            list += QStringLiteral("%1 %2 %3 %4\n").arg(stem).arg(breed.classId).arg(breed.species == QLatin1String("cat") ? 1 : 2).arg(withinSpecies).toUtf8();
        }
        if (!addEntry(w, path, *bytes, now))
            return ServerError::internal(Error{QStringLiteral("cannot write %1 to the archive: %2").arg(path, w.error())});
    }
    if (layout == ArchiveLayout::Oxford && !addEntry(w, QStringLiteral("petcurator-oxford/annotations/list.txt"), list, now))
        return ServerError::internal(Error{QStringLiteral("cannot write list.txt to the archive: %1").arg(w.error())});
    if (archive_write_close(w.a) != ARCHIVE_OK)
        return ServerError::internal(Error{QStringLiteral("cannot finish the archive: %1").arg(w.error())});
    struct stat st {};
    if (::fstat(fd, &st) != 0)
        return ServerError::internal(Error{QStringLiteral("cannot size the archive")});
    return std::make_shared<FileBody>(::dup(fd), qint64(st.st_size));
}

} // namespace pc::server
