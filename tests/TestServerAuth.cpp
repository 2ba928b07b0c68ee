// Who may call what on petcurator-server: every endpoint × (no token, wrong token, malformed
// header, revoked, expired, curator, reviewer, admin, read-only token), and the IDOR cases:
// nobody reaches another user's tokens or acts under another name.
#include "ServerTestSupport.h"

#include <QSqlDatabase>
#include <QSqlQuery>
#include <functional>

using namespace pc;
using namespace pc::test;

class TestServerAuth : public QObject {
    Q_OBJECT

    ServerFixture m_fixture;
    ServerProcess* m_server = nullptr;
    QString m_admin, m_reviewer, m_curator, m_curator2, m_revoked, m_expired, m_readOnly;
    QString m_image;
    qint64 m_labelSeq = 0;
    QByteArray m_bundle;
    int m_serial = 0;

    struct Endpoint {
        QByteArray method;
        QByteArray path;
        QStringList allowed; // roles
        std::function<QPair<QByteArray, QByteArray>()> body; // (content type, bytes)
        QList<QByteArray> headers;
    };
    QList<Endpoint> m_endpoints;

    HttpReply call(const Endpoint& e, const QString& token, const QByteArray& authorization = {})
    {
        QList<QByteArray> headers = e.headers;
        if (!authorization.isEmpty())
            headers << "Authorization: " + authorization;
        const auto [type, body] = e.body ? e.body() : QPair<QByteArray, QByteArray>{"application/json", {}};
        return m_server->request(e.method, e.path, token, body, type, headers);
    }

    // Sets a token's expiry in the past, straight in the database (a day is too long to wait).
    void expireToken(qint64 id)
    {
        const QString past = QDateTime::currentDateTimeUtc().addSecs(-60).toString(Qt::ISODateWithMs);
        if (ServerFixture::wantsPostgres()) {
            m_fixture.cluster()->psql(QStringLiteral("pc_main"), QStringLiteral("UPDATE tokens SET expires = '%1' WHERE id = %2").arg(past).arg(id));
            return;
        }
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("expire"));
            db.setDatabaseName(m_fixture.dir() + QStringLiteral("/server.sqlite"));
            db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=5000"));
            QVERIFY(db.open());
            QSqlQuery q(db);
            q.prepare(QStringLiteral("UPDATE tokens SET expires = ? WHERE id = ?"));
            q.addBindValue(past);
            q.addBindValue(id);
            QVERIFY(q.exec());
            QCOMPARE(q.numRowsAffected(), 1);
        }
        QSqlDatabase::removeDatabase(QStringLiteral("expire"));
    }

    qint64 tokenId(const QString& token) { return m_server->get("/api/v1/me", token).json()[QStringLiteral("token_id")].toInteger(); }

private Q_SLOTS:
    void initTestCase()
    {
        if (ServerFixture::wantsPostgres() && !ServerFixture::postgresAvailable())
            QSKIP("PostgreSQL binaries are not installed");
        const QString why = m_fixture.start();
        QVERIFY2(why.isEmpty(), qPrintable(why));
        m_server = &m_fixture.server();
        m_admin = m_server->addUser(QStringLiteral("root-admin"), QStringLiteral("admin"));
        m_reviewer = m_server->addUser(QStringLiteral("rev"), QStringLiteral("reviewer"));
        m_curator = m_server->addUser(QStringLiteral("cur"), QStringLiteral("curator"));
        m_curator2 = m_server->addUser(QStringLiteral("cur2"), QStringLiteral("curator"));

        // A revoked token (through the CLI), an expired one, and a read-only one.
        const ServerProcess::Run added = m_server->command({QStringLiteral("token"), QStringLiteral("add"), QStringLiteral("cur")});
        QCOMPARE(added.code, 0);
        m_revoked = added.out.trimmed();
        const qint64 revokedId = tokenId(m_revoked);
        QVERIFY(revokedId > 0);
        const ServerProcess::Run revoke = m_server->command({QStringLiteral("token"), QStringLiteral("revoke"), QString::number(revokedId)});
        QVERIFY2(revoke.code == 0, qPrintable(revoke.err));
        QVERIFY(m_server->command({QStringLiteral("token"), QStringLiteral("list"), QStringLiteral("cur")}).out.contains(QStringLiteral("revoked")));
        m_expired = m_server->command({QStringLiteral("token"), QStringLiteral("add"), QStringLiteral("rev"), QStringLiteral("--days"), QStringLiteral("1")}).out.trimmed();
        expireToken(tokenId(m_expired));
        m_readOnly = m_server->postJson("/api/v1/tokens", m_reviewer, {{QStringLiteral("scope"), QStringLiteral("read")}, {QStringLiteral("note"), QStringLiteral("dashboard")}})
                         .json()[QStringLiteral("token")].toString();
        QVERIFY(!m_readOnly.isEmpty());

        // Objects for the endpoints to act on.
        const QByteArray photo = readFile(sampleImage(QStringLiteral("Abyssinian_1.jpg")));
        QCOMPARE(m_server->putImage(m_admin, photo).status, 201);
        m_image = sha256Hex(photo);
        const HttpReply labelled = m_server->postJson("/api/v1/labels", m_curator, labelBatch({{m_image, QStringLiteral("Abyssinian")}}));
        QCOMPARE(labelled.status, 201);
        m_labelSeq = labelled.json()[QStringLiteral("events")].toArray()[0][QStringLiteral("seq")].toInteger();
        QTemporaryDir tmp;
        m_bundle = makeTestBundle(tmp.filePath(QStringLiteral("m.pcmodel")));
        QCOMPARE(m_server->request("POST", "/api/v1/models", m_admin, m_bundle, "application/octet-stream",
                                   {"X-Checksum-Sha256: " + sha256Hex(m_bundle).toLatin1()}).status, 201);

        const QStringList all{QStringLiteral("curator"), QStringLiteral("reviewer"), QStringLiteral("admin")};
        const QStringList reviewers{QStringLiteral("reviewer"), QStringLiteral("admin")};
        const QStringList admins{QStringLiteral("admin")};
        auto json = [](std::function<QJsonObject()> make) {
            return [make] { return QPair<QByteArray, QByteArray>{"application/json", QJsonDocument(make()).toJson(QJsonDocument::Compact)}; };
        };
        const QByteArray image = m_image.toLatin1();
        m_endpoints = {
            {"GET", "/api/v1/me", all, {}, {}},
            {"GET", "/api/v1/users", admins, {}, {}},
            {"POST", "/api/v1/users", admins, json([this] { return QJsonObject{{QStringLiteral("name"), QStringLiteral("u%1").arg(++m_serial)}, {QStringLiteral("role"), QStringLiteral("curator")}}; }), {}},
            {"GET", "/api/v1/tokens", all, {}, {}},
            {"POST", "/api/v1/tokens", all, json([] { return QJsonObject{{QStringLiteral("scope"), QStringLiteral("read")}, {QStringLiteral("days"), 1}}; }), {}},
            {"DELETE", "/api/v1/tokens/999999", all, {}, {}},
            {"PUT", "/api/v1/images/" + image, all, [photo] { return QPair<QByteArray, QByteArray>{"image/jpeg", photo}; }, {}},
            {"GET", "/api/v1/images/" + image, all, {}, {}},
            {"GET", "/uploads/" + image, all, {}, {}},
            {"POST", "/api/v1/labels", all, json([this] { return labelBatch({{m_image, QStringLiteral("Abyssinian")}}); }), {}},
            {"GET", "/api/v1/labels?since=0", all, {}, {}},
            {"GET", "/api/v1/review", reviewers, {}, {}},
            {"POST", "/api/v1/review/" + QByteArray::number(m_labelSeq), reviewers, json([] { return QJsonObject{{QStringLiteral("decision"), QStringLiteral("approve")}}; }), {}},
            {"POST", "/api/v1/models", reviewers, [this] { return QPair<QByteArray, QByteArray>{"application/octet-stream", m_bundle}; },
             {"X-Checksum-Sha256: " + sha256Hex(m_bundle).toLatin1()}},
            {"GET", "/api/v1/models", all, {}, {}},
            {"GET", "/api/v1/models/latest", all, {}, {}},
            {"GET", "/api/v1/models/1", all, {}, {}},
            {"GET", "/api/v1/models/1/bundle", all, {}, {}},
            {"GET", "/api/v1/user-labels", all, {}, {}},
            {"GET", "/api/v1/export?format=oxford", reviewers, {}, {}},
            {"GET", "/api/v1/agreement", reviewers, {}, {}},
        };
    }

    void publicEndpointsNeedNoToken()
    {
        for (const QByteArray path : {QByteArray("/healthz"), QByteArray("/api/v1/version"), QByteArray("/api/v1/signing-key")}) {
            const HttpReply r = m_server->get(path, {});
            QVERIFY2(r.status == 200, path.constData());
        }
    }

    void badCredentialsGet401Everywhere()
    {
        const QList<QPair<QString, QByteArray>> bad = {
            {QString(), QByteArray()},                                            // no token
            {QStringLiteral("pct_") + QString(43, QLatin1Char('x')), QByteArray()}, // wrong token
            {QString(), QByteArray("Basic cm9vdDpyb290")},                         // not a bearer token
            {QString(), QByteArray("Bearer")},                                     // empty bearer
            {QString(), QByteArray("Bearer ' OR '1'='1")},                         // SQL in the token
            {m_revoked, QByteArray()},
            {m_expired, QByteArray()},
        };
        const QStringList expectedErrors{QStringLiteral("missing"), QStringLiteral("unknown token"), QStringLiteral("Bearer <token>"),
                                         QStringLiteral("Bearer <token>"), QStringLiteral("unknown token"), QStringLiteral("token revoked"),
                                         QStringLiteral("token expired")};
        for (const Endpoint& e : std::as_const(m_endpoints)) {
            for (qsizetype i = 0; i < bad.size(); ++i) {
                const HttpReply r = call(e, bad[i].first, bad[i].second);
                const QByteArray what = e.method + ' ' + e.path + " credential " + QByteArray::number(i) + ": " + QByteArray::number(r.status) + ' ' + r.body;
                QVERIFY2(r.status == 401, what.constData());
                QVERIFY2(r.isOneLineError(), what.constData());
                QVERIFY2(r.error().contains(expectedErrors[i]), what.constData());
                QCOMPARE(r.header("www-authenticate"), QByteArray("Bearer realm=\"petcurator\""));
            }
        }
    }

    void rolesAreCheckedOnEveryEndpoint()
    {
        const QList<QPair<QString, QString>> roles{{QStringLiteral("curator"), m_curator}, {QStringLiteral("reviewer"), m_reviewer}, {QStringLiteral("admin"), m_admin}};
        for (const Endpoint& e : std::as_const(m_endpoints)) {
            for (const auto& [role, token] : roles) {
                const HttpReply r = call(e, token);
                const QByteArray what = e.method + ' ' + e.path + " as " + role.toLatin1() + ": " + QByteArray::number(r.status) + ' ' + r.body.left(200);
                if (e.allowed.contains(role)) {
                    QVERIFY2(r.status != 401 && r.status != 403 && r.status < 500, what.constData());
                } else {
                    QVERIFY2(r.status == 403, what.constData());
                    QVERIFY2(r.isOneLineError(), what.constData());
                }
            }
        }
    }

    void readOnlyTokensOnlyRead()
    {
        for (const Endpoint& e : std::as_const(m_endpoints)) {
            const HttpReply r = call(e, m_readOnly);
            const QByteArray what = e.method + ' ' + e.path + ": " + QByteArray::number(r.status) + ' ' + r.body.left(200);
            const bool reads = e.method == "GET" && e.path != "/api/v1/users"; // the token's user is a reviewer
            if (reads)
                QVERIFY2(r.status == 200, what.constData());
            else
                QVERIFY2(r.status == 403, what.constData());
        }
    }

    void nobodyReachesAnotherUsersTokens()
    {
        // cur2's tokens, as cur2 sees them.
        const HttpReply mine = m_server->get("/api/v1/tokens", m_curator2);
        QCOMPARE(mine.status, 200);
        const QJsonArray tokens = mine.json()[QStringLiteral("tokens")].toArray();
        QCOMPARE(tokens.size(), 1);
        const qint64 victim = tokens[0][QStringLiteral("id")].toInteger();
        QVERIFY(!mine.body.contains("pct_")); // never a secret
        // cur lists only their own, cannot ask for everyone's, cannot revoke cur2's.
        for (const QJsonValue& t : m_server->get("/api/v1/tokens", m_curator).json()[QStringLiteral("tokens")].toArray())
            QCOMPARE(t[QStringLiteral("user")].toString(), QStringLiteral("cur"));
        QCOMPARE(m_server->get("/api/v1/tokens?all=1", m_curator).status, 403);
        QCOMPARE(m_server->request("DELETE", "/api/v1/tokens/" + QByteArray::number(victim), m_curator).status, 404);
        QCOMPARE(m_server->request("DELETE", "/api/v1/tokens/" + QByteArray::number(victim), m_reviewer).status, 404);
        QCOMPARE(m_server->get("/api/v1/me", m_curator2).status, 200);
        // A user revokes their own; an admin anyone's.
        const QString spare = m_server->postJson("/api/v1/tokens", m_curator, {}).json()[QStringLiteral("token")].toString();
        QCOMPARE(m_server->request("DELETE", "/api/v1/tokens/" + QByteArray::number(tokenId(spare)), m_curator).status, 200);
        QCOMPARE(m_server->get("/api/v1/me", spare).status, 401);
        QVERIFY(m_server->get("/api/v1/tokens?all=1", m_admin).json()[QStringLiteral("tokens")].toArray().size() > 5);
        QCOMPARE(m_server->request("DELETE", "/api/v1/tokens/" + QByteArray::number(victim), m_admin).status, 200);
        QCOMPARE(m_server->get("/api/v1/me", m_curator2).status, 401);
    }

    void nobodyActsUnderAnotherName()
    {
        // The author is always the token's user: a body cannot name one.
        QJsonObject spoof = labelBatch({{m_image, QStringLiteral("Bengal")}});
        QJsonArray events = spoof[QStringLiteral("events")].toArray();
        QJsonObject e = events[0].toObject();
        e[QStringLiteral("author")] = QStringLiteral("rev");
        events[0] = e;
        spoof[QStringLiteral("events")] = events;
        const HttpReply r = m_server->postJson("/api/v1/labels", m_curator, spoof);
        QCOMPARE(r.status, 400);
        QVERIFY(r.error().contains(QStringLiteral("author")));
        // Someone else's event uuid cannot be claimed by a retry.
        const QJsonObject batch = labelBatch({{m_image, QStringLiteral("Bengal")}});
        QCOMPARE(m_server->postJson("/api/v1/labels", m_reviewer, batch).status, 201);
        QCOMPARE(m_server->postJson("/api/v1/labels", m_curator, batch).status, 409);
        // A token cannot be issued with more rights than its user: tokens have no role.
        QCOMPARE(m_server->postJson("/api/v1/tokens", m_curator, {{QStringLiteral("role"), QStringLiteral("admin")}}).status, 400);
        // A read token cannot mint a full one.
        QCOMPARE(m_server->postJson("/api/v1/tokens", m_readOnly, {{QStringLiteral("scope"), QStringLiteral("full")}}).status, 403);
    }
};

QTEST_GUILESS_MAIN(TestServerAuth)
#include "TestServerAuth.moc"
