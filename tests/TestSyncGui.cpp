// The team server in the desktop app, offscreen, against a real server process: the review tab
// decides with one key (A approves, R rejects); the background sync's indicator says online,
// offline and what is queued; a dispute shows under the gallery's Disputed filter.
#include "GuiTestSupport.h"
#include "SyncTestSupport.h"

#include "gallery/GalleryFilterModel.h"
#include "gallery/GalleryModel.h"
#include "sync/ReviewQueueView.h"
#include "sync/SyncService.h"
#include "sync/SyncStatusIndicator.h"

#include <QApplication>
#include <QListWidget>

using namespace pc;
using namespace pc::test;

class TestSyncGui : public QObject {
    Q_OBJECT

    QTemporaryDir m_tmp;
    QTemporaryDir m_settings;

    static QString eventStatus(const ServerProcess& server, const QString& token, const QString& author, const QString& breed)
    {
        QString status;
        for (const QJsonValue& e : serverEvents(server, token))
            if (e[QStringLiteral("kind")].toString() == QLatin1String("label") && e[QStringLiteral("author")].toString() == author
                && e[QStringLiteral("breed")].toString() == breed)
                status = e[QStringLiteral("status")].toString();
        return status;
    }

private Q_SLOTS:
    void initTestCase()
    {
        // Settings in a folder of the test's own, never the user's.
        QVERIFY(m_settings.isValid());
        test::isolateAppSettings(m_settings);
    }

    void reviewTabDecidesWithOneKey()
    {
        ServerProcess server(m_tmp.filePath(QStringLiteral("review-server")));
        QVERIFY(server.start());
        const QString ann = server.addUser(QStringLiteral("ann"), QStringLiteral("curator"));
        const QString bob = server.addUser(QStringLiteral("bob"), QStringLiteral("curator"));
        const QString rita = server.addUser(QStringLiteral("rita"), QStringLiteral("reviewer"));
        const QByteArray cat = readFile(sampleImage(QStringLiteral("Bengal_10.jpg"))), dog = readFile(sampleImage(QStringLiteral("pug_112.jpg")));
        QCOMPARE(server.putImage(ann, cat).status, 201);
        QCOMPARE(server.putImage(ann, dog).status, 201);
        QCOMPARE(server.postJson("/api/v1/labels", ann, labelBatch({{sha256Hex(cat), QStringLiteral("Bengal")}, {sha256Hex(dog), QStringLiteral("pug")}})).status, 201);
        QCOMPARE(server.postJson("/api/v1/labels", bob, labelBatch({{sha256Hex(cat), QStringLiteral("Bombay")}})).status, 201);

        ReviewQueueView view;
        view.resize(900, 600);
        view.show();
        QVERIFY(QTest::qWaitForWindowActive(&view));
        view.setServer(QStringLiteral("http://127.0.0.1:%1").arg(server.port()), rita);
        QTRY_COMPARE(view.queueSize(), 2);
        auto* queue = view.findChild<QListWidget*>(QStringLiteral("reviewQueueList"));
        auto* labels = view.findChild<QListWidget*>(QStringLiteral("reviewLabels"));
        QVERIFY(queue && labels);
        // The disputed image comes first, with both labels; the first pending one is selected.
        QVERIFY(queue->item(0)->text().startsWith(QStringLiteral("Disputed")));
        QCOMPARE(labels->count(), 2);
        QVERIFY(labels->currentItem()->text().contains(QStringLiteral("ann")));

        // Down to Bob's label, A: approved (and Ann's superseded).
        labels->setFocus();
        QTest::keyClick(labels, Qt::Key_Down);
        QVERIFY(labels->currentItem()->text().contains(QStringLiteral("bob")));
        QTest::keyClick(labels, Qt::Key_A);
        QTRY_COMPARE(view.queueSize(), 1);
        QCOMPARE(eventStatus(server, rita, QStringLiteral("bob"), QStringLiteral("Bombay")), QStringLiteral("approved"));
        QCOMPARE(eventStatus(server, rita, QStringLiteral("ann"), QStringLiteral("Bengal")), QStringLiteral("rejected"));

        // R rejects the pug label, the last one waiting.
        QTRY_VERIFY(labels->count() == 1 && labels->currentItem() && labels->currentItem()->text().contains(QStringLiteral("Pug")));
        labels->setFocus();
        QTest::keyClick(labels, Qt::Key_R);
        QTRY_COMPARE(view.queueSize(), 0);
        QTRY_VERIFY(view.statusText().contains(QStringLiteral("empty")));
        QCOMPARE(eventStatus(server, rita, QStringLiteral("ann"), QStringLiteral("pug")), QStringLiteral("rejected"));
        QCOMPARE(server.terminate(), 0);
    }

    void indicatorAndDisputedFilter()
    {
        ServerProcess server(m_tmp.filePath(QStringLiteral("indicator-server")));
        QVERIFY(server.start());
        const QString me = server.addUser(QStringLiteral("me"), QStringLiteral("curator"));
        const QString bob = server.addUser(QStringLiteral("bob"), QStringLiteral("curator"));
        const QByteArray cat = readFile(sampleImage(QStringLiteral("Bengal_10.jpg")));
        QCOMPARE(server.putImage(bob, cat).status, 201);
        QCOMPARE(server.postJson("/api/v1/labels", bob, labelBatch({{sha256Hex(cat), QStringLiteral("Bombay")}})).status, 201);

        ClientMachine machine(m_tmp.filePath(QStringLiteral("me")));
        auto ws = machine.workspace();
        const qint64 image = machine.addImage(QStringLiteral("Bengal_10.jpg"));
        QVERIFY(ws->labels().add(image, QStringLiteral("Bengal"), LabelOrigin::Curator, QStringLiteral("me")));
        // The app's defaults for a cron-like setup: the server and token from the environment.
        qputenv("PETCURATOR_SERVER", QStringLiteral("http://127.0.0.1:%1").arg(server.port()).toUtf8());
        qputenv("PETCURATOR_TOKEN", me.toUtf8());

        SyncService service(ws);
        SyncStatusIndicator indicator(&service);
        QTRY_VERIFY_WITH_TIMEOUT(service.status().lastSync.isValid(), 60000);
        QVERIFY2(indicator.text().startsWith(QStringLiteral("Team: online")), qPrintable(indicator.text()));
        QVERIFY2(indicator.text().contains(QStringLiteral("0 queued")), qPrintable(indicator.text()));
        QVERIFY(!indicator.isHidden());

        // Bob's label came in: the image is disputed, and the gallery's filter finds it.
        GalleryModel gallery;
        gallery.merge(loadGalleryItems(*ws).value());
        GalleryFilterModel filter;
        filter.setGalleryModel(&gallery);
        filter.setShow(GalleryFilterModel::Show::Disputed);
        QCOMPARE(filter.rowCount(), 1);
        QCOMPARE(filter.imageIdAt(0), image);

        // Offline: said in words; a new label shows as queued.
        QCOMPARE(server.terminate(), 0);
        QVERIFY(ws->labels().add(image, QStringLiteral("Bombay"), LabelOrigin::Curator, QStringLiteral("me")));
        service.syncNow();
        QTRY_VERIFY_WITH_TIMEOUT(indicator.text().startsWith(QStringLiteral("Team: offline")), 60000);
        QVERIFY2(indicator.text().contains(QStringLiteral("1 queued")), qPrintable(indicator.text()));
        QVERIFY2(indicator.toolTip().contains(QStringLiteral("server unreachable")), qPrintable(indicator.toolTip()));
        qunsetenv("PETCURATOR_SERVER");
        qunsetenv("PETCURATOR_TOKEN");
    }
};

QTEST_MAIN(TestSyncGui)
#include "TestSyncGui.moc"
