#include "workspace/Workspace.h"

#include "workspace/ImageStore.h"
#include "workspace/Schema.h"
#include "workspace/SqlSupport.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QTemporaryFile>

namespace pc {

using sql::readOne;
using sql::readRows;
using sql::readValue;

namespace {

const QString kDatabaseFile = QStringLiteral("workspace.sqlite");

const QString kImageColumns = QStringLiteral("id, sha256, original_path, bytes, width, height, added, source, split");

ImageRecord imageFrom(const QSqlQuery& q)
{
    ImageRecord r;
    r.id = q.value(0).toLongLong();
    r.sha256 = q.value(1).toString();
    r.originalPath = q.value(2).toString();
    r.bytes = q.value(3).toLongLong();
    r.width = q.value(4).toInt();
    r.height = q.value(5).toInt();
    r.added = sql::timeFromText(q.value(6).toString());
    r.source = q.value(7).toString();
    r.split = q.value(8).toString();
    return r;
}

// A refusal before SQLite ever sees the file: SQLite would fail on a non-database file anyway, but
// a connection may create -wal/-shm files next to it, and we promise to leave it alone entirely.
Status<> checkDatabaseFile(const QString& path)
{
    const QFileInfo info(path);
    if (!info.exists() && !info.isSymLink())
        return done();
    if (info.isDir())
        return Error{QStringLiteral("the workspace database %1 is a folder, not a file").arg(path)};
    if (!info.isFile())
        return Error{QStringLiteral("the workspace database %1 is not a regular file").arg(path)};
    if (info.size() == 0)
        return done(); // SQLite treats an empty file as an empty database
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return Error{QStringLiteral("cannot read the workspace database %1: %2").arg(path, file.errorString())};
    static const QByteArray magic("SQLite format 3", 16); // with its NUL
    if (file.read(16) != magic)
        return Error{QStringLiteral("not a PetCurator workspace database: %1 is not an SQLite file (left untouched)").arg(path)};
    return done();
}

} // namespace

// ---------------------------------------------------------------------------------------------
// Opening, connections

QString Workspace::defaultLocation()
{
    const QString fromEnv = qEnvironmentVariable("PETCURATOR_WORKSPACE");
    if (!fromEnv.trimmed().isEmpty())
        return QDir::cleanPath(fromEnv);
    QString location = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    if (location.isEmpty())
        location = QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation) + QStringLiteral("/PetCurator");
    return location;
}

Workspace::Workspace(QString dir)
    : m_dir(std::move(dir))
    , m_db(QDir(m_dir).filePath(kDatabaseFile))
{
}

// m_db removes this thread's connection; every other thread removes its own (at its next database
// call or when it ends), never this one.
Workspace::~Workspace() = default;

Expected<std::shared_ptr<Workspace>> Workspace::open(const QString& dir)
{
    if (dir.trimmed().isEmpty())
        return Error{QStringLiteral("no workspace folder given")};
    const QString path = QDir::cleanPath(QFileInfo(dir).absoluteFilePath());
    const QFileInfo info(path);
    if (info.exists() && !info.isDir())
        return Error{QStringLiteral("the workspace path is a file, not a folder: %1").arg(path)};
    if (!info.exists() && !QDir().mkpath(path))
        return Error{QStringLiteral("cannot create the workspace folder %1").arg(path)};
    {
        // Permission bits say nothing about read-only mounts: try it.
        QTemporaryFile probe(path + QStringLiteral("/.write-test-XXXXXX"));
        if (!probe.open())
            return Error{QStringLiteral("the workspace folder is not writable: %1 (%2)").arg(path, probe.errorString())};
    }
    if (auto s = checkDatabaseFile(QDir(path).filePath(kDatabaseFile)); !s)
        return s.error();
    for (const QString& sub : {QStringLiteral("images"), QStringLiteral("models")})
        if (!QDir(path).mkpath(sub))
            return Error{QStringLiteral("cannot create %1 in the workspace folder %2").arg(sub, path)};

    std::shared_ptr<Workspace> ws(new Workspace(path));
    if (auto s = ws->migrate(); !s)
        return s.error(); // ws goes now, and its connection with it
    return ws;
}

Status<> Workspace::migrate()
{
    const QString path = QDir(m_dir).filePath(kDatabaseFile);
    const QSqlDatabase db = this->db();
    if (!db.isOpen())
        return sql::error(QStringLiteral("cannot open the workspace database %1").arg(path), db);
    // Read-only checks first: a database we must not touch is refused before anything writes to it.
    if (auto s = schema::checkCompatible(db, path); !s)
        return s;
    {
        QSqlQuery q(db);
        if (!q.exec(QStringLiteral("PRAGMA journal_mode = WAL")) || !q.next())
            return sql::error(QStringLiteral("cannot use the workspace database %1").arg(path), q);
        if (q.value(0).toString().compare(QStringLiteral("wal"), Qt::CaseInsensitive) != 0)
            qWarning("workspace: %s: the file system refuses WAL mode (journal mode %s); continuing without it",
                     qPrintable(path), qPrintable(q.value(0).toString()));
    }
    if (auto s = schema::migrate(db); !s)
        return Error{QStringLiteral("%1: %2").arg(path, s.error().message)};
    return done();
}

QSqlDatabase Workspace::db() const { return m_db.connection(); }

QString Workspace::modelsDir() const { return QDir(m_dir).filePath(QStringLiteral("models")); }

Expected<int> Workspace::schemaVersion() const { return schema::version(db()); }

// ---------------------------------------------------------------------------------------------
// Images

Expected<Workspace::AddedImage> Workspace::addImage(const QByteArray& bytes, const QString& originalPath, int width,
                                                     int height, const QString& source, const QString& split)
{
    if (bytes.isEmpty())
        return Error{QStringLiteral("cannot add an empty file (0 bytes): %1").arg(originalPath)};
    if (width < 0 || height < 0)
        return Error{QStringLiteral("cannot add %1: impossible size %2x%3").arg(originalPath).arg(width).arg(height)};
    const QString hash = ImageStore::sha256(bytes);
    const ImageStore store(QDir(m_dir).filePath(QStringLiteral("images")));
    const QSqlDatabase db = this->db();

    auto existingId = [&](QString& failure) -> std::optional<qint64> {
        QSqlQuery q = sql::reader(db);
        if (!sql::exec(q, QStringLiteral("SELECT id FROM images WHERE sha256 = ?"), {hash})) {
            failure = sql::error(QStringLiteral("cannot look up image %1").arg(hash), q).message;
            return std::nullopt;
        }
        if (q.next())
            return q.value(0).toLongLong();
        return std::nullopt;
    };

    QString failure;
    if (const auto id = existingId(failure)) {
        // A row must never lack its file: put back a file someone deleted from the store.
        if (!store.has(hash, bytes.size()))
            if (auto s = store.put(hash, bytes); !s)
                return s.error();
        // Adding a removed image again is a deliberate add: it comes back, with its labels.
        QSqlQuery q(db);
        if (!sql::exec(q, QStringLiteral("UPDATE images SET removed = '' WHERE id = ? AND removed <> ''"), {*id}))
            return sql::error(QStringLiteral("cannot restore image %1").arg(originalPath), q);
        return AddedImage{*id, hash, q.numRowsAffected() <= 0};
    }
    if (!failure.isEmpty())
        return Error{failure};

    // The file first: a crash between the two leaves an orphan file (harmless, reused by the next
    // add), never a row without its bytes.
    if (auto s = store.put(hash, bytes); !s)
        return s.error();

    sql::WriteTransaction tx(db);
    if (auto s = tx.begin(); !s)
        return s.error();
    if (const auto id = existingId(failure)) // another thread or process won the race
        return AddedImage{*id, hash, true};
    if (!failure.isEmpty())
        return Error{failure};
    qint64 id = 0;
    {
        QSqlQuery q(db);
        if (!sql::exec(q,
                       QStringLiteral("INSERT INTO images (sha256, original_path, bytes, width, height, added, source, split) "
                                      "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"),
                       {hash, originalPath, qint64(bytes.size()), width, height, sql::nowText(), source, split}))
            return sql::error(QStringLiteral("cannot record image %1").arg(originalPath), q);
        id = q.lastInsertId().toLongLong();
    }
    if (auto s = tx.commit(); !s)
        return s.error();
    return AddedImage{id, hash, false};
}

Expected<std::optional<ImageRecord>> Workspace::image(qint64 id) const
{
    return readOne<ImageRecord>(db(), QStringLiteral("cannot read image %1").arg(id),
                                QStringLiteral("SELECT %1 FROM images WHERE id = ?").arg(kImageColumns), {id}, imageFrom);
}

Expected<std::optional<ImageRecord>> Workspace::imageByHash(const QString& sha256) const
{
    return readOne<ImageRecord>(db(), QStringLiteral("cannot look up image %1").arg(sha256),
                                QStringLiteral("SELECT %1 FROM images WHERE sha256 = ?").arg(kImageColumns), {sha256.toLower()},
                                imageFrom);
}

Expected<std::optional<ImageRecord>> Workspace::imageByOriginalPath(const QString& path) const
{
    if (path.isEmpty())
        return std::optional<ImageRecord>();
    const QSqlDatabase db = this->db();
    // As given first, then as the absolute path importers record.
    QStringList candidates{path};
    const QString absolute = QDir::cleanPath(QFileInfo(path).absoluteFilePath());
    if (absolute != path)
        candidates << absolute;
    for (const QString& candidate : candidates) {
        auto found = readOne<ImageRecord>(
            db, QStringLiteral("cannot look up image %1").arg(candidate),
            QStringLiteral("SELECT %1 FROM images WHERE original_path = ? ORDER BY id DESC LIMIT 1").arg(kImageColumns), {candidate},
            imageFrom);
        if (!found || *found)
            return found;
    }
    return std::optional<ImageRecord>();
}

Expected<QVector<ImageRecord>> Workspace::images() const
{
    QVector<ImageRecord> out;
    auto s = readRows(db(), QStringLiteral("cannot list the images"),
                      QStringLiteral("SELECT %1 FROM images WHERE removed = '' ORDER BY id").arg(kImageColumns), {},
                      [&](const QSqlQuery& q) { out.append(imageFrom(q)); });
    if (!s)
        return s.error();
    return out;
}

Expected<int> Workspace::imageCount() const
{
    return readValue<int>(db(), QStringLiteral("cannot count the images"), QStringLiteral("SELECT count(*) FROM images WHERE removed = ''"));
}

Expected<int> Workspace::removedImageCount() const
{
    return readValue<int>(db(), QStringLiteral("cannot count the removed images"), QStringLiteral("SELECT count(*) FROM images WHERE removed <> ''"));
}

Status<> Workspace::setImagesRemoved(const QVector<qint64>& imageIds, bool removed)
{
    const QSqlDatabase db = this->db();
    sql::WriteTransaction tx(db);
    if (auto s = tx.begin(); !s)
        return s;
    for (qint64 id : imageIds) {
        QSqlQuery q(db);
        if (!sql::exec(q, QStringLiteral("UPDATE images SET removed = ? WHERE id = ?"), {removed ? sql::nowText() : QString(), id}))
            return sql::error(QStringLiteral("cannot %1 image %2").arg(removed ? QStringLiteral("remove") : QStringLiteral("restore")).arg(id), q);
        if (q.numRowsAffected() != 1)
            return Error{QStringLiteral("there is no image %1 in this workspace").arg(id)};
    }
    return tx.commit();
}

Expected<bool> Workspace::isImageRemoved(qint64 imageId) const
{
    auto removed = readOne<bool>(db(), QStringLiteral("cannot read image %1").arg(imageId),
                                 QStringLiteral("SELECT removed <> '' FROM images WHERE id = ?"), {imageId},
                                 [](const QSqlQuery& q) { return q.value(0).toBool(); });
    if (!removed)
        return removed.error();
    return removed->value_or(false);
}

QString Workspace::storedImagePath(const QString& sha256) const
{
    if (!ImageStore::isSha256(sha256))
        return {};
    return ImageStore(QDir(m_dir).filePath(QStringLiteral("images"))).path(sha256);
}

Expected<QByteArray> Workspace::readImageBytes(const QString& sha256) const
{
    return ImageStore(QDir(m_dir).filePath(QStringLiteral("images"))).read(sha256);
}

// ---------------------------------------------------------------------------------------------
// Settings

Expected<QString> Workspace::setting(const QString& key) const
{
    auto value = readOne<QString>(db(), QStringLiteral("cannot read the setting %1").arg(key),
                                  QStringLiteral("SELECT value FROM settings WHERE key = ?"), {key},
                                  [](const QSqlQuery& q) { return q.value(0).toString(); });
    if (!value)
        return value.error();
    return value->value_or(QString());
}

Status<> Workspace::setSetting(const QString& key, const QString& value)
{
    QSqlQuery q(db());
    if (!sql::exec(q, QStringLiteral("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)"), {key, value}))
        return sql::error(QStringLiteral("cannot store the setting %1").arg(key), q);
    return done();
}

// ---------------------------------------------------------------------------------------------

Status<> Workspace::checkIntegrity() const
{
    const QSqlDatabase db = this->db();
    {
        QSqlQuery q = sql::reader(db);
        if (!q.exec(QStringLiteral("PRAGMA integrity_check")))
            return sql::error(QStringLiteral("cannot check the workspace database"), q);
        QStringList problems;
        while (q.next())
            problems << q.value(0).toString();
        if (problems != QStringList{QStringLiteral("ok")})
            return Error{QStringLiteral("the workspace database is damaged: %1").arg(problems.join(QStringLiteral("; ")).left(500))};
    }
    QSqlQuery q = sql::reader(db);
    if (!q.exec(QStringLiteral("PRAGMA foreign_key_check")))
        return sql::error(QStringLiteral("cannot check the workspace database"), q);
    if (q.next())
        return Error{QStringLiteral("the workspace database is damaged: table %1 row %2 points at a missing %3 row")
                         .arg(q.value(0).toString(), q.value(1).toString(), q.value(2).toString())};
    return done();
}

} // namespace pc
