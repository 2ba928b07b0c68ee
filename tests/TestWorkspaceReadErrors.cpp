// TestWorkspaceReadErrors: a read the database can't answer is an error, never an empty result.
// Real SQLite: another connection takes the images table away (WAL readers can't be blocked by a
// writer's lock, so a lock can't make a read fail), the same failure a damaged or half-migrated
// file gives. The gallery's loader reports it instead of an empty gallery.
#include "TestSupport.h"

#include "gallery/GalleryModel.h"
#include "workspace/Workspace.h"

#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>

using namespace pc;

namespace {

// A second, plain connection to the workspace's file, as another process would have.
class OtherConnection {
public:
    explicit OtherConnection(const QString& file)
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), kName);
        db.setDatabaseName(file);
        db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=5000"));
        m_open = db.open();
    }
    ~OtherConnection() { QSqlDatabase::removeDatabase(kName); }
    bool isOpen() const { return m_open; }
    QString exec(const QString& statement)
    {
        QSqlQuery q(QSqlDatabase::database(kName, false));
        return q.exec(statement) ? QString() : q.lastError().text();
    }

private:
    static inline const QString kName = QStringLiteral("other-connection");
    bool m_open = false;
};

} // namespace

class TestWorkspaceReadErrors : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void readsFailWhenTheTableIsGone()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        auto ws = Workspace::open(dir.path());
        QVERIFY2(ws, ws ? "" : qPrintable(ws.error().message));
        const QByteArray bytes = test::readFile(test::sampleImage(QStringLiteral("pug_112.jpg")));
        QVERIFY(!bytes.isEmpty());
        auto added = (*ws)->addImage(bytes, QStringLiteral("pug_112.jpg"), 10, 10, QStringLiteral("files"));
        QVERIFY2(added, added ? "" : qPrintable(added.error().message));
        QVERIFY((*ws)->labels().add(added->id, QStringLiteral("pug"), LabelOrigin::Curator, QStringLiteral("me")));
        QCOMPARE((*ws)->imageCount().value(), 1);

        OtherConnection other(dir.filePath(QStringLiteral("workspace.sqlite")));
        QVERIFY(other.isOpen());
        // Another writer holding the write lock: a WAL reader still sees the last commit, all of it.
        QCOMPARE(other.exec(QStringLiteral("BEGIN IMMEDIATE")), QString());
        QCOMPARE(other.exec(QStringLiteral("UPDATE images SET removed = '2026-01-01T00:00:00.000Z'")), QString());
        QCOMPARE((*ws)->images().value().size(), 1);
        QCOMPARE((*ws)->labels().currentByImage().value().size(), 1);
        QCOMPARE(other.exec(QStringLiteral("ROLLBACK")), QString());

        // A renamed table fails exactly like a missing one, and can be put back.
        QCOMPARE(other.exec(QStringLiteral("ALTER TABLE images RENAME TO images_away")), QString());

        const auto images = (*ws)->images();
        QVERIFY2(!images, "images() returned a list from a database without the images table");
        QVERIFY2(images.error().message.contains(QLatin1String("images")), qPrintable(images.error().message));
        QVERIFY(!images.error().message.contains(QLatin1Char('\n')));
        const auto count = (*ws)->imageCount();
        QVERIFY2(!count, "imageCount() counted images in a database without the images table");
        QVERIFY(!(*ws)->image(added->id));
        QVERIFY(!(*ws)->imageByHash(added->sha256));
        QVERIFY(!(*ws)->labels().currentByImage());
        QVERIFY(!(*ws)->isImageRemoved(added->id));

        // The gallery says it could not look, instead of showing an empty workspace.
        const auto gallery = loadGalleryItems(**ws);
        QVERIFY2(!gallery, "the gallery loaded from a database without the images table");
        QVERIFY(!gallery.error().message.isEmpty());

        QCOMPARE(other.exec(QStringLiteral("ALTER TABLE images_away RENAME TO images")), QString());
        QCOMPARE((*ws)->images().value().size(), 1);
        QCOMPARE(loadGalleryItems(**ws).value().size(), size_t(1));
    }

    void everyReadReportsAFailure()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        auto ws = Workspace::open(dir.path());
        QVERIFY2(ws, ws ? "" : qPrintable(ws.error().message));
        OtherConnection other(dir.filePath(QStringLiteral("workspace.sqlite")));
        QVERIFY(other.isOpen());
        for (const QString& table : {QStringLiteral("label_events"), QStringLiteral("predictions"), QStringLiteral("embeddings"),
                                     QStringLiteral("models"), QStringLiteral("activations"), QStringLiteral("training_runs"),
                                     QStringLiteral("settings")})
            QCOMPARE(other.exec(QStringLiteral("ALTER TABLE %1 RENAME TO %1_away").arg(table)), QString());
        QVERIFY(!(*ws)->labels().history(1));
        QVERIFY(!(*ws)->labels().current(1));
        QVERIFY(!(*ws)->labels().eventCount());
        QVERIFY(!(*ws)->labels().eventsSince(0));
        QVERIFY(!(*ws)->labels().lastEventId());
        QVERIFY(!(*ws)->predictions().latest(1));
        QVERIFY(!(*ws)->predictions().latestByImage());
        QVERIFY(!(*ws)->embeddings().views(1, QStringLiteral("h")));
        QVERIFY(!(*ws)->embeddings().all(QStringLiteral("h")));
        QVERIFY(!(*ws)->embeddings().imagesWith(QStringLiteral("h")));
        QVERIFY(!(*ws)->split().get());
        QVERIFY(!(*ws)->models().find(QStringLiteral("v1")));
        QVERIFY(!(*ws)->models().all());
        QVERIFY(!(*ws)->models().active());
        QVERIFY(!(*ws)->models().activations());
        QVERIFY(!(*ws)->models().nextVersion());
        QVERIFY(!(*ws)->runs().all());
        QVERIFY(!(*ws)->setting(QStringLiteral("x")));
    }
};

QTEST_MAIN(TestWorkspaceReadErrors)
#include "TestWorkspaceReadErrors.moc"
