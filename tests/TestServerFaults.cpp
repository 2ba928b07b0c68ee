// The server's half of the fault run: 8 clients each post 300 label events (in batches, retrying
// until answered) while the server is killed with SIGKILL and restarted twice. Afterwards the
// log holds exactly the 2,400 events sent: none lost, none duplicated.
#include "ServerTestSupport.h"

#include <QSet>
#include <atomic>
#include <thread>

using namespace pc;
using namespace pc::test;

class TestServerFaults : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void killedTwiceLosesAndDuplicatesNothing()
    {
        if (ServerFixture::wantsPostgres() && !ServerFixture::postgresAvailable())
            QSKIP("PostgreSQL binaries are not installed");
        ServerFixture fixture;
        const QString why = fixture.start();
        QVERIFY2(why.isEmpty(), qPrintable(why));
        ServerProcess& server = fixture.server();
        const QString token = server.addUser(QStringLiteral("fault"), QStringLiteral("curator"));
        QStringList images;
        for (const char* f : {"Abyssinian_1.jpg", "Bengal_10.jpg", "Bombay_10.jpg", "pug_112.jpg"}) {
            const QByteArray bytes = readFile(sampleImage(QString::fromLatin1(f)));
            QCOMPARE(server.putImage(token, bytes).status, 201);
            images << sha256Hex(bytes);
        }

        constexpr int kClients = 8, kEvents = 300, kBatch = 5;
        std::atomic<quint16> port{server.port()};
        std::atomic<int> confirmed{0}, retries{0};
        std::vector<QStringList> sent(kClients); // one per client thread, sized before they start
        std::vector<std::thread> clients;
        for (int c = 0; c < kClients; ++c) {
            clients.emplace_back([&, c] {
                for (int b = 0; b < kEvents / kBatch; ++b) {
                    QList<QPair<QString, QString>> events;
                    for (int i = 0; i < kBatch; ++i)
                        events.append({images[(b + i) % images.size()], (c % 2) ? QStringLiteral("Bengal") : QStringLiteral("pug")});
                    QStringList uuids;
                    const QByteArray body = QJsonDocument(labelBatch(events, &uuids)).toJson(QJsonDocument::Compact);
                    sent[c] += uuids;
                    // The same batch until the server answers it: a retry must change nothing.
                    for (;;) {
                        const HttpReply r = rawRequest(port.load(), requestBytes("POST", "/api/v1/labels", token, body), 10000);
                        if (r.status == 200 || r.status == 201)
                            break;
                        if (r.status != 0 && r.status != 503)
                            qFatal("client %d: unexpected %d %s", c, r.status, r.body.constData());
                        ++retries;
                        std::this_thread::sleep_for(std::chrono::milliseconds(50));
                    }
                    confirmed += kBatch;
                }
            });
        }
        // Two SIGKILLs, each once a share of the events is in, each followed by a restart.
        for (int threshold : {kClients * kEvents / 4, kClients * kEvents * 3 / 5}) {
            QElapsedTimer t;
            t.start();
            while (confirmed.load() < threshold && t.elapsed() < 300000)
                QThread::msleep(5);
            server.kill(); // SIGKILL
            QVERIFY(server.start());
            port = server.port();
        }
        for (std::thread& t : clients)
            t.join();

        QSet<QString> expected;
        for (const QStringList& uuids : std::as_const(sent))
            for (const QString& u : uuids)
                expected.insert(u);
        QCOMPARE(expected.size(), kClients * kEvents);
        QSet<QString> stored;
        int total = 0;
        qint64 cursor = 0;
        for (bool more = true; more;) {
            const HttpReply r = server.get("/api/v1/labels?since=" + QByteArray::number(cursor) + "&limit=1000", token);
            QCOMPARE(r.status, 200);
            for (const QJsonValue& e : r.json()[QStringLiteral("events")].toArray()) {
                stored.insert(e[QStringLiteral("uuid")].toString());
                ++total;
            }
            cursor = r.json()[QStringLiteral("next")].toInteger();
            more = r.json()[QStringLiteral("more")].toBool();
        }
        QCOMPARE(total, kClients * kEvents); // nothing duplicated
        QCOMPARE(stored, expected);          // nothing lost
        qInfo("fault run: %d events, %d retried posts across two SIGKILLs", total, retries.load());
        QCOMPARE(server.terminate(), 0);
    }
};

QTEST_GUILESS_MAIN(TestServerFaults)
#include "TestServerFaults.moc"
