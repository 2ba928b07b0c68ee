#include "workspace/Workspace.h"

#include "model/BreedCatalog.h"
#include "workspace/ImageStore.h"
#include "workspace/ConnectionPerThread.h"
#include "workspace/Schema.h"
#include "workspace/SqlSupport.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QTemporaryFile>
#include <QThread>
#include <QUuid>

#include <opencv2/core.hpp>


namespace pc {

// ---------------------------------------------------------------------------------------------
// Enum names, as stored in the database and shown to users.

QString toString(LabelOrigin o)
{
    switch (o) {
    case LabelOrigin::Dataset: return QStringLiteral("dataset");
    case LabelOrigin::Curator: return QStringLiteral("curator");
    case LabelOrigin::Server: return QStringLiteral("server");
    }
    return {};
}

QString toString(ReviewStatus s)
{
    switch (s) {
    case ReviewStatus::Pending: return QStringLiteral("pending");
    case ReviewStatus::Approved: return QStringLiteral("approved");
    case ReviewStatus::Rejected: return QStringLiteral("rejected");
    }
    return {};
}

QString toString(ModelState s)
{
    switch (s) {
    case ModelState::Candidate: return QStringLiteral("candidate");
    case ModelState::Active: return QStringLiteral("active");
    case ModelState::Retired: return QStringLiteral("retired");
    }
    return {};
}

std::optional<LabelOrigin> labelOriginFromString(const QString& s)
{
    for (LabelOrigin o : {LabelOrigin::Dataset, LabelOrigin::Curator, LabelOrigin::Server})
        if (s == toString(o))
            return o;
    return std::nullopt;
}

std::optional<ReviewStatus> reviewStatusFromString(const QString& s)
{
    for (ReviewStatus r : {ReviewStatus::Pending, ReviewStatus::Approved, ReviewStatus::Rejected})
        if (s == toString(r))
            return r;
    return std::nullopt;
}

std::optional<ModelState> modelStateFromString(const QString& s)
{
    for (ModelState m : {ModelState::Candidate, ModelState::Active, ModelState::Retired})
        if (s == toString(m))
            return m;
    return std::nullopt;
}

namespace {

const QString kDatabaseFile = QStringLiteral("workspace.sqlite");
const QString kSplitIdKey = QStringLiteral("validation_split_id");

// Per-connection settings (PRAGMA journal_mode=WAL, by contrast, is stored in the file).
// synchronous=NORMAL with WAL: a commit is in the WAL file (the OS holds it) before COMMIT returns,
// so a killed process loses nothing; only a power cut can lose the last commits, never consistency.
// FULL would add an fsync per commit, i.e. per imported image.
void configureConnection(const QSqlDatabase& db)
{
    for (const char* pragma : {"PRAGMA foreign_keys = ON", "PRAGMA synchronous = NORMAL"}) {
        QSqlQuery q(db);
        if (!q.exec(QString::fromLatin1(pragma)))
            qWarning("workspace: %s failed: %s", pragma, qPrintable(sql::error(QString(), q).message));
    }
}

QSqlQuery reader(const QSqlDatabase& db)
{
    QSqlQuery q(db);
    q.setForwardOnly(true); // no row cache: results are read once, in order
    return q;
}

QString jsonText(const QJsonObject& o) { return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact)); }
QString jsonText(const QJsonArray& a) { return QString::fromUtf8(QJsonDocument(a).toJson(QJsonDocument::Compact)); }
QJsonObject jsonObject(const QString& text) { return QJsonDocument::fromJson(text.toUtf8()).object(); }
QJsonArray jsonArray(const QString& text) { return QJsonDocument::fromJson(text.toUtf8()).array(); }

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

const QString kLabelColumns = QStringLiteral("id, image_id, breed, origin, author, at, status, uuid, role, server_status");

LabelEvent labelFrom(const QSqlQuery& q)
{
    LabelEvent e;
    e.id = q.value(0).toLongLong();
    e.imageId = q.value(1).toLongLong();
    e.breed = q.value(2).toString();
    e.origin = labelOriginFromString(q.value(3).toString()).value_or(LabelOrigin::Curator);
    e.author = q.value(4).toString();
    e.at = sql::timeFromText(q.value(5).toString());
    e.status = reviewStatusFromString(q.value(6).toString()).value_or(ReviewStatus::Pending);
    e.uuid = q.value(7).toString();
    e.role = q.value(8).toString();
    e.serverStatus = q.value(9).toString();
    return e;
}

const QString kPredictionColumns = QStringLiteral("image_id, model_version, top, ms, at");

StoredPrediction predictionFrom(const QSqlQuery& q)
{
    StoredPrediction p;
    p.imageId = q.value(0).toLongLong();
    p.modelVersion = q.value(1).toString();
    p.top = jsonArray(q.value(2).toString());
    p.ms = q.value(3).toDouble();
    p.at = sql::timeFromText(q.value(4).toString());
    return p;
}

const QString kModelColumns =
    QStringLiteral("version, parent, created, backbone_id, weights_hash, metrics, file, checksum, state, gate_verdict");

ModelRecord modelFrom(const QSqlQuery& q)
{
    ModelRecord m;
    m.version = q.value(0).toString();
    m.parent = q.value(1).toString();
    m.created = sql::timeFromText(q.value(2).toString());
    m.backboneId = q.value(3).toString();
    m.weightsHash = q.value(4).toString();
    m.metrics = jsonObject(q.value(5).toString());
    m.file = q.value(6).toString();
    m.checksum = q.value(7).toString();
    m.state = modelStateFromString(q.value(8).toString()).value_or(ModelState::Retired);
    m.gateVerdict = q.value(9).toString();
    return m;
}

// float16 rows × cols from the database's bytes, widened to CV_32F; nullopt when the sizes disagree.
std::optional<cv::Mat> embeddingsFrom(int views, int dim, const QByteArray& data)
{
    if (views <= 0 || dim <= 0 || data.size() != qsizetype(views) * dim * 2)
        return std::nullopt;
    const cv::Mat half(views, dim, CV_16F, const_cast<char*>(data.constData())); // a view, no copy
    cv::Mat out;
    half.convertTo(out, CV_32F);
    return out;
}

// Runs `statement` and hands each row to `row`; the error names `what` (a failed step counts too:
// SQLite reports a busy or damaged database there as well).
template <class Row>
Status<> readRows(const QSqlDatabase& db, const QString& what, const QString& statement,
                  std::initializer_list<QVariant> values, Row row)
{
    QSqlQuery q = reader(db);
    if (!sql::exec(q, statement, values))
        return sql::error(what, q);
    while (q.next())
        row(q);
    if (q.lastError().isValid())
        return sql::error(what, q);
    return done();
}

// The first row of `statement` through `from`, or none.
template <class T, class From>
Expected<std::optional<T>> readOne(const QSqlDatabase& db, const QString& what, const QString& statement,
                                   std::initializer_list<QVariant> values, From from)
{
    std::optional<T> out;
    auto s = readRows(db, what, statement, values, [&](const QSqlQuery& q) {
        if (!out)
            out = from(q);
    });
    if (!s)
        return s.error();
    return out;
}

// A single value (count(*), max(id), …).
template <class T>
Expected<T> readValue(const QSqlDatabase& db, const QString& what, const QString& statement,
                      std::initializer_list<QVariant> values = {})
{
    auto v = readOne<T>(db, what, statement, values, [](const QSqlQuery& q) { return q.value(0).value<T>(); });
    if (!v)
        return v.error();
    if (!*v)
        return Error{what + QStringLiteral(": no answer")};
    return **v;
}

// Whether an image row exists; an error when the question can't be answered.
Expected<bool> imageExists(const QSqlDatabase& db, qint64 id)
{
    QSqlQuery q = reader(db);
    if (!sql::exec(q, QStringLiteral("SELECT 1 FROM images WHERE id = ?"), {id}))
        return sql::error(QStringLiteral("cannot look up image %1").arg(id), q);
    return q.next();
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
    , m_connections(sql::ConnectionPerThread::uniquePrefix(QStringLiteral("pc-workspace")), [path = QDir(m_dir).filePath(kDatabaseFile)](const QString& name) {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        db.setDatabaseName(path);
        db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=5000"));
    })
{
}

// m_connections removes this thread's connection; every other thread removes its own (at its next
// database call or when it ends), never this one.
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

QSqlDatabase Workspace::db() const
{
    QSqlDatabase db = m_connections.database();
    if (!db.isOpen()) {
        if (db.open())
            configureConnection(db);
        else
            qWarning("workspace: cannot open %s: %s", qPrintable(db.databaseName()),
                     qPrintable(sql::error(QString(), db).message));
    }
    return db;
}

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
        QSqlQuery q = reader(db);
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
// Labels

Expected<qint64> Workspace::addLabel(qint64 imageId, const QString& breed, LabelOrigin origin, const QString& author,
                                     ReviewStatus status)
{
    const BreedCatalog& catalog = BreedCatalog::oxford();
    const int index = catalog.indexOf(breed);
    if (index < 0)
        return Error{QStringLiteral("unknown breed \"%1\": expected one of the %2 Oxford-IIIT Pet breeds").arg(breed).arg(catalog.size())};
    const QSqlDatabase db = this->db();
    sql::WriteTransaction tx(db);
    if (auto s = tx.begin(); !s)
        return s.error();
    auto exists = imageExists(db, imageId);
    if (!exists)
        return exists.error();
    if (!*exists)
        return Error{QStringLiteral("unknown image id %1").arg(imageId)};
    qint64 id = 0;
    {
        QSqlQuery q(db);
        if (!sql::exec(q,
                       QStringLiteral("INSERT INTO label_events (image_id, breed, origin, author, at, status, uuid) "
                                      "VALUES (?, ?, ?, ?, ?, ?, ?)"),
                       {imageId, catalog.at(index).id, toString(origin), author, sql::nowText(), toString(status),
                        QUuid::createUuid().toString(QUuid::WithoutBraces)}))
            return sql::error(QStringLiteral("cannot add the label"), q);
        id = q.lastInsertId().toLongLong();
    }
    if (auto s = tx.commit(); !s)
        return s.error();
    return id;
}

Status<> Workspace::setReviewStatus(qint64 eventId, ReviewStatus status)
{
    QSqlQuery q(db());
    if (!sql::exec(q, QStringLiteral("UPDATE label_events SET status = ? WHERE id = ?"), {toString(status), eventId}))
        return sql::error(QStringLiteral("cannot change the review status of label event %1").arg(eventId), q);
    if (q.numRowsAffected() != 1)
        return Error{QStringLiteral("unknown label event id %1").arg(eventId)};
    return done();
}

Expected<std::optional<LabelEvent>> Workspace::currentLabel(qint64 imageId) const
{
    return readOne<LabelEvent>(
        db(), QStringLiteral("cannot read the label of image %1").arg(imageId),
        QStringLiteral("SELECT %1 FROM label_events WHERE image_id = ? AND status <> 'rejected' ORDER BY id DESC LIMIT 1").arg(kLabelColumns),
        {imageId}, labelFrom);
}

Expected<QVector<LabelEvent>> Workspace::labelHistory(qint64 imageId) const
{
    QVector<LabelEvent> out;
    auto s = readRows(db(), QStringLiteral("cannot read the label history of image %1").arg(imageId),
                      QStringLiteral("SELECT %1 FROM label_events WHERE image_id = ? ORDER BY id").arg(kLabelColumns), {imageId},
                      [&](const QSqlQuery& q) { out.append(labelFrom(q)); });
    if (!s)
        return s.error();
    return out;
}

Expected<QHash<qint64, LabelEvent>> Workspace::currentLabels() const
{
    QHash<qint64, LabelEvent> out;
    const QString statement = QStringLiteral(
        "SELECT %1 FROM label_events WHERE id IN "
        "(SELECT max(id) FROM label_events WHERE status <> 'rejected' "
        "AND image_id IN (SELECT id FROM images WHERE removed = '') GROUP BY image_id)").arg(kLabelColumns);
    auto s = readRows(db(), QStringLiteral("cannot read the labels"), statement, {}, [&](const QSqlQuery& q) {
        LabelEvent e = labelFrom(q);
        out.insert(e.imageId, e);
    });
    if (!s)
        return s.error();
    return out;
}

Expected<int> Workspace::labelEventCount() const
{
    return readValue<int>(db(), QStringLiteral("cannot count the label events"), QStringLiteral("SELECT count(*) FROM label_events"));
}

Expected<int> Workspace::labelEventsSince(qint64 afterId) const
{
    // Rejected events taught nothing, so they don't count towards "new labels".
    return readValue<int>(db(), QStringLiteral("cannot count the new labels"),
                          QStringLiteral("SELECT count(*) FROM label_events WHERE id > ? AND origin IN ('curator', 'server') "
                                         "AND status <> 'rejected'"),
                          {afterId});
}

Expected<qint64> Workspace::lastLabelEventId() const
{
    return readValue<qint64>(db(), QStringLiteral("cannot read the label events"),
                             QStringLiteral("SELECT coalesce(max(id), 0) FROM label_events"));
}

// ---------------------------------------------------------------------------------------------
// Predictions

Status<> Workspace::savePrediction(const StoredPrediction& prediction)
{
    if (prediction.modelVersion.isEmpty())
        return Error{QStringLiteral("cannot save a prediction without a model version")};
    const QSqlDatabase db = this->db();
    sql::WriteTransaction tx(db);
    if (auto s = tx.begin(); !s)
        return s;
    auto exists = imageExists(db, prediction.imageId);
    if (!exists)
        return exists.error();
    if (!*exists)
        return Error{QStringLiteral("unknown image id %1").arg(prediction.imageId)};
    {
        QSqlQuery q(db);
        const QDateTime at = prediction.at.isValid() ? prediction.at : QDateTime::currentDateTimeUtc();
        if (!sql::exec(q, QStringLiteral("INSERT INTO predictions (image_id, model_version, top, ms, at) VALUES (?, ?, ?, ?, ?)"),
                       {prediction.imageId, prediction.modelVersion, jsonText(prediction.top), prediction.ms, sql::timeText(at)}))
            return sql::error(QStringLiteral("cannot save the prediction"), q);
    }
    return tx.commit();
}

Expected<std::optional<StoredPrediction>> Workspace::latestPrediction(qint64 imageId) const
{
    return readOne<StoredPrediction>(
        db(), QStringLiteral("cannot read the prediction for image %1").arg(imageId),
        QStringLiteral("SELECT %1 FROM predictions WHERE image_id = ? ORDER BY id DESC LIMIT 1").arg(kPredictionColumns), {imageId},
        predictionFrom);
}

Expected<QHash<qint64, StoredPrediction>> Workspace::latestPredictions() const
{
    QHash<qint64, StoredPrediction> out;
    auto s = readRows(db(), QStringLiteral("cannot read the predictions"),
                      QStringLiteral("SELECT %1 FROM predictions WHERE id IN (SELECT max(id) FROM predictions GROUP BY image_id)")
                          .arg(kPredictionColumns),
                      {}, [&](const QSqlQuery& q) {
                          StoredPrediction p = predictionFrom(q);
                          out.insert(p.imageId, p);
                      });
    if (!s)
        return s.error();
    return out;
}

// ---------------------------------------------------------------------------------------------
// Embeddings

Status<> Workspace::putEmbeddings(qint64 imageId, const QString& weightsHash, const cv::Mat& views)
{
    if (weightsHash.isEmpty())
        return Error{QStringLiteral("cannot store embeddings without the backbone's weights hash")};
    if (views.empty() || views.dims != 2 || views.channels() != 1
        || (views.depth() != CV_32F && views.depth() != CV_64F && views.depth() != CV_16F))
        return Error{QStringLiteral("embeddings must be a non-empty views × dim float matrix")};
    cv::Mat half;
    views.convertTo(half, CV_16F); // a new, continuous matrix
    const QByteArray blob(reinterpret_cast<const char*>(half.data), qsizetype(half.total() * half.elemSize()));

    const QSqlDatabase db = this->db();
    sql::WriteTransaction tx(db);
    if (auto s = tx.begin(); !s)
        return s;
    auto exists = imageExists(db, imageId);
    if (!exists)
        return exists.error();
    if (!*exists)
        return Error{QStringLiteral("unknown image id %1").arg(imageId)};
    {
        QSqlQuery q(db);
        if (!sql::exec(q, QStringLiteral("INSERT OR REPLACE INTO embeddings (image_id, weights_hash, views, dim, data) VALUES (?, ?, ?, ?, ?)"),
                       {imageId, weightsHash, views.rows, views.cols, blob}))
            return sql::error(QStringLiteral("cannot store the embeddings of image %1").arg(imageId), q);
    }
    return tx.commit();
}

Expected<std::optional<cv::Mat>> Workspace::embeddings(qint64 imageId, const QString& weightsHash) const
{
    auto row = readOne<std::optional<cv::Mat>>(
        db(), QStringLiteral("cannot read the embeddings of image %1").arg(imageId),
        QStringLiteral("SELECT views, dim, data FROM embeddings WHERE image_id = ? AND weights_hash = ?"), {imageId, weightsHash},
        [](const QSqlQuery& q) { return embeddingsFrom(q.value(0).toInt(), q.value(1).toInt(), q.value(2).toByteArray()); });
    if (!row)
        return row.error();
    return row->value_or(std::nullopt);
}

Expected<QHash<qint64, cv::Mat>> Workspace::allEmbeddings(const QString& weightsHash) const
{
    QHash<qint64, cv::Mat> out;
    auto s = readRows(db(), QStringLiteral("cannot read the embeddings"),
                      QStringLiteral("SELECT image_id, views, dim, data FROM embeddings WHERE weights_hash = ?"), {weightsHash},
                      [&](const QSqlQuery& q) {
                          if (auto m = embeddingsFrom(q.value(1).toInt(), q.value(2).toInt(), q.value(3).toByteArray()))
                              out.insert(q.value(0).toLongLong(), std::move(*m));
                      });
    if (!s)
        return s.error();
    return out;
}

Expected<QSet<qint64>> Workspace::imagesWithEmbeddings(const QString& weightsHash) const
{
    QSet<qint64> out;
    auto s = readRows(db(), QStringLiteral("cannot read the embeddings"),
                      QStringLiteral("SELECT image_id FROM embeddings WHERE weights_hash = ?"), {weightsHash},
                      [&](const QSqlQuery& q) { out.insert(q.value(0).toLongLong()); });
    if (!s)
        return s.error();
    return out;
}

// ---------------------------------------------------------------------------------------------
// Validation split

Expected<std::optional<Workspace::ValidationSplit>> Workspace::validationSplit() const
{
    const QSqlDatabase db = this->db();
    const QString what = QStringLiteral("cannot read the validation split");
    auto id = readOne<QString>(db, what, QStringLiteral("SELECT value FROM settings WHERE key = ?"), {kSplitIdKey},
                               [](const QSqlQuery& q) { return q.value(0).toString(); });
    if (!id)
        return id.error();
    if (!*id)
        return std::optional<ValidationSplit>();
    ValidationSplit split;
    split.id = **id;
    auto s = readRows(db, what, QStringLiteral("SELECT image_id FROM validation_images"), {},
                      [&](const QSqlQuery& q) { split.imageIds.insert(q.value(0).toLongLong()); });
    if (!s)
        return s.error();
    return std::optional<ValidationSplit>(std::move(split));
}

namespace {

// Inserts the ids into validation_images; an unknown id is an error (the caller rolls back).
Status<> insertValidationImages(const QSqlDatabase& db, const QSet<qint64>& ids)
{
    QSqlQuery check = reader(db);
    QSqlQuery insert(db);
    if (!check.prepare(QStringLiteral("SELECT 1 FROM images WHERE id = ?")))
        return sql::error(QStringLiteral("cannot store the validation split"), check);
    if (!insert.prepare(QStringLiteral("INSERT OR IGNORE INTO validation_images (image_id) VALUES (?)")))
        return sql::error(QStringLiteral("cannot store the validation split"), insert);
    for (qint64 id : ids) {
        check.bindValue(0, id);
        if (!check.exec())
            return sql::error(QStringLiteral("cannot store the validation split"), check);
        const bool known = check.next();
        check.finish();
        if (!known)
            return Error{QStringLiteral("cannot store the validation split: unknown image id %1").arg(id)};
        insert.bindValue(0, id);
        if (!insert.exec())
            return sql::error(QStringLiteral("cannot store the validation split"), insert);
    }
    return done();
}

} // namespace

Status<> Workspace::setValidationSplit(const ValidationSplit& split)
{
    const QString id = split.id.isEmpty() ? QUuid::createUuid().toString(QUuid::WithoutBraces) : split.id;
    const QSqlDatabase db = this->db();
    sql::WriteTransaction tx(db);
    if (auto s = tx.begin(); !s)
        return s;
    {
        QSqlQuery q(db);
        if (!q.exec(QStringLiteral("DELETE FROM validation_images")))
            return sql::error(QStringLiteral("cannot replace the validation split"), q);
    }
    if (auto s = insertValidationImages(db, split.imageIds); !s)
        return s;
    {
        QSqlQuery q(db);
        if (!sql::exec(q, QStringLiteral("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)"), {kSplitIdKey, id}))
            return sql::error(QStringLiteral("cannot store the validation split"), q);
    }
    return tx.commit();
}

Status<> Workspace::addToValidationSplit(const QSet<qint64>& imageIds)
{
    const QSqlDatabase db = this->db();
    sql::WriteTransaction tx(db);
    if (auto s = tx.begin(); !s)
        return s;
    {
        QSqlQuery q = reader(db);
        if (!sql::exec(q, QStringLiteral("SELECT 1 FROM settings WHERE key = ?"), {kSplitIdKey}))
            return sql::error(QStringLiteral("cannot extend the validation split"), q);
        if (!q.next())
            return Error{QStringLiteral("cannot extend the validation split: there is none yet")};
    }
    if (auto s = insertValidationImages(db, imageIds); !s)
        return s;
    return tx.commit();
}

// ---------------------------------------------------------------------------------------------
// Models

namespace {

Expected<std::optional<QString>> activeVersion(const QSqlDatabase& db)
{
    QSqlQuery q = reader(db);
    if (!q.exec(QStringLiteral("SELECT version FROM models WHERE state = 'active'")))
        return sql::error(QStringLiteral("cannot read the active model"), q);
    if (q.next())
        return std::optional<QString>(q.value(0).toString());
    return std::optional<QString>();
}

} // namespace

Status<> Workspace::addModel(const ModelRecord& model)
{
    if (model.version.trimmed().isEmpty())
        return Error{QStringLiteral("cannot add a model without a version")};
    const QSqlDatabase db = this->db();
    sql::WriteTransaction tx(db);
    if (auto s = tx.begin(); !s)
        return s;
    {
        QSqlQuery q = reader(db);
        if (!sql::exec(q, QStringLiteral("SELECT 1 FROM models WHERE version = ?"), {model.version}))
            return sql::error(QStringLiteral("cannot add model %1").arg(model.version), q);
        if (q.next())
            return Error{QStringLiteral("model %1 already exists").arg(model.version)};
    }
    if (model.state == ModelState::Active) {
        auto active = activeVersion(db);
        if (!active)
            return active.error();
        if (*active)
            return Error{QStringLiteral("cannot add model %1 as active: %2 is active (use setActiveModel)").arg(model.version, **active)};
    }
    {
        QSqlQuery q(db);
        const QDateTime created = model.created.isValid() ? model.created : QDateTime::currentDateTimeUtc();
        if (!sql::exec(q,
                       QStringLiteral("INSERT INTO models (%1) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)").arg(kModelColumns),
                       {model.version, model.parent, sql::timeText(created), model.backboneId, model.weightsHash,
                        jsonText(model.metrics), model.file, model.checksum, toString(model.state), model.gateVerdict}))
            return sql::error(QStringLiteral("cannot add model %1").arg(model.version), q);
    }
    return tx.commit();
}

Status<> Workspace::updateModel(const ModelRecord& model)
{
    const QSqlDatabase db = this->db();
    sql::WriteTransaction tx(db);
    if (auto s = tx.begin(); !s)
        return s;
    if (model.state == ModelState::Active) {
        auto active = activeVersion(db);
        if (!active)
            return active.error();
        if (*active && **active != model.version)
            return Error{QStringLiteral("cannot make model %1 active here: %2 is active (use setActiveModel)").arg(model.version, **active)};
    }
    {
        QSqlQuery q(db);
        const QDateTime created = model.created.isValid() ? model.created : QDateTime::currentDateTimeUtc();
        if (!sql::exec(q,
                       QStringLiteral("UPDATE models SET parent = ?, created = ?, backbone_id = ?, weights_hash = ?, metrics = ?, "
                                      "file = ?, checksum = ?, state = ?, gate_verdict = ? WHERE version = ?"),
                       {model.parent, sql::timeText(created), model.backboneId, model.weightsHash, jsonText(model.metrics),
                        model.file, model.checksum, toString(model.state), model.gateVerdict, model.version}))
            return sql::error(QStringLiteral("cannot update model %1").arg(model.version), q);
        if (q.numRowsAffected() != 1)
            return Error{QStringLiteral("unknown model %1").arg(model.version)};
    }
    return tx.commit();
}

Expected<std::optional<ModelRecord>> Workspace::model(const QString& version) const
{
    return readOne<ModelRecord>(db(), QStringLiteral("cannot read model %1").arg(version),
                                QStringLiteral("SELECT %1 FROM models WHERE version = ?").arg(kModelColumns), {version}, modelFrom);
}

Expected<QVector<ModelRecord>> Workspace::models() const
{
    QVector<ModelRecord> out;
    auto s = readRows(db(), QStringLiteral("cannot list the models"), QStringLiteral("SELECT %1 FROM models ORDER BY id").arg(kModelColumns),
                      {}, [&](const QSqlQuery& q) { out.append(modelFrom(q)); });
    if (!s)
        return s.error();
    return out;
}

Expected<std::optional<ModelRecord>> Workspace::activeModel() const
{
    return readOne<ModelRecord>(db(), QStringLiteral("cannot read the active model"),
                                QStringLiteral("SELECT %1 FROM models WHERE state = 'active'").arg(kModelColumns), {}, modelFrom);
}

Status<> Workspace::setActiveModel(const QString& version, const QString& verdict, const QString& reason)
{
    const QSqlDatabase db = this->db();
    sql::WriteTransaction tx(db);
    if (auto s = tx.begin(); !s)
        return s;
    {
        QSqlQuery q = reader(db);
        if (!sql::exec(q, QStringLiteral("SELECT 1 FROM models WHERE version = ?"), {version}))
            return sql::error(QStringLiteral("cannot activate model %1").arg(version), q);
        if (!q.next())
            return Error{QStringLiteral("cannot activate model %1: no such model").arg(version)};
    }
    {
        // Retire first: the partial unique index allows one active row at any moment.
        QSqlQuery q(db);
        if (!sql::exec(q, QStringLiteral("UPDATE models SET state = 'retired' WHERE state = 'active' AND version <> ?"), {version}))
            return sql::error(QStringLiteral("cannot retire the active model"), q);
    }
    {
        // An empty verdict keeps the one stored with the model (the gate may have written it).
        QSqlQuery q(db);
        if (!sql::exec(q,
                       QStringLiteral("UPDATE models SET state = 'active', gate_verdict = CASE WHEN ? = '' THEN gate_verdict ELSE ? END "
                                      "WHERE version = ?"),
                       {verdict, verdict, version}))
            return sql::error(QStringLiteral("cannot activate model %1").arg(version), q);
    }
    {
        QSqlQuery q(db);
        const QString why = !reason.isEmpty() ? reason : !verdict.isEmpty() ? verdict : QStringLiteral("activated by hand");
        if (!sql::exec(q, QStringLiteral("INSERT INTO activations (version, at, reason) VALUES (?, ?, ?)"),
                       {version, sql::timeText(QDateTime::currentDateTimeUtc()), why}))
            return sql::error(QStringLiteral("cannot log the activation of model %1").arg(version), q);
    }
    return tx.commit();
}

Status<> Workspace::clearActiveModel()
{
    QSqlQuery q(db());
    if (!sql::exec(q, QStringLiteral("UPDATE models SET state = 'retired' WHERE state = 'active'")))
        return sql::error(QStringLiteral("cannot retire the active model"), q);
    return done();
}

Expected<QVector<Workspace::Activation>> Workspace::activations() const
{
    QVector<Activation> out;
    auto s = readRows(db(), QStringLiteral("cannot read the activation log"),
                      QStringLiteral("SELECT version, at, reason FROM activations ORDER BY id"), {}, [&](const QSqlQuery& q) {
                          out.append({q.value(0).toString(), sql::timeFromText(q.value(1).toString()), q.value(2).toString()});
                      });
    if (!s)
        return s.error();
    return out;
}

Expected<QString> Workspace::nextModelVersion() const
{
    static const QRegularExpression pattern(QStringLiteral("^v(\\d+)$"));
    qint64 highest = 0;
    auto s = readRows(db(), QStringLiteral("cannot list the model versions"), QStringLiteral("SELECT version FROM models"), {},
                      [&](const QSqlQuery& q) {
                          const auto match = pattern.match(q.value(0).toString());
                          if (match.hasMatch())
                              highest = std::max(highest, match.captured(1).toLongLong());
                      });
    if (!s)
        return s.error();
    return QStringLiteral("v%1").arg(highest + 1);
}

// ---------------------------------------------------------------------------------------------
// Training runs

Expected<qint64> Workspace::startTrainingRun(const QJsonObject& params)
{
    QSqlQuery q(db());
    if (!sql::exec(q, QStringLiteral("INSERT INTO training_runs (params, started) VALUES (?, ?)"), {jsonText(params), sql::nowText()}))
        return sql::error(QStringLiteral("cannot record the training run"), q);
    return q.lastInsertId().toLongLong();
}

Status<> Workspace::appendTrainingEpoch(qint64 runId, const QJsonObject& epoch)
{
    const QSqlDatabase db = this->db();
    sql::WriteTransaction tx(db); // read-modify-write: no epoch may get lost between two writers
    if (auto s = tx.begin(); !s)
        return s;
    QJsonArray epochs;
    {
        QSqlQuery q = reader(db);
        if (!sql::exec(q, QStringLiteral("SELECT epochs FROM training_runs WHERE id = ?"), {runId}))
            return sql::error(QStringLiteral("cannot record the epoch"), q);
        if (!q.next())
            return Error{QStringLiteral("unknown training run %1").arg(runId)};
        epochs = jsonArray(q.value(0).toString());
    }
    epochs.append(epoch);
    {
        QSqlQuery q(db);
        if (!sql::exec(q, QStringLiteral("UPDATE training_runs SET epochs = ? WHERE id = ?"), {jsonText(epochs), runId}))
            return sql::error(QStringLiteral("cannot record the epoch"), q);
    }
    return tx.commit();
}

Status<> Workspace::finishTrainingRun(qint64 runId, const QString& outcome, const QString& modelVersion)
{
    if (outcome.trimmed().isEmpty())
        return Error{QStringLiteral("cannot finish training run %1 without an outcome").arg(runId)};
    QSqlQuery q(db());
    if (!sql::exec(q, QStringLiteral("UPDATE training_runs SET outcome = ?, model_version = ?, finished = ? WHERE id = ?"),
                   {outcome, modelVersion, sql::nowText(), runId}))
        return sql::error(QStringLiteral("cannot finish training run %1").arg(runId), q);
    if (q.numRowsAffected() != 1)
        return Error{QStringLiteral("unknown training run %1").arg(runId)};
    return done();
}

Expected<QVector<TrainingRunRecord>> Workspace::trainingRuns() const
{
    QVector<TrainingRunRecord> out;
    auto s = readRows(db(), QStringLiteral("cannot read the training runs"),
                      QStringLiteral("SELECT id, params, epochs, outcome, model_version, started, finished FROM training_runs ORDER BY id"),
                      {}, [&](const QSqlQuery& q) {
                          TrainingRunRecord r;
                          r.id = q.value(0).toLongLong();
                          r.params = jsonObject(q.value(1).toString());
                          r.epochs = jsonArray(q.value(2).toString());
                          r.outcome = q.value(3).toString();
                          r.modelVersion = q.value(4).toString();
                          r.started = sql::timeFromText(q.value(5).toString());
                          r.finished = sql::timeFromText(q.value(6).toString());
                          out.append(r);
                      });
    if (!s)
        return s.error();
    return out;
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
        QSqlQuery q = reader(db);
        if (!q.exec(QStringLiteral("PRAGMA integrity_check")))
            return sql::error(QStringLiteral("cannot check the workspace database"), q);
        QStringList problems;
        while (q.next())
            problems << q.value(0).toString();
        if (problems != QStringList{QStringLiteral("ok")})
            return Error{QStringLiteral("the workspace database is damaged: %1").arg(problems.join(QStringLiteral("; ")).left(500))};
    }
    QSqlQuery q = reader(db);
    if (!q.exec(QStringLiteral("PRAGMA foreign_key_check")))
        return sql::error(QStringLiteral("cannot check the workspace database"), q);
    if (q.next())
        return Error{QStringLiteral("the workspace database is damaged: table %1 row %2 points at a missing %3 row")
                         .arg(q.value(0).toString(), q.value(1).toString(), q.value(2).toString())};
    return done();
}

} // namespace pc
