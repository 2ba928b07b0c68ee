// petcurator-server end to end: a real server process on a loopback port, real photos, real
// SQLite (or PostgreSQL with PC_SERVER_TEST_ENGINE=postgresql). Images, label events (post,
// pull, idempotent retry), review and disputes, the seed's /user-labels, models (publish,
// verify, signature), dataset archives, agreement, TLS and graceful shutdown.
#include "ServerTestSupport.h"

#include "model/Backbone.h"
#include "model/BreedCatalog.h"
#include "model/ModelBundle.h"
#include "server/ModelSigner.h"
#include "workspace/OxfordAnnotations.h"

#include <QSqlDatabase>
#include <QSqlQuery>
#include <QSslSocket>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

using namespace pc;
using namespace pc::test;

namespace {

QByteArray photo(const char* name)
{
    const QByteArray bytes = readFile(sampleImage(QString::fromLatin1(name)));
    if (bytes.isEmpty())
        qFatal("sample photo %s is missing", name);
    return bytes;
}

} // namespace

class TestServerApi : public QObject {
    Q_OBJECT

    ServerFixture m_fixture;
    QString m_admin, m_reviewer, m_curator1, m_curator2;
    ServerProcess* m_server = nullptr;

    int eventCount() const { return m_server->get("/api/v1/labels?since=0&limit=1000", m_admin).json()[QStringLiteral("events")].toArray().size(); }

    QString upload(const QString& token, const QByteArray& bytes)
    {
        const HttpReply r = m_server->putImage(token, bytes);
        if (r.status != 201 && r.status != 200)
            qFatal("upload failed: %d %s", r.status, r.body.constData());
        return sha256Hex(bytes);
    }

    QString apiUser(const QString& name, const QString& role)
    {
        const HttpReply r = m_server->postJson("/api/v1/users", m_admin, {{QStringLiteral("name"), name}, {QStringLiteral("role"), role}});
        if (r.status != 201)
            qFatal("POST /users failed: %d %s", r.status, r.body.constData());
        return r.json()[QStringLiteral("token")].toString();
    }

private Q_SLOTS:
    void initTestCase()
    {
        if (ServerFixture::wantsPostgres() && !ServerFixture::postgresAvailable())
            QSKIP("PostgreSQL binaries are not installed");
        const QString why = m_fixture.start();
        QVERIFY2(why.isEmpty(), qPrintable(why));
        m_server = &m_fixture.server();
        m_admin = m_server->addUser(QStringLiteral("admin"), QStringLiteral("admin"));
        m_reviewer = apiUser(QStringLiteral("rita"), QStringLiteral("reviewer"));
        m_curator1 = apiUser(QStringLiteral("carl"), QStringLiteral("curator"));
        m_curator2 = apiUser(QStringLiteral("cleo"), QStringLiteral("curator"));
    }

    void healthAndVersionNeedNoToken()
    {
        HttpReply r = m_server->get("/healthz", {});
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json()[QStringLiteral("status")].toString(), QStringLiteral("ok"));
        r = m_server->get("/api/v1/version", {});
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json()[QStringLiteral("version")].toString(), QStringLiteral(PETCURATOR_VERSION));
        QCOMPARE(r.json()[QStringLiteral("api")].toString(), QStringLiteral("v1"));
        QCOMPARE(r.header("x-content-type-options"), QByteArray("nosniff"));
    }

    void userAddPrintsTheTokenAloneAndStoresOnlyItsHash()
    {
        const ServerProcess::Run r = m_server->command({QStringLiteral("user"), QStringLiteral("add"), QStringLiteral("dora"),
                                                        QStringLiteral("--role"), QStringLiteral("curator")});
        QCOMPARE(r.code, 0);
        const QString token = r.out.trimmed();
        QCOMPARE(r.out, token + QLatin1Char('\n'));
        QVERIFY2(QRegularExpression(QStringLiteral("^pct_[A-Za-z0-9_-]{43}$")).match(token).hasMatch(), qPrintable(token));
        QCOMPARE(m_server->get("/api/v1/me", token).json()[QStringLiteral("name")].toString(), QStringLiteral("dora"));
        const ServerProcess::Run list = m_server->command({QStringLiteral("user"), QStringLiteral("list")});
        QCOMPARE(list.code, 0);
        QVERIFY(list.out.contains(QStringLiteral("\tdora\tcurator\t")));
        QVERIFY(!list.out.contains(token));
        // The same name twice, or a bad role or name: one line on stderr, nothing on stdout.
        for (const QStringList& args : {QStringList{QStringLiteral("dora"), QStringLiteral("--role"), QStringLiteral("curator")},
                                        QStringList{QStringLiteral("eve"), QStringLiteral("--role"), QStringLiteral("root")},
                                        QStringList{QStringLiteral("../eve"), QStringLiteral("--role"), QStringLiteral("curator")}}) {
            const ServerProcess::Run bad = m_server->command(QStringList{QStringLiteral("user"), QStringLiteral("add")} + args);
            QVERIFY(bad.code != 0);
            QVERIFY(bad.out.isEmpty());
            QCOMPARE(bad.err.trimmed().count(QLatin1Char('\n')), 0);
        }
        if (!ServerFixture::wantsPostgres()) { // the token itself is nowhere in the database file
            const QByteArray file = readFile(m_fixture.dir() + QStringLiteral("/server.sqlite"))
                + readFile(m_fixture.dir() + QStringLiteral("/server.sqlite-wal"));
            QVERIFY(!file.contains(token.toLatin1()));
            QVERIFY(file.contains(sha256Hex(token.toLatin1()).toLatin1()));
        }
    }

    void imagesAreContentAddressedAndServedByTheirMagic()
    {
        const QByteArray jpeg = photo("Abyssinian_1.jpg");
        HttpReply r = m_server->putImage(m_curator1, jpeg);
        QCOMPARE(r.status, 201);
        QCOMPARE(r.json()[QStringLiteral("type")].toString(), QStringLiteral("image/jpeg"));
        r = m_server->putImage(m_curator2, jpeg); // dedupe
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json()[QStringLiteral("created")].toBool(), false);
        const QString sha = sha256Hex(jpeg);
        QVERIFY(QFileInfo::exists(m_fixture.dir() + QStringLiteral("/images/") + sha.left(2) + QLatin1Char('/') + sha));

        r = m_server->get("/api/v1/images/" + sha.toLatin1(), m_curator2);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.body, jpeg);
        QCOMPARE(r.header("content-type"), QByteArray("image/jpeg"));
        QCOMPARE(r.header("x-content-type-options"), QByteArray("nosniff"));

        // A PNG uploaded as "image/jpeg" is served as what it is.
        std::vector<uchar> png;
        cv::Mat img = cv::imdecode(std::vector<uchar>(jpeg.begin(), jpeg.end()), cv::IMREAD_COLOR);
        cv::resize(img, img, cv::Size(64, 48));
        cv::imencode(".png", img, png);
        const QByteArray pngBytes(reinterpret_cast<const char*>(png.data()), qsizetype(png.size()));
        QCOMPARE(m_server->putImage(m_curator1, pngBytes).status, 201);
        r = m_server->get("/uploads/" + sha256Hex(pngBytes).toLatin1(), m_curator1);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.header("content-type"), QByteArray("image/png"));
    }

    void labelsPostPullAndRetryIdempotently()
    {
        const QString a = upload(m_curator1, photo("Bengal_10.jpg"));
        const QString b = upload(m_curator1, photo("Bombay_10.jpg"));
        const QString c = upload(m_curator1, photo("pug_112.jpg"));
        const int before = eventCount();
        const QJsonObject batch = labelBatch({{a, QStringLiteral("Bengal")}, {b, QStringLiteral("Bombay")}, {c, QStringLiteral("pug")}});
        HttpReply r = m_server->postJson("/api/v1/labels", m_curator1, batch);
        QCOMPARE(r.status, 201);
        QCOMPARE(r.json()[QStringLiteral("accepted")].toInt(), 3);
        const QJsonArray first = r.json()[QStringLiteral("events")].toArray();
        // The retry (a client that never saw the answer) changes nothing and gets the same seqs.
        r = m_server->postJson("/api/v1/labels", m_curator1, batch);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json()[QStringLiteral("duplicates")].toInt(), 3);
        const QJsonArray again = r.json()[QStringLiteral("events")].toArray();
        QCOMPARE(again.size(), first.size());
        for (qsizetype i = 0; i < again.size(); ++i) {
            QCOMPARE(again[i][QStringLiteral("seq")], first[i][QStringLiteral("seq")]);
            QCOMPARE(again[i][QStringLiteral("uuid")], first[i][QStringLiteral("uuid")]);
            QVERIFY(again[i][QStringLiteral("duplicate")].toBool() && !first[i][QStringLiteral("duplicate")].toBool());
        }
        QCOMPARE(eventCount(), before + 3);

        // The same uuid with other content is a conflict, and the whole batch is refused.
        QJsonObject changed = batch;
        QJsonArray events = changed[QStringLiteral("events")].toArray();
        QJsonObject e0 = events[0].toObject();
        e0[QStringLiteral("breed")] = QStringLiteral("Persian");
        events[0] = e0;
        events.append(labelBatch({{a, QStringLiteral("Bengal")}})[QStringLiteral("events")].toArray()[0]);
        changed[QStringLiteral("events")] = events;
        r = m_server->postJson("/api/v1/labels", m_curator1, changed);
        QCOMPARE(r.status, 409);
        QVERIFY(r.isOneLineError());
        QCOMPARE(eventCount(), before + 3);

        // Pages in server order: since=cursor&limit=N.
        QList<qint64> seqs;
        qint64 cursor = 0;
        for (int guard = 0; guard < 100; ++guard) {
            r = m_server->get("/api/v1/labels?since=" + QByteArray::number(cursor) + "&limit=2", m_curator2);
            QCOMPARE(r.status, 200);
            for (const QJsonValue& v : r.json()[QStringLiteral("events")].toArray())
                seqs << v[QStringLiteral("seq")].toInteger();
            cursor = r.json()[QStringLiteral("next")].toInteger();
            if (!r.json()[QStringLiteral("more")].toBool())
                break;
        }
        QCOMPARE(seqs.size(), before + 3);
        for (qsizetype i = 1; i < seqs.size(); ++i)
            QVERIFY(seqs[i] > seqs[i - 1]);
        const QJsonObject last = m_server->get("/api/v1/labels?since=" + QByteArray::number(seqs[seqs.size() - 2]), m_curator2)
                                     .json()[QStringLiteral("events")].toArray()[0].toObject();
        QCOMPARE(last[QStringLiteral("breed")].toString(), QStringLiteral("pug"));
        QCOMPARE(last[QStringLiteral("label")].toInt(), BreedCatalog::oxford().indexOf(QStringLiteral("pug")));
        QCOMPARE(last[QStringLiteral("author")].toString(), QStringLiteral("carl"));
        QCOMPARE(last[QStringLiteral("status")].toString(), QStringLiteral("pending"));
        // label index instead of a name
        QJsonObject byIndex{{QStringLiteral("events"), QJsonArray{QJsonObject{{QStringLiteral("uuid"), newUuid()}, {QStringLiteral("image"), a}, {QStringLiteral("label"), 36}}}}};
        r = m_server->postJson("/api/v1/labels", m_curator2, byIndex);
        QCOMPARE(r.status, 201);
    }

    void twoCuratorsDisagreeThenAReviewerDecides()
    {
        const QString image = upload(m_curator1, photo("Birman_102.jpg"));
        QStringList first, second;
        QCOMPARE(m_server->postJson("/api/v1/labels", m_curator1, labelBatch({{image, QStringLiteral("Birman")}}, &first)).status, 201);
        QCOMPARE(m_server->postJson("/api/v1/labels", m_curator2, labelBatch({{image, QStringLiteral("Ragdoll")}}, &second)).status, 201);

        HttpReply r = m_server->get("/api/v1/review", m_reviewer);
        QCOMPARE(r.status, 200);
        QJsonObject item;
        for (const QJsonValue& v : r.json()[QStringLiteral("items")].toArray())
            if (v[QStringLiteral("image")].toString() == image)
                item = v.toObject();
        QVERIFY(item[QStringLiteral("disputed")].toBool());
        QCOMPARE(item[QStringLiteral("labels")].toArray().size(), 2); // both events kept
        QCOMPARE(r.json()[QStringLiteral("items")].toArray().first()[QStringLiteral("disputed")].toBool(), true); // disputed first
        // Not in the seed export while disputed.
        auto inUserLabels = [&](const QString& sha) {
            for (const QJsonValue& v : m_server->get("/api/v1/user-labels", m_curator1).array())
                if (v[QStringLiteral("url")].toString().endsWith(sha))
                    return v[QStringLiteral("name")].toString();
            return QString();
        };
        QCOMPARE(inUserLabels(image), QString());

        // A rejection needs a reason; nobody reviews their own label; curators don't review.
        QCOMPARE(m_server->postJson("/api/v1/review/" + first[0].toLatin1(), m_reviewer, {{QStringLiteral("decision"), QStringLiteral("reject")}}).status, 400);
        QCOMPARE(m_server->postJson("/api/v1/review/" + first[0].toLatin1(), m_curator2, {{QStringLiteral("decision"), QStringLiteral("approve")}}).status, 403);

        const QString verdictUuid = newUuid();
        const QJsonObject approve{{QStringLiteral("decision"), QStringLiteral("approve")}, {QStringLiteral("reason"), QStringLiteral("seal-point, white gloves")},
                                  {QStringLiteral("uuid"), verdictUuid}};
        r = m_server->postJson("/api/v1/review/" + first[0].toLatin1(), m_reviewer, approve);
        QCOMPARE(r.status, 201);
        const QJsonArray verdicts = r.json()[QStringLiteral("verdicts")].toArray();
        QCOMPARE(verdicts.size(), 2); // the approval, and the disagreeing label rejected with it
        QCOMPARE(verdicts[0][QStringLiteral("target")].toString(), first[0]);
        QCOMPARE(verdicts[0][QStringLiteral("status")].toString(), QStringLiteral("approved"));
        QCOMPARE(verdicts[1][QStringLiteral("target")].toString(), second[0]);
        QCOMPARE(verdicts[1][QStringLiteral("status")].toString(), QStringLiteral("rejected"));
        // Retrying the verdict changes nothing.
        const int events = eventCount();
        r = m_server->postJson("/api/v1/review/" + first[0].toLatin1(), m_reviewer, approve);
        QCOMPARE(r.status, 200);
        QVERIFY(r.json()[QStringLiteral("unchanged")].toBool());
        QCOMPARE(eventCount(), events);

        for (const QJsonValue& v : m_server->get("/api/v1/review", m_reviewer).json()[QStringLiteral("items")].toArray())
            QVERIFY(v[QStringLiteral("image")].toString() != image);
        QCOMPARE(inUserLabels(image), QStringLiteral("Birman"));
        // The verdicts reach every client through the pull, in order.
        const QJsonArray pulled = m_server->get("/api/v1/labels?since=0&limit=1000", m_curator2).json()[QStringLiteral("events")].toArray();
        QCOMPARE(pulled[pulled.size() - 2][QStringLiteral("kind")].toString(), QStringLiteral("review"));
        QCOMPARE(pulled[pulled.size() - 2][QStringLiteral("reason")].toString(), QStringLiteral("seal-point, white gloves"));
        QCOMPARE(pulled[pulled.size() - 1][QStringLiteral("target")].toString(), second[0]);
    }

    void userLabelsKeepsTheSeedShape()
    {
        const QString yorkie = upload(m_reviewer, photo("yorkshire_terrier_100.jpg"));
        QCOMPARE(m_server->postJson("/api/v1/labels", m_reviewer, labelBatch({{yorkie, QStringLiteral("yorkshire_terrier")}})).status, 201);
        const HttpReply r = m_server->get("/api/v1/user-labels", m_curator1);
        QCOMPARE(r.status, 200);
        const QJsonArray all = r.array();
        QVERIFY(all.size() >= 4);
        bool sawYorkie = false, sawAbyssinianIndex = false;
        for (const QJsonValue& v : all) {
            const QJsonObject o = v.toObject();
            QCOMPARE(o.keys(), (QStringList{QStringLiteral("id"), QStringLiteral("label"), QStringLiteral("name"), QStringLiteral("url")}));
            QVERIFY(o[QStringLiteral("id")].isDouble());
            const int label = o[QStringLiteral("label")].toInt();
            QCOMPARE(o[QStringLiteral("name")].toString(), BreedCatalog::oxford().at(label).name);
            if (o[QStringLiteral("url")].toString() == QStringLiteral("/uploads/") + yorkie) {
                sawYorkie = true;
                QCOMPARE(label, 36);
                QCOMPARE(o[QStringLiteral("name")].toString(), QStringLiteral("Yorkshire Terrier"));
            }
            sawAbyssinianIndex = sawAbyssinianIndex || (label == 0 && o[QStringLiteral("name")].toString() == QStringLiteral("Abyssinian"));
        }
        QVERIFY(sawYorkie);
        // The url serves the bytes to the same token, and to nobody without one.
        QCOMPARE(m_server->get("/uploads/" + yorkie.toLatin1(), m_curator1).body, photo("yorkshire_terrier_100.jpg"));
        QCOMPARE(m_server->get("/uploads/" + yorkie.toLatin1(), {}).status, 401);
        // ?approved=1: only reviewed labels (curators' pending ones stay out).
        for (const QJsonValue& v : m_server->get("/api/v1/user-labels?approved=1", m_curator1).array())
            QVERIFY(v[QStringLiteral("name")].toString() != QStringLiteral("Pug"));
        Q_UNUSED(sawAbyssinianIndex);
    }

    void modelsArePublishedVerifiedAndSigned()
    {
        QTemporaryDir tmp;
        const QByteArray bundle = makeTestBundle(tmp.filePath(QStringLiteral("good.pcmodel")));
        const QByteArray sha = sha256Hex(bundle).toLatin1();
        HttpReply r = m_server->request("POST", "/api/v1/models", m_reviewer, bundle, "application/octet-stream", {"X-Checksum-Sha256: " + sha});
        QCOMPARE(r.status, 201);
        const qint64 version = r.json()[QStringLiteral("version")].toInteger();
        QVERIFY(version >= 1);
        QCOMPARE(r.json()[QStringLiteral("classes")].toInt(), 37);
        QCOMPARE(r.json()[QStringLiteral("source_version")].toString(), QStringLiteral("v3"));
        // Publishing the same bytes again gives the same version.
        r = m_server->request("POST", "/api/v1/models", m_admin, bundle, "application/octet-stream", {"X-Checksum-Sha256: " + sha});
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json()[QStringLiteral("version")].toInteger(), version);

        QCOMPARE(m_server->get("/api/v1/models/latest", m_curator1).json()[QStringLiteral("version")].toInteger(), version);
        QCOMPARE(m_server->get("/api/v1/models/" + QByteArray::number(version), m_curator1).json()[QStringLiteral("sha256")].toString(), QString::fromLatin1(sha));
        QCOMPARE(m_server->get("/api/v1/models", m_curator1).json()[QStringLiteral("models")].toArray().size(), 1);

        // The bundle comes back byte for byte with a signature that the published key verifies.
        r = m_server->get("/api/v1/models/" + QByteArray::number(version) + "/bundle", m_curator2);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.body, bundle);
        QCOMPARE(r.header("x-checksum-sha256"), sha);
        const QJsonObject key = m_server->get("/api/v1/signing-key", {}).json();
        QCOMPARE(key[QStringLiteral("algorithm")].toString(), QStringLiteral("Ed25519"));
        const QByteArray publicKey = QByteArray::fromBase64(key[QStringLiteral("public_key")].toString().toLatin1());
        const QByteArray signature = QByteArray::fromBase64(r.header("x-signature-ed25519"));
        QVERIFY(server::ModelSigner::verify(publicKey, r.body, signature));
        QByteArray tampered = r.body;
        tampered[tampered.size() / 2] = char(tampered[tampered.size() / 2] ^ 1);
        QVERIFY(!server::ModelSigner::verify(publicKey, tampered, signature));
        // The CLI shows the same key, for pinning.
        QCOMPARE(m_server->command({QStringLiteral("key"), QStringLiteral("show")}).out.trimmed(), key[QStringLiteral("public_key")].toString());

        // Refused: a checksum that doesn't match, none at all, the wrong class list, a corrupt bundle.
        r = m_server->request("POST", "/api/v1/models", m_reviewer, bundle, "application/octet-stream", {"X-Checksum-Sha256: " + QByteArray(64, 'a')});
        QCOMPARE(r.status, 400);
        QVERIFY(r.isOneLineError());
        QCOMPARE(m_server->request("POST", "/api/v1/models", m_reviewer, bundle, "application/octet-stream").status, 400);
        const QByteArray wrongClasses = makeTestBundle(tmp.filePath(QStringLiteral("36.pcmodel")), 36);
        r = m_server->request("POST", "/api/v1/models", m_reviewer, wrongClasses, "application/octet-stream", {"X-Checksum-Sha256: " + sha256Hex(wrongClasses).toLatin1()});
        QCOMPARE(r.status, 422);
        QVERIFY2(r.error().contains(QStringLiteral("classes")), qPrintable(r.error()));
        QByteArray corrupt = makeTestBundle(tmp.filePath(QStringLiteral("other.pcmodel")), 37, 0.7f);
        corrupt[100] = char(corrupt[100] ^ 0x10);
        r = m_server->request("POST", "/api/v1/models", m_reviewer, corrupt, "application/octet-stream", {"X-Checksum-Sha256: " + sha256Hex(corrupt).toLatin1()});
        QCOMPARE(r.status, 422);
        QCOMPARE(m_server->get("/api/v1/models", m_curator1).json()[QStringLiteral("models")].toArray().size(), 1);
        QCOMPARE(m_server->get("/api/v1/models/99", m_curator1).status, 404);
    }

    void exportsArchivesThatOurImporterReads()
    {
        QTemporaryDir tmp;
        for (const QByteArray format : {QByteArray("folders"), QByteArray("oxford")}) {
            const HttpReply r = m_server->get("/api/v1/export?format=" + format, m_reviewer);
            QCOMPARE(r.status, 200);
            QCOMPARE(r.header("content-type"), QByteArray("application/x-tar"));
            const QString tar = tmp.filePath(QString::fromLatin1(format) + QStringLiteral(".tar"));
            QFile f(tar);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(r.body);
            f.close();
            QProcess p;
            p.start(QStringLiteral("tar"), {QStringLiteral("-xf"), tar, QStringLiteral("-C"), tmp.path()});
            QVERIFY(p.waitForFinished(60000));
            QCOMPARE(p.exitCode(), 0);
        }
        const QString yorkie = sha256Hex(photo("yorkshire_terrier_100.jpg"));
        QCOMPARE(readFile(tmp.filePath(QStringLiteral("petcurator-dataset/yorkshire_terrier/") + yorkie + QStringLiteral(".jpg"))),
                 photo("yorkshire_terrier_100.jpg"));
        const OxfordAnnotations oxford = OxfordAnnotations::read(tmp.filePath(QStringLiteral("petcurator-oxford")));
        QVERIFY(oxford.found);
        QVERIFY2(oxford.issues.isEmpty(), qPrintable(oxford.issues.value(0).second));
        QCOMPARE(oxford.entries.size(), m_server->get("/api/v1/user-labels", m_reviewer).array().size());
        for (const OxfordEntry& e : oxford.entries) {
            QCOMPARE(BreedCatalog::oxford().at(e.breedIndex).id, e.name.section(QLatin1Char('_'), 0, -2));
            QVERIFY(QFileInfo::exists(tmp.filePath(QStringLiteral("petcurator-oxford/images/")) + e.name + QStringLiteral(".jpg"))
                    || QFileInfo::exists(tmp.filePath(QStringLiteral("petcurator-oxford/images/")) + e.name + QStringLiteral(".png")));
        }
        QCOMPARE(m_server->get("/api/v1/export?format=zip", m_reviewer).status, 400);
        QCOMPARE(m_server->get("/api/v1/export", m_curator1).status, 403);
    }

    void keepAliveAnswersInRequestOrder()
    {
        QTcpSocket s;
        s.connectToHost(QHostAddress::LocalHost, m_server->port());
        QVERIFY(s.waitForConnected(5000));
        const QByteArray one = "GET /api/v1/version HTTP/1.1\r\nHost: x\r\n\r\n";
        const QByteArray two = "GET /api/v1/labels?since=0&limit=1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + m_admin.toLatin1() + "\r\n\r\n";
        s.write(two + one + two); // pipelined: three answers, in this order
        QByteArray data;
        QElapsedTimer t;
        t.start();
        while (data.count("HTTP/1.1 200") < 3 && t.elapsed() < 20000) {
            s.waitForReadyRead(200);
            data += s.readAll();
        }
        QCOMPARE(data.count("HTTP/1.1 200"), 3);
        const qsizetype v = data.indexOf("\"api\":\"v1\"");
        QVERIFY(data.indexOf("\"events\"") < v && data.lastIndexOf("\"events\"") > v);
    }

    void agreementIsCohensKappaPerPair()
    {
        // Its own server, so earlier tests' labels don't count: 6 images, two curators agreeing
        // on 4 (κ by hand below), a third on 2 of them.
        const QString why = m_fixture.start(QStringLiteral("agreement"));
        QVERIFY2(why.isEmpty(), qPrintable(why));
        ServerProcess& s = m_fixture.server(int(1));
        const QString admin = s.addUser(QStringLiteral("admin"), QStringLiteral("admin"));
        auto user = [&](const char* name) {
            return s.postJson("/api/v1/users", admin, {{QStringLiteral("name"), QLatin1String(name)}, {QStringLiteral("role"), QStringLiteral("curator")}})
                .json()[QStringLiteral("token")].toString();
        };
        const QString a = user("ann"), b = user("ben"), c = user("cat");
        const char* files[] = {"Abyssinian_10.jpg", "Abyssinian_100.jpg", "Bengal_100.jpg", "Bengal_101.jpg", "pug_127.jpg", "pug_139.jpg"};
        QStringList images;
        for (const char* f : files) {
            const QByteArray bytes = photo(f);
            QVERIFY(s.putImage(a, bytes).status / 100 == 2);
            images << sha256Hex(bytes);
        }
        const QString A = QStringLiteral("Abyssinian"), B = QStringLiteral("Bengal"), P = QStringLiteral("pug");
        QCOMPARE(s.postJson("/api/v1/labels", a, labelBatch({{images[0], A}, {images[1], A}, {images[2], B}, {images[3], B}, {images[4], P}, {images[5], P}})).status, 201);
        QCOMPARE(s.postJson("/api/v1/labels", b, labelBatch({{images[0], A}, {images[1], B}, {images[2], B}, {images[3], A}, {images[4], P}, {images[5], P}})).status, 201);
        QCOMPARE(s.postJson("/api/v1/labels", c, labelBatch({{images[0], A}, {images[1], A}})).status, 201);
        const HttpReply r = s.get("/api/v1/agreement", admin);
        QCOMPARE(r.status, 200);
        const QJsonObject o = r.json();
        QCOMPARE(o[QStringLiteral("images")].toInt(), 6);
        QCOMPARE(o[QStringLiteral("raters")].toInt(), 3);
        const QJsonArray pairs = o[QStringLiteral("pairs")].toArray();
        QCOMPARE(pairs.size(), 3);
        // ann–ben: 6 images, 4 alike; each uses A 2, B 2, P 2 → pe = 3·(1/3)² = 1/3;
        // κ = (4/6 − 1/3) / (1 − 1/3) = 0.5.
        QCOMPARE(pairs[0][QStringLiteral("a")].toString(), QStringLiteral("ann"));
        QCOMPARE(pairs[0][QStringLiteral("b")].toString(), QStringLiteral("ben"));
        QCOMPARE(pairs[0][QStringLiteral("images")].toInt(), 6);
        QVERIFY(qAbs(pairs[0][QStringLiteral("kappa")].toDouble() - 0.5) < 1e-9);
        // ann–cat: both say Abyssinian twice: chance agreement is 1, κ undefined.
        QCOMPARE(pairs[1][QStringLiteral("b")].toString(), QStringLiteral("cat"));
        QVERIFY(pairs[1][QStringLiteral("kappa")].isNull());
        QCOMPARE(pairs[1][QStringLiteral("observed")].toDouble(), 1.0);
        // ben–cat: 2 images, 1 alike; ben A,B; cat A,A → pe = ½·1 = ½; κ = (½−½)/(½) = 0.
        QVERIFY(qAbs(pairs[2][QStringLiteral("kappa")].toDouble()) < 1e-9);
        // overall: mean of the defined κs = (0.5 + 0) / 2.
        QVERIFY(qAbs(o[QStringLiteral("overall")].toObject()[QStringLiteral("kappa")].toDouble() - 0.25) < 1e-9);
        QCOMPARE(s.get("/api/v1/agreement", a).status, 403);
        QCOMPARE(s.terminate(), 0);
    }

    void servesTls()
    {
        if (ServerFixture::wantsPostgres())
            QSKIP("TLS does not depend on the database engine; covered by the SQLite run");
        QTemporaryDir tmp;
        QProcess openssl;
        openssl.start(QStringLiteral("openssl"), {QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"), QStringLiteral("ec"),
                                                 QStringLiteral("-pkeyopt"), QStringLiteral("ec_paramgen_curve:prime256v1"), QStringLiteral("-nodes"),
                                                 QStringLiteral("-keyout"), tmp.filePath(QStringLiteral("key.pem")), QStringLiteral("-out"),
                                                 tmp.filePath(QStringLiteral("cert.pem")), QStringLiteral("-days"), QStringLiteral("2"),
                                                 QStringLiteral("-subj"), QStringLiteral("/CN=127.0.0.1")});
        if (!openssl.waitForFinished(30000) || openssl.exitCode() != 0)
            QSKIP("the openssl command is not available to make a test certificate");
        ServerProcess tls(tmp.filePath(QStringLiteral("data")));
        QVERIFY(tls.start({QStringLiteral("--tls-cert"), tmp.filePath(QStringLiteral("cert.pem")), QStringLiteral("--tls-key"), tmp.filePath(QStringLiteral("key.pem"))}));
        QSslSocket s;
        s.setPeerVerifyMode(QSslSocket::VerifyPeer);
        QSslConfiguration config = s.sslConfiguration();
        config.setCaCertificates(QSslCertificate::fromPath(tmp.filePath(QStringLiteral("cert.pem"))));
        s.setSslConfiguration(config);
        s.connectToHostEncrypted(QStringLiteral("127.0.0.1"), tls.port());
        QVERIFY2(s.waitForEncrypted(10000), qPrintable(s.errorString()));
        s.write("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        QByteArray data;
        QElapsedTimer t;
        t.start();
        while (!data.contains("\"ok\"") && t.elapsed() < 10000) {
            s.waitForReadyRead(200);
            data += s.readAll();
        }
        QVERIFY2(data.startsWith("HTTP/1.1 200"), data.constData());
        // Plain HTTP on the TLS port gets no answer.
        QCOMPARE(rawRequest(tls.port(), requestBytes("GET", "/healthz", {}), 3000).status, 0);
        QCOMPARE(tls.terminate(), 0);
    }

    // Last: SIGTERM while an upload is still arriving. The upload is answered, then the server
    // exits 0; new connections are refused meanwhile.
    void sigtermFinishesInFlightRequestsThenExitsZero()
    {
        const QByteArray bytes = photo("samoyed_108.jpg");
        QTcpSocket s;
        s.connectToHost(QHostAddress::LocalHost, m_server->port());
        QVERIFY(s.waitForConnected(5000));
        const QByteArray head = "PUT /api/v1/images/" + sha256Hex(bytes).toLatin1() + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
            + m_curator1.toLatin1() + "\r\nContent-Type: image/jpeg\r\nContent-Length: " + QByteArray::number(bytes.size()) + "\r\n\r\n";
        s.write(head + bytes.left(bytes.size() / 2));
        QVERIFY(s.waitForBytesWritten(5000));
        QThread::msleep(300);
        ::kill(pid_t(m_server->process()->processId()), SIGTERM);
        QThread::msleep(500);
        QCOMPARE(m_server->process()->state(), QProcess::Running); // still waiting for the upload
        QTcpSocket late;
        late.connectToHost(QHostAddress::LocalHost, m_server->port());
        QVERIFY(!late.waitForConnected(2000) || !late.waitForReadyRead(1000)); // not accepted any more
        s.write(bytes.mid(bytes.size() / 2));
        QByteArray data;
        QElapsedTimer t;
        t.start();
        while (!data.contains("\r\n\r\n{") && t.elapsed() < 20000) {
            s.waitForReadyRead(200);
            data += s.readAll();
        }
        QVERIFY2(data.startsWith("HTTP/1.1 201"), data.left(200).constData());
        QVERIFY(m_server->process()->waitForFinished(30000));
        QCOMPARE(m_server->process()->exitStatus(), QProcess::NormalExit);
        QCOMPARE(m_server->process()->exitCode(), 0);
        QVERIFY(m_server->stderrText().contains("all requests finished"));
    }
};

QTEST_GUILESS_MAIN(TestServerApi)
#include "TestServerApi.moc"
