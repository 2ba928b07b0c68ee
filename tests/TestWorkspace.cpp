// TestWorkspace: real SQLite files in temporary folders, real photos from the pet sample. The
// database, the image store, embeddings, the validation split, models, training runs, refusals of
// bad input, and six threads at once.
#include "TestSupport.h"

#include "model/BreedCatalog.h"
#include "workspace/Workspace.h"

#include <QCryptographicHash>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QRandomGenerator>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QThread>
#include <QSemaphore>
#include <QThreadPool>
#include <QUuid>

#include <opencv2/core.hpp>

#include <atomic>
#include <memory>
#include <vector>

#include <unistd.h>

using namespace pc;

namespace {

QByteArray readFile(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return f.readAll();
}

bool writeFile(const QString& path, const QByteArray& bytes)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly) && f.write(bytes) == bytes.size();
}

QString sha(const QByteArray& bytes) { return QString::fromLatin1(QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex()); }

// Runs statements on the database file through a connection of the test's own, outside the
// workspace: to set up states the API refuses to create, or to look under the hood.
QStringList rawSql(const QString& file, const QStringList& statements, QString* error = nullptr)
{
    QStringList firstValues;
    const QString name = QStringLiteral("test-raw");
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        db.setDatabaseName(file);
        db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=5000"));
        if (db.open()) {
            for (const QString& s : statements) {
                QSqlQuery q(db);
                if (!q.exec(s)) {
                    if (error)
                        *error = q.lastError().text();
                    firstValues << QString();
                    continue;
                }
                firstValues << (q.next() ? q.value(0).toString() : QString());
            }
        } else if (error) {
            *error = db.lastError().text();
        }
        db.close();
    }
    QSqlDatabase::removeDatabase(name);
    return firstValues;
}

// The workspace connection this thread uses (white box: its name starts with the prefix the
// workspace gives its connections). Only one workspace may be open when this is called.
QString ownConnection()
{
    QStringList names = QSqlDatabase::connectionNames().filter(QRegularExpression(QStringLiteral("^pc-workspace-")));
    return names.size() == 1 ? names.first() : QString();
}

QString pragmaOnWorkspaceConnection(const QString& pragma)
{
    const QString name = ownConnection();
    if (name.isEmpty())
        return QStringLiteral("<no single workspace connection>");
    QSqlQuery q(QSqlDatabase::database(name, false));
    if (!q.exec(QStringLiteral("PRAGMA ") + pragma) || !q.next())
        return QStringLiteral("<failed>");
    return q.value(0).toString();
}

cv::Mat randomViews(int views, int dim, quint32 seed)
{
    cv::Mat m(views, dim, CV_32F);
    cv::RNG rng(seed);
    rng.fill(m, cv::RNG::UNIFORM, -4.0, 4.0);
    return m;
}

// Largest |a - b| / (|a| + 1e-3) over the two matrices.
double maxRelativeError(const cv::Mat& a, const cv::Mat& b)
{
    double worst = 0;
    for (int r = 0; r < a.rows; ++r)
        for (int c = 0; c < a.cols; ++c) {
            const float x = a.at<float>(r, c), y = b.at<float>(r, c);
            worst = std::max(worst, double(std::abs(x - y)) / (std::abs(double(x)) + 1e-3));
        }
    return worst;
}

} // namespace

class TestWorkspace : public QObject {
    Q_OBJECT

    QTemporaryDir m_tmp;
    int m_n = 0;

    QString freshDir() { return m_tmp.filePath(QStringLiteral("ws%1").arg(++m_n)); }

    std::shared_ptr<Workspace> openOrFail(const QString& dir)
    {
        auto ws = Workspace::open(dir);
        if (!ws) {
            qWarning("open failed: %s", qPrintable(ws.error().message));
            return nullptr;
        }
        return *ws;
    }

    // Adds a real sample photo; returns its id (0 on failure).
    // What version 5 added, undone (to fake an older file).
    static QStringList undoVersion5() { return {QStringLiteral("ALTER TABLE models DROP COLUMN pruned")}; }

    // What versions 4 and 5 added, undone (to fake an older file).
    static QStringList undoVersion4()
    {
        return undoVersion5() + QStringList{QStringLiteral("DROP TRIGGER outbox_queue_curator_events"), QStringLiteral("DROP TRIGGER label_events_uuid_fixed"),
                QStringLiteral("DROP TABLE outbox"), QStringLiteral("DROP TABLE review_verdicts"),
                QStringLiteral("DROP INDEX label_events_uuid"), QStringLiteral("ALTER TABLE label_events DROP COLUMN uuid"),
                QStringLiteral("ALTER TABLE label_events DROP COLUMN role"), QStringLiteral("ALTER TABLE label_events DROP COLUMN server_status")};
    }

    static qint64 addSample(Workspace& ws, const QString& name)
    {
        const QByteArray bytes = readFile(test::sampleImage(name));
        auto added = ws.addImage(bytes, test::sampleImage(name), 100, 80, QStringLiteral("files"));
        if (!added)
            qWarning("addImage(%s): %s", qPrintable(name), qPrintable(added.error().message));
        return added ? added->id : 0;
    }

private Q_SLOTS:
    void init()
    {
        // A query left alive when its connection goes, or a connection used from the wrong thread,
        // is a bug even when nothing else fails.
        QTest::failOnWarning(QRegularExpression(QStringLiteral("still in use|does not belong")));
    }

    void createAndReopen()
    {
        const QString dir = freshDir() + QStringLiteral("/nested/deeper");
        auto ws = openOrFail(dir);
        QVERIFY(ws);
        QCOMPARE(ws->schemaVersion().value(), 5);
        QVERIFY(QFileInfo(dir + QStringLiteral("/workspace.sqlite")).isFile());
        QVERIFY(QFileInfo(dir + QStringLiteral("/images")).isDir());
        QVERIFY(QFileInfo(ws->modelsDir()).isDir());
        QCOMPARE(ws->modelsDir(), dir + QStringLiteral("/models"));
        const qint64 id = addSample(*ws, QStringLiteral("Abyssinian_1.jpg"));
        QVERIFY(id > 0);
        ws.reset();

        ws = openOrFail(dir);
        QVERIFY(ws);
        QCOMPARE(ws->schemaVersion().value(), 5);
        QCOMPARE(ws->imageCount().value(), 1);
        QVERIFY(ws->image(id).value());
        ws.reset();
        // The version is in the file, where another tool sees it too.
        QCOMPARE(rawSql(dir + QStringLiteral("/workspace.sqlite"), {QStringLiteral("PRAGMA user_version")}),
                 QStringList{QStringLiteral("5")});
    }

    void migratesAVersion1Workspace()
    {
        // Make a version-1 file (no activation log) with a live model, then open it with this code.
        const QString dir = freshDir();
        {
            auto ws = openOrFail(dir);
            QVERIFY(ws);
            ModelRecord m;
            m.version = QStringLiteral("v1");
            m.created = QDateTime::currentDateTimeUtc();
            QVERIFY(ws->models().add(m));
            QVERIFY(ws->models().setActive(QStringLiteral("v1"), QStringLiteral("first")));
            QVERIFY(addSample(*ws, QStringLiteral("Abyssinian_1.jpg")) > 0);
        }
        const QString db = dir + QStringLiteral("/workspace.sqlite");
        QString error;
        // Version 1 had no activation log and no removed column (SQLite ≥ 3.35 drops columns).
        rawSql(db, undoVersion4() + QStringList{QStringLiteral("DROP TABLE activations"), QStringLiteral("ALTER TABLE images DROP COLUMN removed"),
                    QStringLiteral("PRAGMA user_version = 1")}, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));

        auto ws = openOrFail(dir);
        QVERIFY(ws);
        QCOMPARE(ws->schemaVersion().value(), 5);
        const QVector<ModelStore::Activation> log = ws->models().activations().value();
        QCOMPARE(log.size(), 1);
        QCOMPARE(log[0].version, QStringLiteral("v1"));
        QCOMPARE(ws->imageCount().value(), 1); // version 3: images from before are in the workspace
        QVERIFY(ws->checkIntegrity());
    }

    void migratesAVersion3Workspace()
    {
        // A version-3 workspace with a dataset label and two curator labels, opened by this code:
        // every event gets its own UUID, the curator events (only they) wait in the outbox in order.
        const QString dir = freshDir();
        qint64 image = 0;
        {
            auto ws = openOrFail(dir);
            QVERIFY(ws);
            image = addSample(*ws, QStringLiteral("Abyssinian_1.jpg"));
            QVERIFY(ws->labels().add(image, QStringLiteral("Abyssinian"), LabelOrigin::Dataset, QString()));
            QVERIFY(ws->labels().add(image, QStringLiteral("Bengal"), LabelOrigin::Curator, QStringLiteral("ann")));
            QVERIFY(ws->labels().add(image, QStringLiteral("Bombay"), LabelOrigin::Curator, QStringLiteral("ann")));
        }
        const QString db = dir + QStringLiteral("/workspace.sqlite");
        QString error;
        rawSql(db, undoVersion4() + QStringList{QStringLiteral("PRAGMA user_version = 3")}, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));

        auto ws = openOrFail(dir);
        QVERIFY(ws);
        QCOMPARE(ws->schemaVersion().value(), 5);
        const QVector<LabelEvent> history = ws->labels().history(image).value();
        QCOMPARE(history.size(), 3);
        QSet<QString> uuids;
        for (const LabelEvent& e : history) {
            QVERIFY2(!QUuid::fromString(e.uuid).isNull(), qPrintable(e.uuid));
            uuids.insert(e.uuid);
        }
        QCOMPARE(uuids.size(), 3);
        ws.reset();
        QCOMPARE(rawSql(db, {QStringLiteral("SELECT group_concat(breed) FROM (SELECT e.breed FROM outbox o "
                                            "JOIN label_events e ON e.id = o.event_id ORDER BY o.event_id)")}),
                 QStringList{QStringLiteral("Bengal,Bombay")});
        // A UUID names its event for good; the log stays append-only.
        rawSql(db, {QStringLiteral("UPDATE label_events SET uuid = 'x' WHERE breed = 'Bengal'")}, &error);
        QVERIFY2(error.contains(QStringLiteral("keeps its uuid")), qPrintable(error));
        auto again = openOrFail(dir);
        QVERIFY(again);
        QVERIFY(again->checkIntegrity());
        // New events get a UUID too, and a curator's joins the outbox behind the others.
        auto e = again->labels().add(image, QStringLiteral("pug"), LabelOrigin::Curator, QStringLiteral("ann"));
        QVERIFY(e);
        QVERIFY(!again->labels().history(image).value().constLast().uuid.isEmpty());
        again.reset();
        QCOMPARE(rawSql(db, {QStringLiteral("SELECT count(*) FROM outbox")}), QStringList{QStringLiteral("3")});
    }

    void defaultLocationFollowsTheEnvironment()
    {
        const QByteArray before = qgetenv("PETCURATOR_WORKSPACE");
        qputenv("PETCURATOR_WORKSPACE", m_tmp.filePath(QStringLiteral("from-env")).toLocal8Bit());
        QCOMPARE(Workspace::defaultLocation(), m_tmp.filePath(QStringLiteral("from-env")));
        qunsetenv("PETCURATOR_WORKSPACE");
        QVERIFY(!Workspace::defaultLocation().isEmpty());
        QVERIFY(Workspace::defaultLocation() != m_tmp.filePath(QStringLiteral("from-env")));
        if (!before.isEmpty())
            qputenv("PETCURATOR_WORKSPACE", before);
    }

    void walAndForeignKeysAreOn()
    {
        const QString dir = freshDir();
        auto ws = openOrFail(dir);
        QVERIFY(ws);
        QCOMPARE(pragmaOnWorkspaceConnection(QStringLiteral("journal_mode")), QStringLiteral("wal"));
        QCOMPARE(pragmaOnWorkspaceConnection(QStringLiteral("foreign_keys")), QStringLiteral("1"));
        QCOMPARE(pragmaOnWorkspaceConnection(QStringLiteral("synchronous")), QStringLiteral("1")); // NORMAL
        QCOMPARE(pragmaOnWorkspaceConnection(QStringLiteral("busy_timeout")), QStringLiteral("5000"));
        // WAL is a property of the file: a fresh connection sees it as well.
        QCOMPARE(rawSql(dir + QStringLiteral("/workspace.sqlite"), {QStringLiteral("PRAGMA journal_mode")}),
                 QStringList{QStringLiteral("wal")});
    }

    void imageStoreCopiesBytes()
    {
        auto ws = openOrFail(freshDir());
        QVERIFY(ws);
        // The original lives in a folder the user may clean up later.
        const QByteArray bytes = readFile(test::sampleImage(QStringLiteral("Abyssinian_1.jpg")));
        QVERIFY(!bytes.isEmpty());
        const QString original = m_tmp.filePath(QStringLiteral("cat.jpg"));
        QVERIFY(writeFile(original, bytes));

        auto added = ws->addImage(bytes, original, 600, 400, QStringLiteral("drop"), QStringLiteral("trainval"));
        QVERIFY2(added, added ? "" : qPrintable(added.error().message));
        QVERIFY(!added->duplicate);
        QVERIFY(added->id > 0);
        QCOMPARE(added->sha256, sha(bytes));

        const QString stored = ws->storedImagePath(added->sha256);
        QCOMPARE(stored, ws->dir() + QStringLiteral("/images/") + added->sha256.left(2) + QLatin1Char('/') + added->sha256);
        QVERIFY(QFileInfo(stored).isFile());
        QCOMPARE(readFile(stored), bytes);

        auto record = ws->image(added->id).value();
        QVERIFY(record);
        QCOMPARE(record->sha256, added->sha256);
        QCOMPARE(record->originalPath, original);
        QCOMPARE(record->bytes, qint64(bytes.size()));
        QCOMPARE(record->width, 600);
        QCOMPARE(record->height, 400);
        QCOMPARE(record->source, QStringLiteral("drop"));
        QCOMPARE(record->split, QStringLiteral("trainval"));
        QVERIFY(record->added.isValid());
        QVERIFY(qAbs(record->added.secsTo(QDateTime::currentDateTimeUtc())) < 60);
        QCOMPARE(ws->imageByHash(added->sha256).value()->id, added->id);
        QCOMPARE(ws->imageByOriginalPath(original).value()->id, added->id);

        // Same bytes again, from anywhere: nothing new.
        auto again = ws->addImage(bytes, m_tmp.filePath(QStringLiteral("copy.jpg")), 600, 400, QStringLiteral("files"));
        QVERIFY(again);
        QVERIFY(again->duplicate);
        QCOMPARE(again->id, added->id);
        QCOMPARE(ws->imageCount().value(), 1);
        QCOMPARE(ws->image(added->id).value()->originalPath, original);

        // The original disappears: the workspace still has every byte.
        QVERIFY(QFile::remove(original));
        auto back = ws->readImageBytes(added->sha256);
        QVERIFY2(back, back ? "" : qPrintable(back.error().message));
        QCOMPARE(*back, bytes);

        // A second, different image lands in its own place.
        const QByteArray other = readFile(test::sampleImage(QStringLiteral("Bengal_10.jpg")));
        auto second = ws->addImage(other, test::sampleImage(QStringLiteral("Bengal_10.jpg")), 500, 375, QStringLiteral("files"));
        QVERIFY(second && !second->duplicate && second->id != added->id);
        QCOMPARE(ws->images().value().size(), 2);
        QCOMPARE(ws->images().value().first().id, added->id);
    }

    void imageStoreRefusesAndRepairs()
    {
        auto ws = openOrFail(freshDir());
        QVERIFY(ws);
        auto empty = ws->addImage(QByteArray(), QStringLiteral("/x/empty.jpg"), 1, 1, QStringLiteral("files"));
        QVERIFY(!empty);
        QVERIFY2(empty.error().message.contains(QStringLiteral("empty")), qPrintable(empty.error().message));
        QCOMPARE(ws->imageCount().value(), 0);

        const QByteArray bytes = readFile(test::sampleImage(QStringLiteral("Bombay_10.jpg")));
        auto added = ws->addImage(bytes, QStringLiteral("/x/Bombay_10.jpg"), 10, 10, QStringLiteral("files"));
        QVERIFY(added);
        const QString stored = ws->storedImagePath(added->sha256);

        // Bytes changed behind our back: reading says so instead of handing out wrong data.
        QVERIFY(writeFile(stored, QByteArray(bytes).replace(100, 4, "XXXX")));
        auto corrupt = ws->readImageBytes(added->sha256);
        QVERIFY(!corrupt);
        QVERIFY2(corrupt.error().message.contains(QStringLiteral("corrupt")), qPrintable(corrupt.error().message));

        // The stored file is deleted: reading says so; adding the same bytes puts it back.
        QVERIFY(QFile::remove(stored));
        auto missing = ws->readImageBytes(added->sha256);
        QVERIFY(!missing);
        QVERIFY2(missing.error().message.contains(QStringLiteral("missing")), qPrintable(missing.error().message));
        auto again = ws->addImage(bytes, QStringLiteral("/x/Bombay_10.jpg"), 10, 10, QStringLiteral("files"));
        QVERIFY(again && again->duplicate);
        QCOMPARE(*ws->readImageBytes(added->sha256), bytes);

        // Not a hash: no path, no file access outside the store.
        QVERIFY(ws->storedImagePath(QStringLiteral("../../etc/passwd")).isEmpty());
        QVERIFY(!ws->readImageBytes(QStringLiteral("../../etc/passwd")));
        QVERIFY(!ws->image(987654).value());
        QVERIFY(!ws->imageByHash(QString(64, QLatin1Char('0'))).value());
    }

    void embeddingsRoundTrip()
    {
        auto ws = openOrFail(freshDir());
        QVERIFY(ws);
        const qint64 a = addSample(*ws, QStringLiteral("Abyssinian_1.jpg"));
        const qint64 b = addSample(*ws, QStringLiteral("Bengal_10.jpg"));
        const qint64 c = addSample(*ws, QStringLiteral("Birman_15.jpg"));
        QVERIFY(a && b && c);
        const QString hash = QStringLiteral("weights-1");
        const cv::Mat va = randomViews(5, 1280, 1), vb = randomViews(5, 1280, 2), vc = randomViews(1, 1280, 3);
        QVERIFY(ws->embeddings().put(a, hash, va));
        QVERIFY(ws->embeddings().put(b, hash, vb));
        QVERIFY(ws->embeddings().put(c, QStringLiteral("weights-2"), vc));

        auto back = ws->embeddings().views(a, hash).value();
        QVERIFY(back);
        QCOMPARE(back->type(), CV_32F);
        QCOMPARE(back->rows, 5);
        QCOMPARE(back->cols, 1280);
        const double err = maxRelativeError(va, *back);
        QVERIFY2(err < 1e-3, qPrintable(QString::number(err)));
        QVERIFY2(err > 0, "float16 storage should round something"); // it is really float16

        QVERIFY(!ws->embeddings().views(a, QStringLiteral("other-weights")).value());
        QVERIFY(!ws->embeddings().views(c, hash).value());
        QVERIFY(!ws->embeddings().views(424242, hash).value());

        // Replacing: the latest vectors win.
        QVERIFY(ws->embeddings().put(a, hash, vb));
        QVERIFY(maxRelativeError(vb, *ws->embeddings().views(a, hash).value()) < 1e-3);

        const QHash<qint64, cv::Mat> all = ws->embeddings().all(hash).value();
        QCOMPARE(all.size(), 2);
        QVERIFY(maxRelativeError(vb, all.value(b)) < 1e-3);
        QCOMPARE(ws->embeddings().imagesWith(hash).value(), (QSet<qint64>{a, b}));
        QCOMPARE(ws->embeddings().imagesWith(QStringLiteral("weights-2")).value(), (QSet<qint64>{c}));
        QVERIFY(ws->embeddings().all(QStringLiteral("nothing")).value().isEmpty());

        // Refusals leave nothing behind.
        QVERIFY(!ws->embeddings().put(999999, hash, va));
        QVERIFY(!ws->embeddings().put(a, QString(), va));
        QVERIFY(!ws->embeddings().put(a, hash, cv::Mat()));
        QVERIFY(!ws->embeddings().put(a, hash, cv::Mat(2, 3, CV_8U, cv::Scalar(1))));
        QCOMPARE(ws->embeddings().all(hash).value().size(), 2);
    }

    void allEmbeddingsLoadsFast()
    {
        const QString dir = freshDir();
        auto ws = openOrFail(dir);
        QVERIFY(ws);
        constexpr int kImages = 7000, kViews = 5, kDim = 1280;
        {
            // 7,000 image rows straight into the table (the store's fsyncs are not what we time).
            QStringList statements{QStringLiteral("BEGIN")};
            for (int i = 1; i <= kImages; ++i)
                statements << QStringLiteral("INSERT INTO images (id, sha256, original_path, bytes, width, height, added) "
                                             "VALUES (%1, '%2', '', 1, 1, 1, '2026-01-01T00:00:00.000Z')")
                                  .arg(i)
                                  .arg(QString::number(i).rightJustified(64, QLatin1Char('0')));
            statements << QStringLiteral("COMMIT");
            QString error;
            rawSql(dir + QStringLiteral("/workspace.sqlite"), statements, &error);
            QVERIFY2(error.isEmpty(), qPrintable(error));
        }
        QCOMPARE(ws->imageCount().value(), kImages);
        const QString hash = QStringLiteral("b0-weights");
        const cv::Mat views = randomViews(kViews, kDim, 7);
        QElapsedTimer timer;
        timer.start();
        for (int i = 1; i <= kImages; ++i) {
            cv::Mat v = views.clone();
            v.at<float>(0, 0) = float(i); // tells the images apart
            QVERIFY(ws->embeddings().put(i, hash, v));
        }
        qInfo("put %d × %d × %d embeddings: %lld ms", kImages, kViews, kDim, timer.elapsed());

        timer.restart();
        const QHash<qint64, cv::Mat> all = ws->embeddings().all(hash).value();
        const qint64 ms = timer.elapsed();
        qInfo("allEmbeddings, %d × %d × %d float16: %lld ms", kImages, kViews, kDim, ms);
        QCOMPARE(all.size(), kImages);
        QCOMPARE(all.value(1234).at<float>(0, 0), 1234.0f); // exact in float16
        QCOMPARE(all.value(7000).rows, kViews);
        QVERIFY(maxRelativeError(views.rowRange(1, kViews), all.value(42).rowRange(1, kViews)) < 1e-3);
    }

    void validationSplit()
    {
        auto ws = openOrFail(freshDir());
        QVERIFY(ws);
        const qint64 a = addSample(*ws, QStringLiteral("Abyssinian_1.jpg"));
        const qint64 b = addSample(*ws, QStringLiteral("Bengal_10.jpg"));
        const qint64 c = addSample(*ws, QStringLiteral("Birman_15.jpg"));
        QVERIFY(!ws->split().get().value());
        auto noSplit = ws->split().add({a});
        QVERIFY(!noSplit);
        QVERIFY2(noSplit.error().message.contains(QStringLiteral("none")), qPrintable(noSplit.error().message));

        QVERIFY(ws->split().set({QStringLiteral("split-1"), {a, b}}));
        auto split = ws->split().get().value();
        QVERIFY(split);
        QCOMPARE(split->id, QStringLiteral("split-1"));
        QCOMPARE(split->imageIds, (QSet<qint64>{a, b}));

        QVERIFY(ws->split().add({c, a}));
        QCOMPARE(ws->split().get().value()->id, QStringLiteral("split-1"));
        QCOMPARE(ws->split().get().value()->imageIds, (QSet<qint64>{a, b, c}));

        // An unknown image: refused, and the split stays exactly as it was.
        auto bad = ws->split().add({777777});
        QVERIFY(!bad);
        QVERIFY2(bad.error().message.contains(QStringLiteral("777777")), qPrintable(bad.error().message));
        auto badSet = ws->split().set({QStringLiteral("split-2"), {a, 888888}});
        QVERIFY(!badSet);
        QCOMPARE(ws->split().get().value()->id, QStringLiteral("split-1"));
        QCOMPARE(ws->split().get().value()->imageIds, (QSet<qint64>{a, b, c}));

        // Remaking it replaces it.
        QVERIFY(ws->split().set({QStringLiteral("split-3"), {b}}));
        QCOMPARE(ws->split().get().value()->id, QStringLiteral("split-3"));
        QCOMPARE(ws->split().get().value()->imageIds, (QSet<qint64>{b}));
    }

    void models()
    {
        const QString dir = freshDir();
        auto ws = openOrFail(dir);
        QVERIFY(ws);
        QCOMPARE(ws->models().nextVersion().value(), QStringLiteral("v1"));
        QVERIFY(!ws->models().active().value());

        ModelRecord m1{QStringLiteral("v1"), {}, QDateTime::currentDateTimeUtc(), QStringLiteral("efficientnet-b0"),
                       QStringLiteral("hash"), QJsonObject{{QStringLiteral("val_accuracy"), 0.8}},
                       QStringLiteral("models/v1.pcmodel"), QStringLiteral("c1"), ModelState::Candidate, QStringLiteral("first")};
        QVERIFY(ws->models().add(m1));
        QCOMPARE(ws->models().nextVersion().value(), QStringLiteral("v2"));
        auto dup = ws->models().add(m1);
        QVERIFY(!dup);
        QVERIFY2(dup.error().message.contains(QStringLiteral("already exists")), qPrintable(dup.error().message));

        auto stored = ws->models().find(QStringLiteral("v1")).value();
        QVERIFY(stored);
        QCOMPARE(stored->metrics.value(QStringLiteral("val_accuracy")).toDouble(), 0.8);
        QCOMPARE(stored->created.toMSecsSinceEpoch(), m1.created.toMSecsSinceEpoch());
        QCOMPARE(toString(stored->state), toString(ModelState::Candidate));
        QCOMPARE(stored->gateVerdict, QStringLiteral("first"));
        QCOMPARE(stored->file, m1.file);

        ModelRecord m2 = m1;
        m2.version = QStringLiteral("v2");
        m2.parent = QStringLiteral("v1");
        QVERIFY(ws->models().add(m2));

        QVERIFY(ws->models().setActive(QStringLiteral("v1"), QStringLiteral("better than zero-shot")));
        QCOMPARE(ws->models().active().value()->version, QStringLiteral("v1"));
        QCOMPARE(ws->models().active().value()->gateVerdict, QStringLiteral("better than zero-shot"));
        QVERIFY(ws->models().setActive(QStringLiteral("v2"), QStringLiteral("0.85 ≥ 0.80")));
        QCOMPARE(ws->models().active().value()->version, QStringLiteral("v2"));
        QCOMPARE(toString(ws->models().find(QStringLiteral("v1")).value()->state), toString(ModelState::Retired));
        QCOMPARE(ws->models().find(QStringLiteral("v2")).value()->gateVerdict, QStringLiteral("0.85 ≥ 0.80"));

        // Unknown version: refused, nothing changes.
        QVERIFY(!ws->models().setActive(QStringLiteral("v9")));
        QCOMPARE(ws->models().active().value()->version, QStringLiteral("v2"));
        // A second active model is impossible through the API…
        ModelRecord m3 = m1;
        m3.version = QStringLiteral("v3");
        m3.state = ModelState::Active;
        QVERIFY(!ws->models().add(m3));
        QVERIFY(!ws->models().find(QStringLiteral("v3")).value());
        m1.state = ModelState::Active;
        QVERIFY(!ws->models().update(m1));
        // …and below it: the partial unique index refuses it.
        QString error;
        rawSql(dir + QStringLiteral("/workspace.sqlite"), {QStringLiteral("UPDATE models SET state = 'active' WHERE version = 'v1'")}, &error);
        QVERIFY2(error.contains(QStringLiteral("UNIQUE")), qPrintable(error));

        int active = 0;
        for (auto mList = ws->models().all().value(); const ModelRecord& m : mList)
            active += m.state == ModelState::Active;
        QCOMPARE(active, 1);
        QCOMPARE(ws->models().all().value().size(), 2);
        QCOMPARE(ws->models().all().value().first().version, QStringLiteral("v1"));

        // Back to an older one (a rollback) works the same way.
        QVERIFY(ws->models().setActive(QStringLiteral("v1")));
        QCOMPARE(ws->models().active().value()->version, QStringLiteral("v1"));
        QCOMPARE(ws->models().active().value()->gateVerdict, QStringLiteral("better than zero-shot")); // kept: no new verdict
        QCOMPARE(toString(ws->models().find(QStringLiteral("v2")).value()->state), toString(ModelState::Retired));

        // Every activation is logged, in order, with why.
        const QVector<ModelStore::Activation> log = ws->models().activations().value();
        QCOMPARE(log.size(), 3);
        QCOMPARE(log[0].version, QStringLiteral("v1"));
        QCOMPARE(log[0].reason, QStringLiteral("better than zero-shot"));
        QCOMPARE(log[1].version, QStringLiteral("v2"));
        QCOMPARE(log[2].version, QStringLiteral("v1"));
        QCOMPARE(log[2].reason, QStringLiteral("activated by hand"));

        // updateModel changes the record; an unknown version is an error.
        m2.metrics.insert(QStringLiteral("note"), QStringLiteral("re-measured"));
        m2.state = ModelState::Retired;
        QVERIFY(ws->models().update(m2));
        QCOMPARE(ws->models().find(QStringLiteral("v2")).value()->metrics.value(QStringLiteral("note")).toString(), QStringLiteral("re-measured"));
        ModelRecord ghost = m2;
        ghost.version = QStringLiteral("v77");
        QVERIFY(!ws->models().update(ghost));

        // Versions count numerically, not as text.
        ModelRecord m10 = m2;
        m10.version = QStringLiteral("v10");
        QVERIFY(ws->models().add(m10));
        QCOMPARE(ws->models().nextVersion().value(), QStringLiteral("v11"));

        // No model active (the zero-shot head serves): every version kept, retired, and so after a reopen.
        const qsizetype logged = ws->models().activations().value().size();
        QVERIFY(ws->models().clearActive());
        QVERIFY(!ws->models().active().value());
        QCOMPARE(toString(ws->models().find(QStringLiteral("v1")).value()->state), toString(ModelState::Retired));
        QCOMPARE(ws->models().all().value().size(), 3);
        QCOMPARE(ws->models().activations().value().size(), logged);
        ws.reset();
        auto again = openOrFail(dir);
        QVERIFY(again);
        QVERIFY(!again->models().active().value());
    }

    void prunedModelKeepsItsRowAndCannotGoLive()
    {
        // Schema 5: a version made before it (schema 4, no pruned column) opens as not pruned.
        const QString dir = freshDir();
        {
            auto ws = openOrFail(dir);
            QVERIFY(ws);
            for (const char* v : {"v1", "v2", "v3"}) {
                ModelRecord m;
                m.version = QString::fromLatin1(v);
                m.file = QStringLiteral("models/%1.pcmodel").arg(m.version);
                QVERIFY(ws->models().add(m));
            }
            QVERIFY(ws->models().setActive(QStringLiteral("v3")));
        }
        const QString db = dir + QStringLiteral("/workspace.sqlite");
        QString error;
        rawSql(db, undoVersion5() + QStringList{QStringLiteral("PRAGMA user_version = 4")}, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        auto ws = openOrFail(dir);
        QVERIFY(ws);
        QCOMPARE(ws->schemaVersion().value(), 5);
        for (auto list = ws->models().all().value(); const ModelRecord& m : list)
            QVERIFY2(!m.isPruned(), qPrintable(m.version));

        QVERIFY(ws->models().markPruned(QStringLiteral("v1")));
        const auto v1 = ws->models().find(QStringLiteral("v1")).value();
        QVERIFY(v1 && v1->isPruned());
        QVERIFY(qAbs(v1->pruned.secsTo(QDateTime::currentDateTimeUtc())) < 60);
        QCOMPARE(v1->file, QStringLiteral("models/v1.pcmodel")); // the row keeps what it was
        QVERIFY(ws->models().markPruned(QStringLiteral("v1")));  // again: nothing changes
        QCOMPARE(ws->models().find(QStringLiteral("v1")).value()->pruned, v1->pruned);
        // A pruned version can't go live; the active one can't be pruned; an unknown one is named.
        auto refused = ws->models().setActive(QStringLiteral("v1"));
        QVERIFY(!refused);
        QCOMPARE(refused.error().message, prunedModelMessage(QStringLiteral("v1")));
        QCOMPARE(ws->models().active().value()->version, QStringLiteral("v3"));
        auto live = ws->models().markPruned(QStringLiteral("v3"));
        QVERIFY(!live);
        QCOMPARE(live.error().message, QStringLiteral("cannot prune model v3: it is the active model"));
        QVERIFY(!ws->models().find(QStringLiteral("v3")).value()->isPruned());
        QVERIFY(!ws->models().markPruned(QStringLiteral("v9")));
        QCOMPARE(ws->models().all().value().size(), 3);
        // update() keeps the mark.
        ModelRecord changed = *v1;
        changed.gateVerdict = QStringLiteral("re-judged");
        QVERIFY(ws->models().update(changed));
        QVERIFY(ws->models().find(QStringLiteral("v1")).value()->isPruned());
    }

    void trainingRuns()
    {
        auto ws = openOrFail(freshDir());
        QVERIFY(ws);
        auto run = ws->runs().start(QJsonObject{{QStringLiteral("lr"), 0.001}});
        QVERIFY(run);
        for (int e = 1; e <= 3; ++e)
            QVERIFY(ws->runs().appendEpoch(*run, QJsonObject{{QStringLiteral("epoch"), e}, {QStringLiteral("loss"), 1.0 / e}}));
        QVERIFY(ws->runs().finish(*run, QStringLiteral("activated"), QStringLiteral("v1")));
        auto second = ws->runs().start({});
        QVERIFY(second && *second > *run);

        const QVector<TrainingRunRecord> runs = ws->runs().all().value();
        QCOMPARE(runs.size(), 2);
        QCOMPARE(runs[0].id, *run);
        QCOMPARE(runs[0].params.value(QStringLiteral("lr")).toDouble(), 0.001);
        QCOMPARE(runs[0].epochs.size(), 3);
        QCOMPARE(runs[0].epochs[2].toObject().value(QStringLiteral("epoch")).toInt(), 3);
        QCOMPARE(runs[0].outcome, QStringLiteral("activated"));
        QCOMPARE(runs[0].modelVersion, QStringLiteral("v1"));
        QVERIFY(runs[0].started.isValid() && runs[0].finished.isValid());
        QVERIFY(runs[0].started <= runs[0].finished);
        QCOMPARE(runs[1].outcome, QStringLiteral("running"));
        QVERIFY(!runs[1].finished.isValid());

        QVERIFY(!ws->runs().appendEpoch(4242, {}));
        QVERIFY(!ws->runs().finish(4242, QStringLiteral("failed: x")));
        QVERIFY(!ws->runs().finish(*second, QString()));
    }

    void removeAndRestoreImages()
    {
        auto ws = openOrFail(freshDir());
        QVERIFY(ws);
        const qint64 a = addSample(*ws, QStringLiteral("Abyssinian_1.jpg"));
        const qint64 b = addSample(*ws, QStringLiteral("Bengal_10.jpg"));
        QVERIFY(a > 0 && b > 0);
        QVERIFY(ws->labels().add(a, QStringLiteral("Abyssinian"), LabelOrigin::Curator, QStringLiteral("t")));
        QVERIFY(ws->labels().add(b, QStringLiteral("Bengal"), LabelOrigin::Curator, QStringLiteral("t")));

        QVERIFY(ws->setImagesRemoved({a}, true));
        QCOMPARE(ws->imageCount().value(), 1);
        QCOMPARE(ws->images().value().size(), 1);
        QCOMPARE(ws->images().value().front().id, b);
        QVERIFY(!ws->labels().currentByImage().value().contains(a)); // not trained on any more
        QVERIFY(ws->isImageRemoved(a).value());
        // Nothing is lost: the row, the bytes and the label history stay.
        QVERIFY(ws->image(a).value());
        QVERIFY(QFileInfo::exists(ws->storedImagePath(ws->image(a).value()->sha256)));
        QCOMPARE(ws->labels().history(a).value().size(), 1);

        // Undo puts it back as it was.
        QVERIFY(ws->setImagesRemoved({a}, false));
        QCOMPARE(ws->imageCount().value(), 2);
        QCOMPARE(ws->labels().currentByImage().value().value(a).breed, QStringLiteral("Abyssinian"));

        // Adding the same bytes again brings a removed image back; an unknown id is refused whole.
        QVERIFY(ws->setImagesRemoved({a, b}, true));
        QCOMPARE(ws->imageCount().value(), 0);
        const QByteArray bytes = readFile(test::sampleImage(QStringLiteral("Bengal_10.jpg")));
        auto again = ws->addImage(bytes, QStringLiteral("again.jpg"), 1, 1, QStringLiteral("files"));
        QVERIFY(again);
        QCOMPARE(again->id, b);
        QVERIFY(!again->duplicate);
        QCOMPARE(ws->imageCount().value(), 1);
        auto refused = ws->setImagesRemoved({a, 987654}, false);
        QVERIFY(!refused);
        QVERIFY(refused.error().message.contains(QStringLiteral("987654")));
        QVERIFY(ws->isImageRemoved(a).value()); // the transaction rolled back
    }

    void predictions()
    {
        auto ws = openOrFail(freshDir());
        QVERIFY(ws);
        const qint64 a = addSample(*ws, QStringLiteral("Abyssinian_1.jpg"));
        const qint64 b = addSample(*ws, QStringLiteral("Bengal_10.jpg"));
        const QJsonArray top{QJsonObject{{QStringLiteral("label"), QStringLiteral("Bengal")}, {QStringLiteral("p"), 0.7}}};
        QVERIFY(ws->predictions().save({a, QStringLiteral("zero-shot"), top, 12.5, {}}));
        QVERIFY(ws->predictions().save({a, QStringLiteral("v1"), top, 8.0, {}}));
        QVERIFY(ws->predictions().save({b, QStringLiteral("v1"), top, 9.0, {}}));
        QCOMPARE(ws->predictions().latest(a).value()->modelVersion, QStringLiteral("v1"));
        QCOMPARE(ws->predictions().latest(a).value()->ms, 8.0);
        QCOMPARE(ws->predictions().latest(a).value()->top, top);
        QVERIFY(ws->predictions().latest(a).value()->at.isValid());
        QCOMPARE(ws->predictions().latestByImage().value().size(), 2);
        QCOMPARE(ws->predictions().latestByImage().value().value(b).ms, 9.0);
        QVERIFY(!ws->predictions().latest(55555).value());
        QVERIFY(!ws->predictions().save({55555, QStringLiteral("v1"), top, 1, {}}));
    }

    void integrityCheck()
    {
        const QString dir = freshDir();
        {
            auto ws = openOrFail(dir);
            QVERIFY(ws);
            QVERIFY(addSample(*ws, QStringLiteral("Abyssinian_1.jpg")));
            auto ok = ws->checkIntegrity();
            QVERIFY2(ok, ok ? "" : qPrintable(ok.error().message));
        }
        // A row pointing at nothing (written behind the workspace's back, without foreign keys):
        // the check finds it.
        QString error;
        rawSql(dir + QStringLiteral("/workspace.sqlite"),
               {QStringLiteral("INSERT INTO label_events (image_id, breed, origin, author, at, status) "
                               "VALUES (999, 'pug', 'curator', 'x', '2026-01-01T00:00:00.000Z', 'approved')")},
               &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        auto ws = openOrFail(dir);
        QVERIFY(ws);
        auto damaged = ws->checkIntegrity();
        QVERIFY(!damaged);
        QVERIFY2(damaged.error().message.contains(QStringLiteral("label_events")), qPrintable(damaged.error().message));
    }

    void refusesBadPlaces()
    {
        // Not a folder.
        const QString file = m_tmp.filePath(QStringLiteral("plain-file"));
        QVERIFY(writeFile(file, "hello"));
        auto ws = Workspace::open(file);
        QVERIFY(!ws);
        QVERIFY2(ws.error().message.contains(QStringLiteral("not a folder")), qPrintable(ws.error().message));
        QVERIFY(!ws.error().message.contains(QLatin1Char('\n')));
        QCOMPARE(readFile(file), QByteArray("hello"));

        QVERIFY(!Workspace::open(QString()));

        // The database path is a folder.
        const QString dir = freshDir();
        QVERIFY(QDir().mkpath(dir + QStringLiteral("/workspace.sqlite")));
        auto folder = Workspace::open(dir);
        QVERIFY(!folder);
        QVERIFY2(folder.error().message.contains(QStringLiteral("folder")), qPrintable(folder.error().message));

        // Unwritable folder (root writes anywhere: then there is nothing to test).
        const QString locked = freshDir();
        QVERIFY(QDir().mkpath(locked));
        QFile::setPermissions(locked, QFileDevice::ReadOwner | QFileDevice::ExeOwner);
        if (::geteuid() != 0) {
            auto ro = Workspace::open(locked);
            QVERIFY(!ro);
            QVERIFY2(ro.error().message.contains(QStringLiteral("not writable")), qPrintable(ro.error().message));
        } else {
            qInfo("running as root: the unwritable-folder case cannot be set up");
        }
        QFile::setPermissions(locked, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
        // A folder nobody can write, root included, and one that cannot be created.
        auto proc = Workspace::open(QStringLiteral("/proc"));
        QVERIFY(!proc);
        QVERIFY2(proc.error().message.contains(QStringLiteral("not writable")), qPrintable(proc.error().message));
        auto under = Workspace::open(file + QStringLiteral("/sub"));
        QVERIFY(!under);
        QVERIFY2(under.error().message.contains(QStringLiteral("cannot create")), qPrintable(under.error().message));
        QCOMPARE(readFile(file), QByteArray("hello"));
    }

    void leavesForeignFilesUntouched()
    {
        // Random bytes where the database should be.
        const QString dir = freshDir();
        QVERIFY(QDir().mkpath(dir));
        QByteArray garbage(8192, Qt::Uninitialized);
        for (char& c : garbage)
            c = char(QRandomGenerator::global()->bounded(256));
        const QString db = dir + QStringLiteral("/workspace.sqlite");
        QVERIFY(writeFile(db, garbage));
        auto ws = Workspace::open(dir);
        QVERIFY(!ws);
        QVERIFY2(ws.error().message.contains(QStringLiteral("not an SQLite")), qPrintable(ws.error().message));
        QCOMPARE(readFile(db), garbage);
        QVERIFY(!QFile::exists(db + QStringLiteral("-wal")));
        QVERIFY(!QFile::exists(db + QStringLiteral("-shm")));

        // Someone else's SQLite database.
        const QString other = freshDir();
        QVERIFY(QDir().mkpath(other));
        QString error;
        rawSql(other + QStringLiteral("/workspace.sqlite"), {QStringLiteral("CREATE TABLE recipes (name TEXT)")}, &error);
        QVERIFY(error.isEmpty());
        const QByteArray before = readFile(other + QStringLiteral("/workspace.sqlite"));
        auto foreign = Workspace::open(other);
        QVERIFY(!foreign);
        QVERIFY2(foreign.error().message.contains(QStringLiteral("not a PetCurator workspace")), qPrintable(foreign.error().message));
        QCOMPARE(readFile(other + QStringLiteral("/workspace.sqlite")), before);
    }

    void refusesNewerSchema()
    {
        const QString dir = freshDir();
        {
            auto ws = openOrFail(dir);
            QVERIFY(ws);
            QVERIFY(addSample(*ws, QStringLiteral("Abyssinian_1.jpg")));
        }
        const QString db = dir + QStringLiteral("/workspace.sqlite");
        QString error;
        rawSql(db, {QStringLiteral("PRAGMA user_version = 99")}, &error);
        QVERIFY(error.isEmpty());
        const QByteArray before = readFile(db);
        auto ws = Workspace::open(dir);
        QVERIFY(!ws);
        QVERIFY2(ws.error().message.contains(QStringLiteral("newer")) && ws.error().message.contains(QStringLiteral("99")),
                 qPrintable(ws.error().message));
        QCOMPARE(readFile(db), before);
        QCOMPARE(rawSql(db, {QStringLiteral("PRAGMA user_version")}), QStringList{QStringLiteral("99")});
    }

    void threadsReadAndWriteTogether()
    {
        auto ws = openOrFail(freshDir());
        QVERIFY(ws);
        QVector<qint64> ids;
        for (const char* name : {"Abyssinian_1.jpg", "Bengal_10.jpg", "Birman_15.jpg", "Bombay_10.jpg"})
            ids << addSample(*ws, QString::fromLatin1(name));
        QVERIFY(!ids.contains(0));

        constexpr int kOps = 300;
        std::atomic<int> errors{0};
        std::atomic<int> labels{0};
        QStringList firstErrors;
        QMutex errorMutex;
        auto fail = [&](const QString& what) {
            ++errors;
            QMutexLocker lock(&errorMutex);
            if (firstErrors.size() < 5)
                firstErrors << what;
        };
        const QStringList breeds = BreedCatalog::oxford().ids();
        std::vector<std::unique_ptr<QThread>> threads;
        for (int w = 0; w < 3; ++w)
            threads.emplace_back(QThread::create([&, w] {
                for (int i = 0; i < kOps; ++i) {
                    const qint64 image = ids[(w + i) % ids.size()];
                    switch (i % 4) {
                    case 0:
                    case 1:
                        if (auto l = ws->labels().add(image, breeds[(w * 7 + i) % breeds.size()], LabelOrigin::Curator, QStringLiteral("w%1").arg(w)))
                            ++labels;
                        else
                            fail(l.error().message);
                        break;
                    case 2:
                        if (auto s = ws->embeddings().put(image, QStringLiteral("h%1").arg(w), randomViews(2, 64, quint32(i))); !s)
                            fail(s.error().message);
                        break;
                    case 3: {
                        QByteArray bytes = QStringLiteral("writer %1 op %2").arg(w).arg(i).toUtf8();
                        if (auto a = ws->addImage(bytes, QStringLiteral("/t/%1-%2").arg(w).arg(i), 1, 1, QStringLiteral("test")); !a)
                            fail(a.error().message);
                        break;
                    }
                    }
                }
            }));
        for (int r = 0; r < 3; ++r)
            threads.emplace_back(QThread::create([&, r] {
                for (int i = 0; i < kOps; ++i) {
                    // A read that fails under the writers is a failure too (busy, locked, …).
                    auto read = [&](const auto& result) {
                        if (!result)
                            fail(result.error().message);
                        return bool(result);
                    };
                    switch ((i + r) % 4) {
                    case 0:
                        if (auto l = ws->labels().currentByImage(); read(l) && l->size() > ids.size())
                            fail(QStringLiteral("more labelled images than images"));
                        break;
                    case 1:
                        if (auto n = ws->imageCount(); read(n) && *n < ids.size())
                            fail(QStringLiteral("images went missing"));
                        break;
                    case 2:
                        if (auto found = ws->image(ids[i % ids.size()]); read(found) && !*found)
                            fail(QStringLiteral("image not found"));
                        break;
                    case 3:
                        read(ws->embeddings().all(QStringLiteral("h%1").arg(r)));
                        read(ws->labels().history(ids[i % ids.size()]));
                        break;
                    }
                }
            }));
        for (auto& t : threads)
            t->start();
        for (auto& t : threads)
            QVERIFY(t->wait(120000));
        QVERIFY2(errors == 0, qPrintable(QStringLiteral("%1 errors, first: %2").arg(errors.load()).arg(firstErrors.join(QStringLiteral(" | ")))));
        QCOMPARE(labels.load(), 3 * kOps / 2);
        QCOMPARE(ws->labels().eventCount().value(), 3 * kOps / 2);
        QCOMPARE(ws->imageCount().value(), int(ids.size()) + 3 * kOps / 4);
        QVERIFY(ws->checkIntegrity());
        // Each finished thread takes its connection with it (at its very end, hence the retry);
        // this thread's is the one left.
        QTRY_COMPARE(QSqlDatabase::connectionNames().filter(QRegularExpression(QStringLiteral("^pc-workspace-"))).size(), 1);
    }

    void connectionsGoWithTheWorkspace()
    {
        {
            auto ws = openOrFail(freshDir());
            QVERIFY(ws);
            QCOMPARE(ws->imageCount().value(), 0);
        }
        QCOMPARE(QSqlDatabase::connectionNames().filter(QRegularExpression(QStringLiteral("^pc-workspace-"))).size(), 0);

        // A pool thread used the workspace and is still alive, idle, when the workspace goes.
        // (No waitForDone here: it ends the pool's threads.)
        QThreadPool pool;
        pool.setMaxThreadCount(1);
        pool.setExpiryTimeout(-1);
        QSemaphore finished;
        {
            auto ws = openOrFail(freshDir());
            QVERIFY(ws);
            std::atomic<int> seen{-1};
            pool.start([&] { seen = ws->imageCount().value(); finished.release(); });
            QVERIFY(finished.tryAcquire(1, 10000));
            QCOMPARE(seen.load(), 0);
            QCOMPARE(QSqlDatabase::connectionNames().filter(QRegularExpression(QStringLiteral("^pc-workspace-"))).size(), 2);
        }
        // Only this thread's connection went with it: the pool thread's is removed on that thread
        // (Qt allows nothing else), at its next database call or when it ends.
        QCOMPARE(QSqlDatabase::connectionNames().filter(QRegularExpression(QStringLiteral("^pc-workspace-"))).size(), 1);
        // The same pool thread, a new workspace: a new connection of its own, and the dead one's gone.
        auto ws = openOrFail(freshDir());
        QVERIFY(ws);
        std::atomic<int> seen{-1};
        pool.start([&] { seen = ws->imageCount().value(); finished.release(); });
        QVERIFY(finished.tryAcquire(1, 10000));
        QCOMPARE(seen.load(), 0);
        QCOMPARE(QSqlDatabase::connectionNames().filter(QRegularExpression(QStringLiteral("^pc-workspace-"))).size(), 2);
        pool.waitForDone(); // the thread ends and takes its connection along
        QTRY_COMPARE(QSqlDatabase::connectionNames().filter(QRegularExpression(QStringLiteral("^pc-workspace-"))).size(), 1);
    }
};

QTEST_GUILESS_MAIN(TestWorkspace)
#include "TestWorkspace.moc"
