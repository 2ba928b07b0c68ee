#include "server/ModelRegistry.h"

#include "model/Backbone.h"
#include "model/BreedCatalog.h"
#include "model/ModelBundle.h"
#include "server/ModelSigner.h"
#include "server/ServerDatabase.h"
#include "workspace/ImageStore.h"
#include "workspace/SqlSupport.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QSqlQuery>
#include <QTemporaryFile>

namespace pc::server {

namespace {

const QString kModelSelect = QStringLiteral(
    "SELECT m.version, m.sha256, m.bytes, m.source_version, m.metrics, m.classes, u.name, m.published, m.signature, m.key_id, m.withdrawn "
    "FROM models m JOIN users u ON u.id = m.published_by ");

PublishedModel modelFrom(const QSqlQuery& q)
{
    PublishedModel m;
    m.version = q.value(0).toLongLong();
    m.sha256 = q.value(1).toString();
    m.bytes = q.value(2).toLongLong();
    m.sourceVersion = q.value(3).toString();
    m.metrics = QJsonDocument::fromJson(q.value(4).toString().toUtf8()).object();
    m.classes = q.value(5).toInt();
    m.publishedBy = q.value(6).toString();
    m.published = q.value(7).toString();
    m.signature = q.value(8).toString();
    m.keyId = q.value(9).toString();
    m.withdrawn = q.value(10).toString();
    return m;
}

} // namespace

ModelRegistry::ModelRegistry(std::shared_ptr<const ServerDatabase> db, const QString& dir, std::shared_ptr<const ModelSigner> signer)
    : m_db(std::move(db))
    , m_dir(dir)
    , m_signer(std::move(signer))
{
}

ServerResult<ModelRegistry::Publication> ModelRegistry::publish(const Principal& who, const QByteArray& bytes, const QString& claimedSha256) const
{
    if (!ImageStore::isSha256(claimedSha256))
        return ServerError::badRequest(QStringLiteral("send the bundle's SHA-256 (64 lower-case hex digits) in X-Checksum-Sha256"));
    if (bytes.isEmpty())
        return ServerError::badRequest(QStringLiteral("empty body: send the .pcmodel bytes"));
    const QString sha = ImageStore::sha256(bytes);
    if (sha != claimedSha256)
        return ServerError::badRequest(QStringLiteral("the body's SHA-256 is %1, not %2").arg(sha, claimedSha256));

    {
        QSqlQuery q(m_db->connection());
        if (!sql::exec(q, kModelSelect + QStringLiteral("WHERE m.sha256 = ?"), {sha}))
            return ServerError::internal(sql::error(QStringLiteral("cannot read models"), q));
        if (q.next())
            return Publication{modelFrom(q), false};
    }

    // Verified through the same reader the desktop uses, from a file next to where it will live.
    if (!QDir().mkpath(m_dir))
        return ServerError::internal(Error{QStringLiteral("cannot create %1").arg(m_dir)});
    QTemporaryFile temp(m_dir + QStringLiteral("/upload-XXXXXX.part"));
    if (!temp.open() || temp.write(bytes) != bytes.size() || !temp.flush())
        return ServerError::internal(Error{QStringLiteral("cannot write the uploaded bundle: %1").arg(temp.errorString())});
    BundleExpectations expect;
    expect.classes = BreedCatalog::oxford().ids();
    expect.backboneId = QString::fromLatin1(Backbone::kId);
    auto bundle = readModelBundle(temp.fileName(), expect);
    if (!bundle)
        return ServerError::unprocessable(bundle.error().message);
    auto signature = m_signer->sign(bytes);
    if (!signature)
        return ServerError::internal(signature.error());

    const QString target = m_dir + QLatin1Char('/') + sha + QStringLiteral(".pcmodel");
    if (!QFile::exists(target)) {
        if (!temp.rename(target))
            return ServerError::internal(Error{QStringLiteral("cannot store the bundle as %1: %2").arg(target, temp.errorString())});
        temp.setAutoRemove(false);
    }

    ServerDatabase::Write tx(*m_db);
    if (auto s = tx.begin(); !s)
        return ServerError{ServerError::Kind::Unavailable, s.error().message};
    QSqlQuery q(tx.connection());
    if (!sql::exec(q, QStringLiteral("INSERT INTO models (sha256, bytes, source_version, metrics, classes, published_by, published, signature, key_id) "
                                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (sha256) DO NOTHING"),
                   {sha, qint64(bytes.size()), bundle->version.left(100),
                    QString::fromUtf8(QJsonDocument(bundle->metrics).toJson(QJsonDocument::Compact)),
                    int(bundle->head.classes().size()), who.user.id, sql::nowText(),
                    QString::fromLatin1(signature->toBase64()), m_signer->keyId()}))
        return ServerError::internal(sql::error(QStringLiteral("cannot record the model"), q));
    const bool created = q.numRowsAffected() > 0;
    if (!sql::exec(q, kModelSelect + QStringLiteral("WHERE m.sha256 = ?"), {sha}) || !q.next())
        return ServerError::internal(sql::error(QStringLiteral("cannot read the model back"), q));
    Publication p{modelFrom(q), created};
    q.finish();
    if (auto s = tx.commit(); !s)
        return ServerError{ServerError::Kind::Unavailable, s.error().message};
    return p;
}

ServerResult<QVector<PublishedModel>> ModelRegistry::list() const
{
    QSqlQuery q(m_db->connection());
    if (!q.exec(kModelSelect + QStringLiteral("ORDER BY m.version")))
        return ServerError::internal(sql::error(QStringLiteral("cannot read models"), q));
    QVector<PublishedModel> out;
    while (q.next())
        out.push_back(modelFrom(q));
    return out;
}

ServerResult<PublishedModel> ModelRegistry::latest() const
{
    QSqlQuery q(m_db->connection());
    if (!q.exec(kModelSelect + QStringLiteral("WHERE m.withdrawn IS NULL ORDER BY m.version DESC LIMIT 1")))
        return ServerError::internal(sql::error(QStringLiteral("cannot read models"), q));
    if (!q.next())
        return ServerError::notFound(QStringLiteral("no live model: none has been published, or every one was withdrawn"));
    return modelFrom(q);
}

ServerResult<QVector<PublishedModel>> ModelRegistry::live() const
{
    QSqlQuery q(m_db->connection());
    if (!q.exec(kModelSelect + QStringLiteral("WHERE m.withdrawn IS NULL ORDER BY m.version DESC")))
        return ServerError::internal(sql::error(QStringLiteral("cannot read models"), q));
    QVector<PublishedModel> out;
    while (q.next())
        out.push_back(modelFrom(q));
    return out;
}

ServerResult<bool> ModelRegistry::withdraw(qint64 version) const
{
    ServerDatabase::Write tx(*m_db);
    if (auto s = tx.begin(); !s)
        return ServerError{ServerError::Kind::Unavailable, s.error().message};
    QSqlQuery q(tx.connection());
    if (!sql::exec(q, QStringLiteral("SELECT withdrawn FROM models WHERE version = ?"), {version}))
        return ServerError::internal(sql::error(QStringLiteral("cannot read models"), q));
    if (!q.next())
        return ServerError::notFound(QStringLiteral("no model version %1").arg(version));
    const bool live = q.value(0).isNull();
    q.finish();
    if (live && !sql::exec(q, QStringLiteral("UPDATE models SET withdrawn = ? WHERE version = ?"), {sql::nowText(), version}))
        return ServerError::internal(sql::error(QStringLiteral("cannot withdraw model %1").arg(version), q));
    if (auto s = tx.commit(); !s)
        return ServerError{ServerError::Kind::Unavailable, s.error().message};
    return live;
}

QString ModelRegistry::bundlePath(const PublishedModel& model) const
{
    return m_dir + QLatin1Char('/') + model.sha256 + QStringLiteral(".pcmodel");
}

ServerResult<PublishedModel> ModelRegistry::get(qint64 version) const
{
    QSqlQuery q(m_db->connection());
    if (!sql::exec(q, kModelSelect + QStringLiteral("WHERE m.version = ?"), {version}))
        return ServerError::internal(sql::error(QStringLiteral("cannot read models"), q));
    if (!q.next())
        return ServerError::notFound(QStringLiteral("no model version %1").arg(version));
    return modelFrom(q);
}

ServerResult<QByteArray> ModelRegistry::bundle(const PublishedModel& model) const
{
    QFile f(bundlePath(model));
    if (!f.open(QIODevice::ReadOnly))
        return ServerError::internal(Error{QStringLiteral("model %1's bundle is missing: %2").arg(model.version).arg(f.errorString())});
    const QByteArray bytes = f.readAll();
    if (ImageStore::sha256(bytes) != model.sha256)
        return ServerError::internal(Error{QStringLiteral("model %1's bundle is corrupt on disk").arg(model.version)});
    return bytes;
}

} // namespace pc::server
