// petcurator-server's bad-input corpus, endpoint by endpoint: every entry gets a 4xx with a
// one-line JSON reason, and none of them writes anything (counted before and after).
#include "ServerTestSupport.h"

using namespace pc;
using namespace pc::test;

class TestServerBadInput : public QObject {
    Q_OBJECT

    ServerFixture m_fixture;
    ServerProcess* m_server = nullptr;
    QString m_admin, m_reviewer, m_curator;
    QString m_image;
    qint64 m_labelSeq = 0, m_reviewSeq = 0;

    struct Snapshot {
        int events = 0, users = 0, tokens = 0, models = 0, imageFiles = 0;
        bool operator==(const Snapshot&) const = default;
    };
    Snapshot snapshot() const
    {
        Snapshot s;
        s.events = int(m_server->get("/api/v1/labels?since=0&limit=1000", m_admin).json()[QStringLiteral("events")].toArray().size());
        s.users = int(m_server->get("/api/v1/users", m_admin).json()[QStringLiteral("users")].toArray().size());
        s.tokens = int(m_server->get("/api/v1/tokens?all=1", m_admin).json()[QStringLiteral("tokens")].toArray().size());
        s.models = int(m_server->get("/api/v1/models", m_admin).json()[QStringLiteral("models")].toArray().size());
        QDirIterator it(m_fixture.dir() + QStringLiteral("/images"), QDir::Files, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            it.next();
            ++s.imageFiles;
        }
        return s;
    }

    // Expects a 4xx (exactly `status` when given) with a one-line JSON error.
    void expectRefused(const HttpReply& r, int status, const QByteArray& what)
    {
        const QByteArray text = what + " -> " + QByteArray::number(r.status) + ' ' + r.body.left(300);
        if (status)
            QVERIFY2(r.status == status, text.constData());
        else
            QVERIFY2(r.status >= 400 && r.status < 500, text.constData());
        QVERIFY2(r.isOneLineError(), text.constData());
    }

    void post(const QByteArray& path, const QString& token, const QByteArray& body, int status, const QByteArray& type = "application/json")
    {
        expectRefused(m_server->request("POST", path, token, body, type), status, "POST " + path + ' ' + body.left(120));
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
        m_reviewer = m_server->postJson("/api/v1/users", m_admin, {{QStringLiteral("name"), QStringLiteral("rev")}, {QStringLiteral("role"), QStringLiteral("reviewer")}})
                         .json()[QStringLiteral("token")].toString();
        m_curator = m_server->postJson("/api/v1/users", m_admin, {{QStringLiteral("name"), QStringLiteral("cur")}, {QStringLiteral("role"), QStringLiteral("curator")}})
                        .json()[QStringLiteral("token")].toString();
        const QByteArray photo = readFile(sampleImage(QStringLiteral("Abyssinian_1.jpg")));
        QCOMPARE(m_server->putImage(m_curator, photo).status, 201);
        m_image = sha256Hex(photo);
        HttpReply r = m_server->postJson("/api/v1/labels", m_curator, labelBatch({{m_image, QStringLiteral("Abyssinian")}}));
        m_labelSeq = r.json()[QStringLiteral("events")].toArray()[0][QStringLiteral("seq")].toInteger();
        r = m_server->postJson("/api/v1/review/" + QByteArray::number(m_labelSeq), m_reviewer, {{QStringLiteral("decision"), QStringLiteral("approve")}});
        QCOMPARE(r.status, 201);
        m_reviewSeq = r.json()[QStringLiteral("verdicts")].toArray()[0][QStringLiteral("seq")].toInteger();
    }

    void pathTricks()
    {
        const Snapshot before = snapshot();
        const QByteArray sha = m_image.toLatin1();
        const QList<QPair<QByteArray, QByteArray>> tricks = {
            {"GET", "/api/v1/images/../../../etc/passwd"},
            {"GET", "/api/v1/images/..%2f..%2f..%2fetc%2fpasswd"},
            {"GET", "/api/v1/images/%2e%2e/%2e%2e/server.sqlite"},
            {"GET", "/uploads/..%2F..%2Fserver.sqlite"},
            {"GET", "/uploads/../signing-key.pem"},
            {"GET", "/api/v1/models/..%2fsigning-key.pem/bundle"},
            {"GET", "/api/v1/models/1%00/bundle"},
            {"GET", "/api/v1/images/%00"},
            {"GET", "/api/v1/images/..\\..\\server.sqlite"},
            {"GET", "//api/v1/version"},
            {"GET", "/api/v1//labels"},
            {"GET", "/api/v1/./labels"},
            {"GET", "/api/v1/images/" + sha.toUpper()},
            {"GET", "/api/v1/images/" + sha + ".jpg"},
            {"GET", "/api/v1/images/" + sha.left(63)},
            {"GET", "/api/v1/images/images"},
            {"PUT", "/api/v1/images/..%2f..%2fevil"},
            {"PUT", "/api/v1/images/" + QByteArray(64, 'g')},
            {"GET", "/api/v1/models/-1"},
            {"GET", "/api/v1/models/1e3"},
            {"GET", "/api/v1/nothing"},
            {"GET", "/etc/passwd"},
        };
        for (const auto& [method, path] : tricks) {
            const HttpReply r = m_server->request(method, path, m_admin, method == "PUT" ? QByteArray("x") : QByteArray(), "image/jpeg");
            expectRefused(r, 0, method + ' ' + path);
            QVERIFY(!r.body.contains("PRIVATE KEY") && !r.body.contains("SQLite format"));
        }
        QCOMPARE(snapshot(), before);
    }

    void imageUploads()
    {
        const Snapshot before = snapshot();
        const QByteArray photo = readFile(sampleImage(QStringLiteral("Bengal_10.jpg")));
        auto put = [&](const QByteArray& bytes, const QString& name, int status, const char* what) {
            expectRefused(m_server->putImage(m_curator, bytes, name), status, what);
        };
        put(photo, sha256Hex("something else"), 400, "bytes that don't hash to their name");
        const QByteArray html = "<html><body><script>alert(document.cookie)</script></body></html>";
        put(html, sha256Hex(html), 415, "HTML");
        const QByteArray svg = "<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>";
        put(svg, sha256Hex(svg), 415, "SVG");
        const QByteArray polyglot = QByteArray("\xFF\xD8\xFF\xE0") + html;
        put(polyglot, sha256Hex(polyglot), 422, "JPEG magic in front of HTML");
        const QByteArray truncated = photo.left(300);
        put(truncated, sha256Hex(truncated), 422, "a truncated JPEG");
        expectRefused(m_server->request("PUT", "/api/v1/images/" + sha256Hex(QByteArray()).toLatin1(), m_curator, {}, "image/jpeg"), 400, "empty body");
        // Chunked: 411, and the body is never read.
        expectRefused(rawRequest(m_server->port(), "PUT /api/v1/images/" + sha256Hex(photo).toLatin1() + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                                                       + m_curator.toLatin1() + "\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n"),
                      411, "chunked upload");
        // 413 before the body: the head announces 30 MB and the answer comes without one byte sent.
        expectRefused(rawRequest(m_server->port(), "PUT /api/v1/images/" + sha256Hex(photo).toLatin1() + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                                                       + m_curator.toLatin1() + "\r\nContent-Length: 31457280\r\n\r\n", 15000),
                      413, "30 MB announced, nothing sent");
        expectRefused(rawRequest(m_server->port(), "POST /api/v1/labels HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2000000\r\n\r\n", 15000),
                      413, "2 MB of JSON announced");
        expectRefused(rawRequest(m_server->port(), "GET /api/v1/version HTTP/1.1\r\nHost: x\r\nX-Filler: " + QByteArray(20000, 'a') + "\r\n\r\n", 15000),
                      431, "20 kB of headers");
        expectRefused(rawRequest(m_server->port(), "POST /api/v1/labels HTTP/1.1\r\nHost: x\r\nContent-Length: 12\r\nContent-Length: 13\r\n\r\n{\"events\":[]}"),
                      400, "two Content-Lengths");
        QCOMPARE(m_server->get("/api/v1/images/" + sha256Hex(photo).toLatin1(), m_curator).status, 404);
        QCOMPARE(snapshot(), before);
        // The server is still well after all that.
        QCOMPARE(m_server->get("/healthz", {}).status, 200);
    }

    void labelPosts()
    {
        const Snapshot before = snapshot();
        const QString img = m_image;
        auto event = [&](QJsonObject fields) {
            QJsonObject e{{QStringLiteral("uuid"), newUuid()}, {QStringLiteral("image"), img}, {QStringLiteral("breed"), QStringLiteral("Abyssinian")}};
            for (auto it = fields.begin(); it != fields.end(); ++it) {
                if (it.value().isNull())
                    e.remove(it.key());
                else
                    e.insert(it.key(), it.value());
            }
            return QJsonDocument(QJsonObject{{QStringLiteral("events"), QJsonArray{e}}}).toJson(QJsonDocument::Compact);
        };
        const QByteArray p = "/api/v1/labels";
        post(p, m_curator, "{\"events\":[", 400);
        post(p, m_curator, "{\"events\": [{\"uuid\": 'single'}]}", 400);
        post(p, m_curator, "[]", 400);
        post(p, m_curator, "\"events\"", 400);
        post(p, m_curator, "", 400);
        post(p, m_curator, "{\"events\":" + QByteArray(100, '[') + QByteArray(100, ']') + "}", 400);
        post(p, m_curator, QByteArray(100000, '[') + QByteArray(100000, ']'), 400);
        post(p, m_curator, "{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":{\"f\":{\"g\":{\"h\":{\"i\":1}}}}}}}}}", 400);
        post(p, m_curator, event({}), 415, "text/plain");
        post(p, m_curator, event({}), 415, "application/x-www-form-urlencoded");
        post(p, m_curator, "{\"events\":{}}", 400);
        post(p, m_curator, "{\"events\":[]}", 400);
        post(p, m_curator, "{\"events\":[1]}", 400);
        post(p, m_curator, "{\"events\":[], \"extra\":1}", 400);
        QJsonArray tooMany;
        for (int i = 0; i < 501; ++i)
            tooMany.append(QJsonObject{{QStringLiteral("uuid"), newUuid()}, {QStringLiteral("image"), img}, {QStringLiteral("breed"), QStringLiteral("pug")}});
        post(p, m_curator, QJsonDocument(QJsonObject{{QStringLiteral("events"), tooMany}}).toJson(QJsonDocument::Compact), 400);
        for (const QJsonValue& breed : {QJsonValue(QStringLiteral("Dragon")), QJsonValue(QStringLiteral("Abyssinian'; DROP TABLE events;--")),
                                        QJsonValue(QStringLiteral("16")), QJsonValue(QStringLiteral("")), QJsonValue(7), QJsonValue(QJsonArray{})})
            post(p, m_curator, event({{QStringLiteral("breed"), breed}}), 400);
        for (const QJsonValue& label : {QJsonValue(37), QJsonValue(-1), QJsonValue(1.5), QJsonValue(QStringLiteral("0"))})
            post(p, m_curator, event({{QStringLiteral("breed"), QJsonValue::Null}, {QStringLiteral("label"), label}}), 400);
        post(p, m_curator, event({{QStringLiteral("label"), 3}}), 400); // both breed and label
        post(p, m_curator, event({{QStringLiteral("breed"), QJsonValue::Null}}), 400); // neither
        for (const QString& uuid : {QStringLiteral("not-a-uuid"), QStringLiteral("' OR 1=1 --"), QStringLiteral("{00000000-0000-0000-0000-000000000000}"), QString()})
            post(p, m_curator, event({{QStringLiteral("uuid"), uuid}}), 400);
        post(p, m_curator, event({{QStringLiteral("image"), QStringLiteral("../../etc/passwd")}}), 400);
        post(p, m_curator, event({{QStringLiteral("image"), m_image.toUpper()}}), 400);
        post(p, m_curator, event({{QStringLiteral("image"), sha256Hex("never uploaded")}}), 422);
        post(p, m_curator, event({{QStringLiteral("at"), QStringLiteral("yesterday")}}), 400);
        post(p, m_curator, event({{QStringLiteral("status"), QStringLiteral("approved")}}), 400); // a curator can't self-approve
        // One good event and one bad: nothing at all is written.
        const QJsonArray mixed{QJsonObject{{QStringLiteral("uuid"), newUuid()}, {QStringLiteral("image"), img}, {QStringLiteral("breed"), QStringLiteral("pug")}},
                               QJsonObject{{QStringLiteral("uuid"), newUuid()}, {QStringLiteral("image"), img}, {QStringLiteral("breed"), QStringLiteral("unicorn")}}};
        post(p, m_curator, QJsonDocument(QJsonObject{{QStringLiteral("events"), mixed}}).toJson(QJsonDocument::Compact), 400);
        const QJsonArray mixedImage{QJsonObject{{QStringLiteral("uuid"), newUuid()}, {QStringLiteral("image"), img}, {QStringLiteral("breed"), QStringLiteral("pug")}},
                                    QJsonObject{{QStringLiteral("uuid"), newUuid()}, {QStringLiteral("image"), sha256Hex("absent")}, {QStringLiteral("breed"), QStringLiteral("pug")}}};
        post(p, m_curator, QJsonDocument(QJsonObject{{QStringLiteral("events"), mixedImage}}).toJson(QJsonDocument::Compact), 422);
        QCOMPARE(snapshot(), before);
    }

    void labelPulls()
    {
        for (const QByteArray q : {QByteArray("since=-1"), QByteArray("since=abc"), QByteArray("since=1%20OR%201=1"), QByteArray("since=1;DROP%20TABLE%20events"),
                                   QByteArray("limit=0"), QByteArray("limit=100000"), QByteArray("limit=1.5"), QByteArray("since=99999999999999999999"),
                                   QByteArray("cursor=1"), QByteArray("since=%00")})
            expectRefused(m_server->get("/api/v1/labels?" + q, m_curator), 400, "GET /labels?" + q);
        expectRefused(m_server->get("/api/v1/review?limit=0", m_reviewer), 400, "review limit 0");
        expectRefused(m_server->get("/api/v1/user-labels?approved=yes", m_curator), 400, "approved=yes");
        expectRefused(m_server->get("/api/v1/export?format=..%2F..%2Fetc", m_reviewer), 400, "export format path");
        expectRefused(m_server->get("/api/v1/export?format=zip", m_reviewer), 400, "export zip");
        expectRefused(m_server->get("/api/v1/agreement?x=1", m_reviewer), 400, "agreement parameter");
    }

    void reviewVerdicts()
    {
        const Snapshot before = snapshot();
        const QByteArray approve = "{\"decision\":\"approve\"}";
        post("/api/v1/review/abc", m_reviewer, approve, 400);
        post("/api/v1/review/999999", m_reviewer, approve, 404);
        post("/api/v1/review/" + newUuid().toLatin1(), m_reviewer, approve, 404);
        post("/api/v1/review/" + QByteArray::number(m_reviewSeq), m_reviewer, approve, 400); // a verdict is not a label
        const QByteArray target = "/api/v1/review/" + QByteArray::number(m_labelSeq);
        post(target, m_reviewer, "{\"decision\":\"maybe\"}", 400);
        post(target, m_reviewer, "{\"decision\":\"reject\"}", 400);
        post(target, m_reviewer, "{\"decision\":\"reject\",\"reason\":\"" + QByteArray(501, 'x') + "\"}", 400);
        post(target, m_reviewer, "{\"decision\":\"reject\",\"reason\":7}", 400);
        post(target, m_reviewer, "{\"decision\":\"approve\",\"uuid\":\"x\"}", 400);
        post(target, m_reviewer, "{\"decision\":\"approve\",\"status\":\"approved\"}", 400);
        post(target, m_reviewer, "{\"decision\":\"approve\"", 400);
        QCOMPARE(snapshot(), before);
    }

    void accountsAndModels()
    {
        const Snapshot before = snapshot();
        for (const QByteArray name : {QByteArray("../x"), QByteArray("a b"), QByteArray("x'--"), QByteArray(""), QByteArray(65, 'a'), QByteArray("<script>")})
            post("/api/v1/users", m_admin, "{\"name\":\"" + name + "\",\"role\":\"curator\"}", 400);
        post("/api/v1/users", m_admin, "{\"name\":\"zed\",\"role\":\"root\"}", 400);
        post("/api/v1/users", m_admin, "{\"name\":\"cur\",\"role\":\"curator\"}", 409);
        post("/api/v1/users", m_admin, "{\"name\":\"zed\",\"role\":\"curator\",\"days\":0}", 400);
        post("/api/v1/tokens", m_curator, "{\"scope\":\"admin\"}", 400);
        post("/api/v1/tokens", m_curator, "{\"days\":99999}", 400);
        post("/api/v1/tokens", m_curator, "{\"days\":\"30\"}", 400);
        post("/api/v1/tokens", m_curator, "{\"note\":\"" + QByteArray(201, 'n') + "\"}", 400);
        expectRefused(m_server->request("DELETE", "/api/v1/tokens/abc", m_curator), 400, "DELETE /tokens/abc");
        expectRefused(m_server->request("DELETE", "/api/v1/tokens/0", m_curator), 400, "DELETE /tokens/0");
        // Models: no checksum, an empty body, bytes that aren't a bundle.
        const QByteArray text = "not a model";
        expectRefused(m_server->request("POST", "/api/v1/models", m_reviewer, text, "application/octet-stream"), 400, "no checksum");
        expectRefused(m_server->request("POST", "/api/v1/models", m_reviewer, {}, "application/octet-stream", {"X-Checksum-Sha256: " + sha256Hex({}).toLatin1()}), 400, "empty bundle");
        expectRefused(m_server->request("POST", "/api/v1/models", m_reviewer, text, "application/octet-stream", {"X-Checksum-Sha256: " + sha256Hex(text).toLatin1()}), 422, "not a bundle");
        expectRefused(m_server->request("POST", "/api/v1/models", m_reviewer, text, "application/octet-stream", {"X-Checksum-Sha256: ../../x"}), 400, "checksum path");
        expectRefused(m_server->get("/api/v1/models/latest", m_curator), 404, "no model yet");
        // Methods that don't exist here.
        expectRefused(m_server->request("PATCH", "/api/v1/labels", m_admin, "{}"), 405, "PATCH /labels");
        expectRefused(m_server->request("DELETE", "/api/v1/images/" + m_image.toLatin1(), m_admin), 405, "DELETE an image");
        expectRefused(m_server->request("POST", "/healthz", {}, "{}"), 405, "POST /healthz");
        QCOMPARE(snapshot(), before);
    }
};

QTEST_GUILESS_MAIN(TestServerBadInput)
#include "TestServerBadInput.moc"
