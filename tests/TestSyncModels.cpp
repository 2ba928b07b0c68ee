// A published model reaches a client through `petcurator-cli sync`: its checksum and Ed25519
// signature are checked against the pinned server key, then the LOCAL gate judges it on the
// client's own validation split. A worse model is refused (kept as a candidate) unless the trust
// setting is on; an unsigned or tampered bundle, an unpinned or changed key, are refused in words.
#include "SyncTestSupport.h"

#include "training/LearningLoop.h"
#include "workspace/DatasetImporter.h"

#include <QSqlQuery>

using namespace pc;
using namespace pc::test;

class TestSyncModels : public QObject {
    Q_OBJECT

    QTemporaryDir m_tmp;

    // A real bundle for our backbone that always answers `classIndex`: worse than any trained model
    // on images of other breeds.
    static QByteArray constantBundle(const QString& path, int classIndex)
    {
        const QStringList ids = BreedCatalog::oxford().ids();
        ModelBundle b;
        b.version = QStringLiteral("v9");
        b.created = QDateTime::currentDateTimeUtc();
        b.backboneId = QString::fromLatin1(Backbone::kId);
        b.weightsHash = backbone()->weightsHash();
        b.preprocessing = ModelBundle::defaultPreprocessing();
        b.metrics = QJsonObject{{QStringLiteral("val_accuracy"), 0.99}}; // what it claims is not what the gate measures
        cv::Mat w = cv::Mat::zeros(int(ids.size()), 1280, CV_32F), bias = cv::Mat::zeros(1, int(ids.size()), CV_32F);
        bias.at<float>(0, classIndex) = 5.0f;
        b.head = ClassifierHead(ids, {DenseLayer{w, bias}}, std::vector<bool>(size_t(ids.size()), true));
        if (auto s = writeModelBundle(b, path); !s)
            qFatal("%s", qPrintable(s.error().message));
        return readFile(path);
    }

    static qint64 publish(ServerProcess& server, const QString& token, const QByteArray& bundle)
    {
        const HttpReply r = server.request("POST", "/api/v1/models", token, bundle, "application/octet-stream",
                                           {"X-Checksum-Sha256: " + sha256Hex(bundle).toLatin1()});
        if (r.status != 201)
            qFatal("publish: %d %s", r.status, r.body.constData());
        return r.json()[QStringLiteral("version")].toInteger();
    }

    static void serverSql(const QString& dataDir, const QString& statement, const QVariantList& values)
    {
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("server-raw"));
            db.setDatabaseName(dataDir + QStringLiteral("/server.sqlite"));
            db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=5000"));
            if (!db.open())
                qFatal("cannot open the server database");
            QSqlQuery q(db);
            q.prepare(statement);
            for (const QVariant& v : values)
                q.addBindValue(v);
            if (!q.exec())
                qFatal("server sql failed");
        }
        QSqlDatabase::removeDatabase(QStringLiteral("server-raw"));
    }

private Q_SLOTS:
    void publishedModelMeetsTheLocalGate()
    {
        const QString serverDir = m_tmp.filePath(QStringLiteral("server"));
        ServerProcess server(serverDir);
        QVERIFY(server.start());
        const QString reviewer = server.addUser(QStringLiteral("rita"), QStringLiteral("reviewer"));
        ClientMachine bob(m_tmp.filePath(QStringLiteral("bob")), server.addUser(QStringLiteral("bob"), QStringLiteral("curator")));

        // Bob's own model, trained on his labelled photos of three breeds (none of them class 0-2).
        {
            auto ws = bob.workspace();
            const QString subset = makeOxfordSubset(m_tmp.filePath(QStringLiteral("subset")),
                                                    {QStringLiteral("Bengal"), QStringLiteral("pug"), QStringLiteral("Persian")}, 8);
            const ImportReport imported = importOxford(*ws, subset);
            QCOMPARE(imported.added, 24);
            LearningLoop loop(ws, backbone());
            TrainRequest request;
            request.augmentedViews = 1;
            request.trainer.maxEpochs = 40;
            auto trained = loop.train(request);
            QVERIFY2(trained, trained ? "" : qPrintable(trained.error().message));
            QVERIFY(trained->activated);
            QVERIFY(trained->result.validation.top1 > 0.5);
            QCOMPARE(ws->models().active().value()->version, QStringLiteral("v1"));
        }

        // A worse model is published (it always says "Abyssinian").
        const QByteArray worse = constantBundle(m_tmp.filePath(QStringLiteral("worse.pcmodel")), 0);
        const qint64 first = publish(server, reviewer, worse);

        // First contact: the key is pinned only when the user says so.
        CliRun r = bob.sync(server.port());
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains(QStringLiteral("not pinned yet")) && r.err.contains(QStringLiteral("--trust-server-key")), qPrintable(r.err));
        QCOMPARE(bob.workspace()->models().all().value().size(), 1);

        r = bob.sync(server.port(), {QStringLiteral("--trust-server-key"), QStringLiteral("--json")});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY2(r.err.contains(QStringLiteral("pinned the server's signing key")), qPrintable(r.err));
        QVERIFY2(r.json()[QStringLiteral("model")].toString().contains(QStringLiteral("refused by the local gate")), qPrintable(r.out));
        {
            auto ws = bob.workspace();
            QCOMPARE(ws->models().active().value()->version, QStringLiteral("v1"));
            const auto candidate = ws->models().find(QStringLiteral("v2")).value();
            QVERIFY(candidate);
            QCOMPARE(toString(candidate->state), toString(ModelState::Candidate));
            QVERIFY2(candidate->gateVerdict.contains(QStringLiteral("<")), qPrintable(candidate->gateVerdict));
            QCOMPARE(SyncLedger(ws).lastServerModel().value(), first);
        }
        // Taken in once: the next sync does not fetch it again.
        r = bob.sync(server.port(), {QStringLiteral("--json")});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QCOMPARE(bob.workspace()->models().all().value().size(), 2);

        // With the trust setting on, the next published model goes live without the gate.
        const qint64 second = publish(server, reviewer, constantBundle(m_tmp.filePath(QStringLiteral("worse2.pcmodel")), 1));
        r = bob.sync(server.port(), {QStringLiteral("--trust-server-models"), QStringLiteral("yes"), QStringLiteral("--json")});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY2(r.json()[QStringLiteral("model")].toString().contains(QStringLiteral("activated")), qPrintable(r.out));
        QCOMPARE(bob.workspace()->models().active().value()->version, QStringLiteral("v3"));
        QCOMPARE(SyncLedger(bob.workspace()).lastServerModel().value(), second);

        // Tampered: a signature that belongs to other bytes.
        const QByteArray third = constantBundle(m_tmp.filePath(QStringLiteral("worse3.pcmodel")), 2);
        const qint64 thirdVersion = publish(server, reviewer, third);
        const QString firstSignature = server.get("/api/v1/models/" + QByteArray::number(first), reviewer).json()[QStringLiteral("signature")][QStringLiteral("value")].toString();
        const QString thirdSignature = server.get("/api/v1/models/" + QByteArray::number(thirdVersion), reviewer).json()[QStringLiteral("signature")][QStringLiteral("value")].toString();
        serverSql(serverDir, QStringLiteral("UPDATE models SET signature = ? WHERE version = ?"), {firstSignature, thirdVersion});
        r = bob.sync(server.port());
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains(QStringLiteral("signature does not verify")) && r.err.contains(QStringLiteral("tampered")), qPrintable(r.err));
        QCOMPARE(r.err.trimmed().count(QLatin1Char('\n')), 0);
        QCOMPARE(bob.workspace()->models().all().value().size(), 3);

        // Unsigned.
        serverSql(serverDir, QStringLiteral("UPDATE models SET signature = '' WHERE version = ?"), {thirdVersion});
        r = bob.sync(server.port());
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains(QStringLiteral("unsigned")), qPrintable(r.err));
        QCOMPARE(bob.workspace()->models().all().value().size(), 3);

        // A changed key (the pinned one is not the server's): refused, and said so.
        serverSql(serverDir, QStringLiteral("UPDATE models SET signature = ? WHERE version = ?"), {thirdSignature, thirdVersion});
        {
            QSettings conf(bob.settingsFile(), QSettings::IniFormat);
            QVERIFY(!conf.value(QStringLiteral("sync/pinned_key")).toString().isEmpty());
            conf.setValue(QStringLiteral("sync/pinned_key"), QString::fromLatin1(QByteArray(32, '\x07').toBase64()));
        }
        r = bob.sync(server.port());
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains(QStringLiteral("signing key changed")), qPrintable(r.err));
        QCOMPARE(bob.workspace()->models().all().value().size(), 3);
        // The user re-pins on purpose: the (now intact) model comes in.
        r = bob.sync(server.port(), {QStringLiteral("--forget-server-key"), QStringLiteral("--trust-server-key"), QStringLiteral("--json")});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QCOMPARE(bob.workspace()->models().all().value().size(), 4);
        QCOMPARE(SyncLedger(bob.workspace()).lastServerModel().value(), thirdVersion);
        QCOMPARE(server.terminate(), 0);
    }
};

QTEST_GUILESS_MAIN(TestSyncModels)
#include "TestSyncModels.moc"
