#pragma once
// The server's images: bytes in the content-addressed ImageStore (<root>/ab/<sha256>), one row
// each in the database. An upload is accepted only when its bytes hash to the name it was sent
// under, its magic bytes say it is a raster image we accept, and it decodes within the limits.
#include "server/AccountStore.h"
#include "server/ServerError.h"
#include "workspace/ImageStore.h"

#include <memory>

namespace pc::server {

class ServerDatabase;

struct StoredImage {
    qint64 id = 0;
    QString sha256;
    qint64 bytes = 0;
    QByteArray mime; // from the magic bytes, at upload
};

class ImageRepository {
public:
    ImageRepository(std::shared_ptr<const ServerDatabase> db, const QString& root, qint64 maxPixels);

    struct Upload {
        StoredImage image;
        bool created = false; // false: the same bytes were there already
    };
    ServerResult<Upload> put(const Principal& who, const QString& sha256, const QByteArray& bytes) const;
    ServerResult<StoredImage> find(const QString& sha256) const;
    // The stored bytes, checked against their hash.
    Expected<QByteArray> read(const QString& sha256) const { return m_store.read(sha256); }

private:
    std::shared_ptr<const ServerDatabase> m_db;
    ImageStore m_store;
    qint64 m_maxPixels;
};

} // namespace pc::server
