#include "server/ImageRepository.h"

#include "imaging/ImageDecoder.h"
#include "server/ImageType.h"
#include "server/ServerDatabase.h"
#include "workspace/SqlSupport.h"

#include <QSqlQuery>

namespace pc::server {

namespace {

std::optional<StoredImage> selectImage(const QSqlDatabase& c, const QString& sha256, Error* error)
{
    QSqlQuery q(c);
    if (!sql::exec(q, QStringLiteral("SELECT id, sha256, bytes, mime FROM images WHERE sha256 = ?"), {sha256})) {
        *error = sql::error(QStringLiteral("cannot read images"), q);
        return std::nullopt;
    }
    if (!q.next())
        return std::nullopt;
    return StoredImage{q.value(0).toLongLong(), q.value(1).toString(), q.value(2).toLongLong(), q.value(3).toString().toLatin1()};
}

} // namespace

ImageRepository::ImageRepository(std::shared_ptr<const ServerDatabase> db, const QString& root, qint64 maxPixels)
    : m_db(std::move(db))
    , m_store(root)
    , m_maxPixels(maxPixels)
{
}

ServerResult<ImageRepository::Upload> ImageRepository::put(const Principal& who, const QString& sha256, const QByteArray& bytes) const
{
    if (!ImageStore::isSha256(sha256))
        return ServerError::badRequest(QStringLiteral("the image name must be its SHA-256 in 64 lower-case hex digits"));
    if (bytes.isEmpty())
        return ServerError::badRequest(QStringLiteral("empty body: send the image bytes"));
    const QString actual = ImageStore::sha256(bytes);
    if (actual != sha256)
        return ServerError::badRequest(QStringLiteral("the body's SHA-256 is %1, not %2").arg(actual, sha256));
    const ImageType type = ImageType::sniff(bytes);
    if (!type.isValid())
        return ServerError::unsupported(QStringLiteral("not an accepted image type (JPEG, PNG, GIF, WebP or BMP, by content)"));
    DecodeLimits limits;
    limits.maxPixels = m_maxPixels;
    limits.maxFileBytes = bytes.size();
    if (auto decoded = ImageDecoder(limits).decode(bytes); !decoded)
        return ServerError::unprocessable(QStringLiteral("the image does not decode: %1").arg(decoded.error().message));

    Error error;
    if (auto existing = selectImage(m_db->connection(), sha256, &error)) {
        if (!m_store.has(sha256, bytes.size())) // the row outlived its file: put the bytes back
            if (auto s = m_store.put(sha256, bytes); !s)
                return ServerError::internal(s.error());
        return Upload{*existing, false};
    }
    if (!error.message.isEmpty())
        return ServerError::internal(error);

    // File first, then the row: a crash in between leaves an unreferenced file, never a row
    // without its bytes.
    if (auto s = m_store.put(sha256, bytes); !s)
        return ServerError::internal(s.error());
    ServerDatabase::Write tx(*m_db);
    if (auto s = tx.begin(); !s)
        return ServerError{ServerError::Kind::Unavailable, s.error().message};
    QSqlQuery q(tx.connection());
    if (!sql::exec(q, QStringLiteral("INSERT INTO images (sha256, bytes, mime, uploaded_by, created) VALUES (?, ?, ?, ?, ?) "
                                     "ON CONFLICT (sha256) DO NOTHING"),
                   {sha256, qint64(bytes.size()), QString::fromLatin1(type.mime), who.user.id, sql::nowText()}))
        return ServerError::internal(sql::error(QStringLiteral("cannot record image %1").arg(sha256), q));
    const bool created = q.numRowsAffected() > 0;
    auto stored = selectImage(tx.connection(), sha256, &error);
    if (!stored)
        return ServerError::internal(error.message.isEmpty() ? Error{QStringLiteral("image %1 vanished").arg(sha256)} : error);
    if (auto s = tx.commit(); !s)
        return ServerError::internal(s.error());
    return Upload{*stored, created};
}

ServerResult<StoredImage> ImageRepository::find(const QString& sha256) const
{
    if (!ImageStore::isSha256(sha256))
        return ServerError::badRequest(QStringLiteral("not a SHA-256: expected 64 lower-case hex digits"));
    Error error;
    auto image = selectImage(m_db->connection(), sha256, &error);
    if (!image)
        return error.message.isEmpty() ? ServerResult<StoredImage>(ServerError::notFound(QStringLiteral("no image %1").arg(sha256)))
                                       : ServerResult<StoredImage>(ServerError::internal(error));
    return *image;
}

} // namespace pc::server
