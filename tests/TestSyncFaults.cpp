// The client's half of the fault run: 8 curators' machines each hold 300 queued label events and
// sync them (petcurator-cli sync, retrying with backoff) while the server is killed with SIGKILL
// and restarted twice. Afterwards the server holds exactly the 2,400 events, every outbox is
// empty, and every machine has pulled all 2,400.
#include "SyncTestSupport.h"

#include <QSet>

using namespace pc;
using namespace pc::test;

class TestSyncFaults : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void killedTwiceEveryOutboxDrainsAndEveryClientPullsAll()
    {
        QTemporaryDir tmp;
        constexpr int kClients = 8, kEvents = 300;
        const quint16 port = freePort();
        ServerProcess server(tmp.filePath(QStringLiteral("server")));
        const QStringList listen{QStringLiteral("--listen"), QStringLiteral("127.0.0.1:%1").arg(port)};
        QVERIFY(server.start(listen));
        const QString admin = server.addUser(QStringLiteral("root"), QStringLiteral("admin"));
        const QStringList photos{QStringLiteral("Abyssinian_1.jpg"), QStringLiteral("Bengal_10.jpg"), QStringLiteral("Bombay_10.jpg"),
                                 QStringLiteral("pug_112.jpg")};
        const QStringList breeds = BreedCatalog::oxford().ids();

        std::vector<std::unique_ptr<ClientMachine>> clients;
        QSet<QString> expected;
        for (int c = 0; c < kClients; ++c) {
            const QString name = QStringLiteral("curator%1").arg(c);
            clients.push_back(std::make_unique<ClientMachine>(tmp.filePath(name), server.addUser(name, QStringLiteral("curator"))));
            auto ws = clients.back()->workspace();
            QVector<qint64> images;
            for (const QString& photo : photos)
                images << clients.back()->addImage(photo);
            for (int i = 0; i < kEvents; ++i)
                QVERIFY(ws->labels().add(images[i % images.size()], breeds[(c * 7 + i) % breeds.size()], LabelOrigin::Curator, name));
            for (const qint64 image : images)
                for (auto eList = ws->labels().history(image).value(); const LabelEvent& e : eList)
                    expected.insert(e.uuid);
        }
        QCOMPARE(expected.size(), kClients * kEvents);

        // All eight sync at once, in small batches, retrying through the outages.
        std::vector<std::unique_ptr<QProcess>> running;
        for (const auto& c : clients)
            running.push_back(c->start({QStringLiteral("sync"), QStringLiteral("--server"), QStringLiteral("http://127.0.0.1:%1").arg(port),
                                        QStringLiteral("--batch"), QStringLiteral("2"), QStringLiteral("--retry-for"), QStringLiteral("600"),
                                        QStringLiteral("--no-models"), QStringLiteral("--json")}));
        auto sent = [&] {
            int queued = 0;
            for (const auto& c : clients)
                queued += c->queued();
            return kClients * kEvents - queued;
        };
        int kills = 0;
        for (int threshold : {kClients * kEvents / 4, kClients * kEvents * 3 / 5}) {
            QTRY_VERIFY_WITH_TIMEOUT(sent() >= threshold, 300000);
            server.kill(); // SIGKILL
            ++kills;
            QVERIFY(server.start(listen));
        }
        int retried = 0;
        for (auto& p : running) {
            const CliRun r = ClientMachine::finish(*p);
            QVERIFY2(r.code == 0, qPrintable(r.err));
            retried += r.json()[QStringLiteral("attempts")].toInt() - 1;
        }
        QCOMPARE(kills, 2);

        // The server: exactly what was sent.
        const QJsonArray onServer = serverEvents(server, admin);
        QSet<QString> stored;
        for (const QJsonValue& e : onServer)
            stored.insert(e[QStringLiteral("uuid")].toString());
        QCOMPARE(onServer.size(), kClients * kEvents); // nothing duplicated
        QCOMPARE(stored, expected);                    // nothing lost

        // Each machine: outbox empty, and after one more pull (the others may have finished after
        // it), all 2,400 events in its log, each once.
        for (const auto& c : clients) {
            const CliRun r = c->sync(port, {QStringLiteral("--no-models")});
            QVERIFY2(r.code == 0, qPrintable(r.err));
            QCOMPARE(c->queued(), 0);
            auto ws = c->workspace();
            QCOMPARE(ws->labels().eventCount().value(), kClients * kEvents);
            QSet<QString> local;
            for (auto imageList = ws->images().value(); const ImageRecord& image : imageList)
                for (auto eList = ws->labels().history(image.id).value(); const LabelEvent& e : eList)
                    local.insert(e.uuid);
            QCOMPARE(local, expected);
        }
        qInfo("client fault run: %d events from %d clients, %d retried sync rounds across %d SIGKILLs", int(onServer.size()), kClients,
              retried, kills);
        QCOMPARE(server.terminate(), 0);
    }
};

QTEST_GUILESS_MAIN(TestSyncFaults)
#include "TestSyncFaults.moc"
