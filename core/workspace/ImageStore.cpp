#include "workspace/ImageStore.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>

namespace pc {

QString ImageStore::sha256(const QByteArray& bytes)
{
    return QString::fromLatin1(QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex());
}

bool ImageStore::isSha256(const QString& text)
{
    if (text.size() != 64)
        return false;
    for (QChar c : text)
        if (!((c >= QLatin1Char('0') && c <= QLatin1Char('9')) || (c >= QLatin1Char('a') && c <= QLatin1Char('f'))))
            return false;
    return true;
}

QString ImageStore::path(const QString& sha256) const
{
    return m_root + QLatin1Char('/') + sha256.left(2) + QLatin1Char('/') + sha256;
}

bool ImageStore::has(const QString& sha256, qint64 size) const
{
    const QFileInfo info(path(sha256));
    return info.isFile() && info.size() == size;
}

Status<> ImageStore::put(const QString& sha256, const QByteArray& bytes) const
{
    if (!isSha256(sha256))
        return Error{QStringLiteral("not a SHA-256: %1").arg(sha256.left(80))};
    // Same name, same size: an earlier write completed (renames are atomic), nothing to do.
    if (has(sha256, bytes.size()))
        return done();
    const QString target = path(sha256);
    if (!QDir().mkpath(QFileInfo(target).path()))
        return Error{QStringLiteral("cannot create the image store folder %1").arg(QFileInfo(target).path())};
    QSaveFile file(target);
    if (!file.open(QIODevice::WriteOnly))
        return Error{QStringLiteral("cannot write %1: %2").arg(target, file.errorString())};
    if (file.write(bytes) != bytes.size()) {
        const QString why = file.errorString();
        file.cancelWriting();
        return Error{QStringLiteral("cannot write %1: %2").arg(target, why)};
    }
    if (!file.commit()) // flushes, fsyncs, renames over the target
        return Error{QStringLiteral("cannot write %1: %2").arg(target, file.errorString())};
    return done();
}

Expected<QByteArray> ImageStore::read(const QString& sha256) const
{
    if (!isSha256(sha256))
        return Error{QStringLiteral("not a SHA-256: %1").arg(sha256.left(80))};
    QFile file(path(sha256));
    if (!file.exists())
        return Error{QStringLiteral("image %1 is missing from the store (%2)").arg(sha256, file.fileName())};
    if (!file.open(QIODevice::ReadOnly))
        return Error{QStringLiteral("cannot read stored image %1: %2").arg(sha256, file.errorString())};
    QByteArray bytes = file.readAll();
    if (file.error() != QFileDevice::NoError)
        return Error{QStringLiteral("cannot read stored image %1: %2").arg(sha256, file.errorString())};
    if (ImageStore::sha256(bytes) != sha256)
        return Error{QStringLiteral("stored image %1 is corrupt: its bytes no longer match their hash").arg(sha256)};
    return bytes;
}

} // namespace pc
