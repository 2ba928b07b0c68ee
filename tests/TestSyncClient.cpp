// The sync client end to end: real petcurator-server processes, real workspaces, the real
// petcurator-cli. Offline then online (the outbox drains in order, nothing duplicated, a lost
// confirmation re-sent harmlessly), and two curators who disagree until a reviewer decides.
#include "SyncTestSupport.h"

#include "training/TrainingLabels.h"

#include <QSqlQuery>

using namespace pc;
using namespace pc::test;

class TestSyncClient : public QObject {
    Q_OBJECT

    QTemporaryDir m_tmp;

    static QVector<LabelEvent> curatorEvents(Workspace& ws)
    {
        QVector<LabelEvent> out;
        for (auto imageList = ws.images().value(); const ImageRecord& image : imageList)
            for (auto eList = ws.labels().history(image.id).value(); const LabelEvent& e : eList)
                if (e.origin == LabelOrigin::Curator)
                    out.push_back(e);
        std::sort(out.begin(), out.end(), [](const LabelEvent& a, const LabelEvent& b) { return a.id < b.id; });
        return out;
    }

private Q_SLOTS:
    void offlineThenOnlineDrainsInOrder()
    {
        const quint16 port = freePort();
        ClientMachine ann(m_tmp.filePath(QStringLiteral("ann")), QStringLiteral("not-yet-known"));
        {
            auto ws = ann.workspace();
            const qint64 a = ann.addImage(QStringLiteral("Abyssinian_1.jpg"));
            const qint64 b = ann.addImage(QStringLiteral("Bengal_10.jpg"));
            const qint64 c = ann.addImage(QStringLiteral("pug_112.jpg"));
            QVERIFY(ws->labels().add(a, QStringLiteral("Abyssinian"), LabelOrigin::Dataset, QString())); // never sent
            const QList<QPair<qint64, QString>> labels{{a, QStringLiteral("Bengal")}, {b, QStringLiteral("Bengal")}, {c, QStringLiteral("pug")},
                                                       {a, QStringLiteral("Abyssinian")}, {c, QStringLiteral("Bombay")}, {b, QStringLiteral("Persian")}};
            for (const auto& [image, breed] : labels)
                QVERIFY(ws->labels().add(image, breed, LabelOrigin::Curator, QStringLiteral("ann")));
        }
        QCOMPARE(ann.queued(), 6);

        // Offline: nothing goes, nothing is lost, the error says so in one line.
        CliRun r = ann.sync(port, {QStringLiteral("--no-models")});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains(QStringLiteral("offline: ")) && r.err.contains(QStringLiteral("6 label events queued")), qPrintable(r.err));
        QCOMPARE(r.err.trimmed().count(QLatin1Char('\n')), 0);
        QCOMPARE(ann.queued(), 6);

        // A sync that keeps retrying (backoff) while the server is down, and gets through once it is up.
        ServerProcess server(m_tmp.filePath(QStringLiteral("offline-server")));
        const QString annToken = server.addUser(QStringLiteral("ann"), QStringLiteral("curator"));
        const QString admin = server.addUser(QStringLiteral("root"), QStringLiteral("admin"));
        ann.setToken(annToken);
        auto waiting = ann.start({QStringLiteral("sync"), QStringLiteral("--server"), QStringLiteral("http://127.0.0.1:%1").arg(port),
                                  QStringLiteral("--retry-for"), QStringLiteral("300"), QStringLiteral("--no-models"), QStringLiteral("--json")});
        // Started once it has failed at least twice (the outbox counts attempts).
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                auto ws = ann.workspace();
                auto events = SyncLedger(ws).outgoing(1);
                return events && !events->isEmpty() && events->front().attempts >= 2;
            }(),
            120000);
        QVERIFY(server.start({QStringLiteral("--listen"), QStringLiteral("127.0.0.1:%1").arg(port)}));
        QCOMPARE(server.port(), port);
        r = ClientMachine::finish(*waiting);
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QCOMPARE(r.json()[QStringLiteral("pushed")].toInt(), 6);
        QVERIFY(r.json()[QStringLiteral("attempts")].toInt() >= 2);
        QCOMPARE(ann.queued(), 0);

        // In order, each under its client UUID, none twice.
        auto ws = ann.workspace();
        const QVector<LabelEvent> local = curatorEvents(*ws);
        QJsonArray onServer = serverEvents(server, admin);
        QCOMPARE(onServer.size(), 6);
        for (int i = 0; i < 6; ++i) {
            QCOMPARE(onServer[i][QStringLiteral("uuid")].toString(), local[i].uuid);
            QCOMPARE(onServer[i][QStringLiteral("breed")].toString(), local[i].breed);
            QCOMPARE(onServer[i][QStringLiteral("image")].toString(), ws->image(local[i].imageId).value()->sha256);
        }
        // Our own events came back in the pull: known, not copied; their server status noted.
        QCOMPARE(ws->labels().eventCount().value(), 7);
        QCOMPARE(curatorEvents(*ws).constFirst().serverStatus, QStringLiteral("pending"));
        QCOMPARE(curatorEvents(*ws).constFirst().role, QStringLiteral("curator"));

        // A confirmation lost on the way (the server has them, the outbox does not know): sending
        // them again changes nothing.
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("raw"));
            db.setDatabaseName(ann.workspaceDir() + QStringLiteral("/workspace.sqlite"));
            QVERIFY(db.open());
            QSqlQuery q(db);
            QVERIFY(q.exec(QStringLiteral("INSERT INTO outbox (event_id) SELECT id FROM label_events WHERE origin = 'curator'")));
            q.finish();
            db.close();
        }
        QSqlDatabase::removeDatabase(QStringLiteral("raw"));
        QCOMPARE(ann.queued(), 6);
        r = ann.sync(port, {QStringLiteral("--no-models"), QStringLiteral("--json")});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QCOMPARE(ann.queued(), 0);
        QCOMPARE(serverEvents(server, admin).size(), 6);
        QCOMPARE(ws->labels().eventCount().value(), 7);

        // server-status: online, who we are, nothing queued.
        r = ann.cli({QStringLiteral("server-status"), QStringLiteral("--server"), QStringLiteral("http://127.0.0.1:%1").arg(port), QStringLiteral("--json")});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QCOMPARE(r.json()[QStringLiteral("online")].toBool(), true);
        QCOMPARE(r.json()[QStringLiteral("user")].toString(), QStringLiteral("ann"));
        QCOMPARE(r.json()[QStringLiteral("queued")].toInt(), 0);
        QVERIFY(!r.json()[QStringLiteral("last_sync")].toString().isEmpty());
        QCOMPARE(server.terminate(), 0);
        r = ann.cli({QStringLiteral("server-status"), QStringLiteral("--server"), QStringLiteral("http://127.0.0.1:%1").arg(port)});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains(QStringLiteral("server unreachable")), qPrintable(r.err));
        QVERIFY2(r.out.contains(QStringLiteral("(offline)")), qPrintable(r.out));
    }

    void settingsAndEnvironmentAreDefaults()
    {
        ServerProcess server(m_tmp.filePath(QStringLiteral("settings-server")));
        QVERIFY(server.start());
        const QString token = server.addUser(QStringLiteral("cron"), QStringLiteral("curator"));
        ClientMachine cron(m_tmp.filePath(QStringLiteral("cron")));
        const QString url = QStringLiteral("http://127.0.0.1:%1").arg(server.port());
        // Nothing configured: a one-line error and the usage exit code.
        CliRun r = cron.cli({QStringLiteral("sync")});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains(QStringLiteral("no team server")), qPrintable(r.err));
        // --remember: the URL in the settings, the token in the 0600 file (no keychain here).
        const QString tokenFile = m_tmp.filePath(QStringLiteral("cron-token"));
        QFile f(tokenFile);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(token.toUtf8() + "\n");
        f.close();
        r = cron.cli({QStringLiteral("sync"), QStringLiteral("--server"), url, QStringLiteral("--token-file"), tokenFile, QStringLiteral("--remember"),
                      QStringLiteral("--no-models")});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const QString stored = cron.configDir() + QStringLiteral("/PetCurator/server-token");
        QVERIFY(QFileInfo::exists(stored));
        QCOMPARE(QFileInfo(stored).permissions() & (QFileDevice::ReadGroup | QFileDevice::ReadOther | QFileDevice::WriteGroup | QFileDevice::WriteOther),
                 QFileDevice::Permissions());
        // Later runs need no options at all (a cron job).
        r = cron.cli({QStringLiteral("sync"), QStringLiteral("--no-models"), QStringLiteral("--json")});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QCOMPARE(r.json()[QStringLiteral("ok")].toBool(), true);
        // $PETCURATOR_TOKEN wins over the stored token: a wrong one is refused, in words.
        ClientMachine wrong(m_tmp.filePath(QStringLiteral("cron")), QStringLiteral("wrong-token"));
        r = wrong.cli({QStringLiteral("sync"), QStringLiteral("--no-models")});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains(QStringLiteral("refused the token")), qPrintable(r.err));
        QCOMPARE(server.terminate(), 0);
    }

    void disagreementResolvedByReviewer()
    {
        ServerProcess server(m_tmp.filePath(QStringLiteral("dispute-server")));
        QVERIFY(server.start());
        ClientMachine ann(m_tmp.filePath(QStringLiteral("d-ann")), server.addUser(QStringLiteral("ann"), QStringLiteral("curator")));
        ClientMachine bob(m_tmp.filePath(QStringLiteral("d-bob")), server.addUser(QStringLiteral("bob"), QStringLiteral("curator")));
        const QString reviewer = server.addUser(QStringLiteral("rita"), QStringLiteral("reviewer"));
        const QString sha = sha256Hex(readFile(sampleImage(QStringLiteral("Bengal_10.jpg"))));

        QVERIFY(ann.workspace()->labels().add(ann.addImage(QStringLiteral("Bengal_10.jpg")), QStringLiteral("Bengal"), LabelOrigin::Curator, QStringLiteral("ann")));
        // Bob has never seen the image: he gets it from the server with Ann's label, then disagrees.
        QCOMPARE(ann.sync(server.port(), {QStringLiteral("--no-models")}).code, 0);
        CliRun r = bob.sync(server.port(), {QStringLiteral("--no-models"), QStringLiteral("--json")});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QCOMPARE(r.json()[QStringLiteral("pulled")].toInt(), 1);
        QCOMPARE(r.json()[QStringLiteral("images")].toInt(), 1);
        {
            auto ws = bob.workspace();
            const auto image = ws->imageByHash(sha).value();
            QVERIFY(image);
            const auto current = ws->labels().current(image->id).value();
            QCOMPARE(current->breed, QStringLiteral("Bengal"));
            QCOMPARE(toString(current->origin), toString(LabelOrigin::Server));
            QCOMPARE(current->author, QStringLiteral("ann"));
            QCOMPARE(toString(current->status), toString(ReviewStatus::Pending));
            QVERIFY(ws->labels().add(image->id, QStringLiteral("Egyptian_Mau"), LabelOrigin::Curator, QStringLiteral("bob")));
        }
        QCOMPARE(bob.sync(server.port(), {QStringLiteral("--no-models")}).code, 0);
        QCOMPARE(ann.sync(server.port(), {QStringLiteral("--no-models")}).code, 0);

        // Both see the dispute; so does the server's queue.
        for (ClientMachine* c : {&ann, &bob}) {
            auto ws = c->workspace();
            QCOMPARE(SyncLedger(ws).disputedImages().value(), QSet<qint64>{ws->imageByHash(sha).value()->id});
        }
        HttpReply queue = server.get("/api/v1/review", reviewer);
        QCOMPARE(queue.status, 200);
        QCOMPARE(queue.json()[QStringLiteral("items")].toArray().size(), 1);
        QVERIFY(queue.json()[QStringLiteral("items")][0][QStringLiteral("disputed")].toBool());
        QString bobsEvent;
        for (const QJsonValue& l : queue.json()[QStringLiteral("items")][0][QStringLiteral("labels")].toArray())
            if (l[QStringLiteral("author")].toString() == QLatin1String("bob"))
                bobsEvent = l[QStringLiteral("uuid")].toString();
        QVERIFY(!bobsEvent.isEmpty());

        // The reviewer sides with Bob; both clients pull the verdicts.
        HttpReply v = server.postJson("/api/v1/review/" + bobsEvent.toLatin1(), reviewer, {{QStringLiteral("decision"), QStringLiteral("approve")}});
        QCOMPARE(v.status, 201);
        for (ClientMachine* c : {&ann, &bob}) {
            r = c->sync(server.port(), {QStringLiteral("--no-models"), QStringLiteral("--json")});
            QVERIFY2(r.code == 0, qPrintable(r.err));
            QCOMPARE(r.json()[QStringLiteral("verdicts")].toInt(), 2); // Bob's approved, Ann's superseded
            auto ws = c->workspace();
            const qint64 image = ws->imageByHash(sha).value()->id;
            const auto current = ws->labels().current(image).value();
            QCOMPARE(current->breed, QStringLiteral("Egyptian_Mau"));
            QCOMPARE(toString(current->status), toString(ReviewStatus::Approved));
            QCOMPARE(current->serverStatus, QStringLiteral("approved"));
            for (auto eList = ws->labels().history(image).value(); const LabelEvent& e : eList)
                if (e.breed == QLatin1String("Bengal"))
                    QCOMPARE(toString(e.status), toString(ReviewStatus::Rejected));
            QVERIFY(SyncLedger(ws).disputedImages().value().isEmpty());
            // Training on server-approved labels only takes the decided label.
            TrainingLabelSelection approved;
            approved.approvedOnly = true;
            QCOMPARE(selectTrainingLabels(*ws, approved).value().value(image, -1), BreedCatalog::oxford().indexOf(QStringLiteral("Egyptian_Mau")));
            TrainingLabelSelection reviewers;
            reviewers.roles = QStringList{QStringLiteral("reviewer"), QStringLiteral("admin")};
            QVERIFY(!selectTrainingLabels(*ws, reviewers).value().contains(image)); // a curator's label, even approved
            // A repeated pull changes nothing.
            r = c->sync(server.port(), {QStringLiteral("--no-models"), QStringLiteral("--json")});
            QCOMPARE(r.json()[QStringLiteral("verdicts")].toInt(), 0);
            QCOMPARE(r.json()[QStringLiteral("pulled")].toInt(), 0);
        }
        QCOMPARE(server.terminate(), 0);
    }
};

QTEST_GUILESS_MAIN(TestSyncClient)
#include "TestSyncClient.moc"
