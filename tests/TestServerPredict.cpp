// POST /api/v1/predict on a real petcurator-server process: the zero-shot head before any model,
// hot swap on publish and withdrawal (rollback) with no failed or mixed answer while 20 models
// come and go under load, the bounded queue (503 + Retry-After), the bad-input corpus, and 1,000
// requests of random bytes that leave the server alive with its memory near where it started.
// Every answer's probabilities are checked against the same model run here, in-process.
#include "ServerTestSupport.h"

#include "model/Predictor.h"
#include "model/ZeroShotHead.h"

#include <QRandomGenerator>
#include <QTemporaryFile>
#include <atomic>
#include <mutex>
#include <opencv2/imgcodecs.hpp>

using namespace pc;
using namespace pc::test;

namespace {

// A servable model: a random linear head for the 37 breeds on this backbone's weights.
QByteArray makeServableBundle(const QString& path, quint32 seed, ClassifierHead* head)
{
    ModelBundle b;
    b.version = QStringLiteral("v%1").arg(seed);
    b.created = QDateTime::currentDateTimeUtc();
    b.backboneId = QString::fromLatin1(Backbone::kId);
    b.weightsHash = backbone()->weightsHash();
    b.preprocessing = ModelBundle::defaultPreprocessing();
    b.metrics = QJsonObject{{QStringLiteral("val_accuracy"), 0.9}};
    const QStringList ids = BreedCatalog::oxford().ids();
    cv::Mat w(int(ids.size()), Backbone::kEmbeddingSize, CV_32F), bias(1, int(ids.size()), CV_32F);
    cv::RNG rng(seed);
    rng.fill(w, cv::RNG::NORMAL, 0.0, 0.08);
    rng.fill(bias, cv::RNG::NORMAL, 0.0, 0.5);
    b.head = ClassifierHead(ids, {DenseLayer{w, bias}}, std::vector<bool>(size_t(ids.size()), true));
    *head = b.head;
    auto written = writeModelBundle(b, path);
    if (!written)
        qFatal("cannot write a bundle: %s", qPrintable(written.error().message));
    return readFile(path);
}

double vmRssMb(qint64 pid)
{
    QFile f(QStringLiteral("/proc/%1/status").arg(pid));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray& line : f.readAll().split('\n'))
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').first().toDouble() / 1024.0;
    return -1;
}

// A JPEG whose frame header claims 60000 × 60000 pixels: a decompression bomb.
QByteArray jpegBomb(QByteArray jpeg)
{
    for (qsizetype i = 2; i + 9 < jpeg.size();) {
        if (quint8(jpeg[i]) != 0xFF)
            break;
        const quint8 marker = quint8(jpeg[i + 1]);
        const int length = (quint8(jpeg[i + 2]) << 8) | quint8(jpeg[i + 3]);
        if (marker == 0xC0 || marker == 0xC2) {
            jpeg[i + 5] = char(0xEA); // height 60000
            jpeg[i + 6] = char(0x60);
            jpeg[i + 7] = char(0xEA); // width 60000
            jpeg[i + 8] = char(0x60);
            return jpeg;
        }
        i += 2 + length;
    }
    qFatal("no frame header in the sample JPEG");
}

} // namespace

class TestServerPredict : public QObject {
    Q_OBJECT

    ServerFixture m_fixture;
    ServerProcess* m_server = nullptr;
    QString m_admin, m_reviewer, m_curator, m_predictOnly, m_readOnly;
    QTemporaryDir m_tmp;
    QList<QByteArray> m_photos;
    QHash<qint64, ClassifierHead> m_heads; // served version → its head
    quint32 m_nextSeed = 1;

    // The expected answer of `head` for `photo`, computed here with the desktop's Predictor in the
    // server's precision (auto).
    Prediction expected(const ClassifierHead& head, const QByteArray& photo)
    {
        auto active = std::make_shared<ActiveModel>(std::make_shared<const ModelSnapshot>(ModelSnapshot{QStringLiteral("local"), head, nullptr}));
        Predictor predictor(test::autoBackbone(), active);
        auto p = predictor.predictBytes(photo, 3);
        if (!p)
            qFatal("local prediction failed: %s", qPrintable(p.error().message));
        return *p;
    }

    // Empty when `reply` is what `head` says for `photo`, else why not.
    QString mismatch(const HttpReply& reply, const ClassifierHead& head, const QByteArray& photo)
    {
        const Prediction want = expected(head, photo);
        const QJsonArray top = reply.json()[QStringLiteral("top")].toArray();
        if (top.size() != qsizetype(want.top.size()))
            return QStringLiteral("%1 guesses, expected %2").arg(top.size()).arg(want.top.size());
        for (qsizetype i = 0; i < top.size(); ++i) {
            const QString label = top[i][QStringLiteral("label")].toString();
            const double p = top[i][QStringLiteral("p")].toDouble();
            if (label != want.top[size_t(i)].label || std::abs(p - want.top[size_t(i)].p) > 2e-3)
                return QStringLiteral("guess %1 is %2 %3, expected %4 %5").arg(i).arg(label).arg(p).arg(want.top[size_t(i)].label).arg(want.top[size_t(i)].p);
        }
        return {};
    }

    qint64 publish(ClassifierHead* head)
    {
        const QByteArray bundle = makeServableBundle(m_tmp.filePath(QStringLiteral("m%1.pcmodel").arg(m_nextSeed)), m_nextSeed, head);
        ++m_nextSeed;
        const HttpReply r = m_server->request("POST", "/api/v1/models", m_reviewer, bundle, "application/octet-stream",
                                              {"X-Checksum-Sha256: " + sha256Hex(bundle).toLatin1()});
        if (r.status != 201)
            qFatal("publish failed: %d %s", r.status, r.body.constData());
        const qint64 version = r.json()[QStringLiteral("version")].toInteger();
        m_heads.insert(version, *head);
        return version;
    }

    HttpReply predict(const QByteArray& photo, const QByteArray& query = {}, const QString& token = {}) const
    {
        return m_server->request("POST", "/api/v1/predict" + query, token.isEmpty() ? m_curator : token, photo, "image/jpeg");
    }

    void expectRefused(const HttpReply& r, int status, const QByteArray& what)
    {
        const QByteArray text = what + " -> " + QByteArray::number(r.status) + ' ' + r.body.left(300);
        QVERIFY2(r.status == status, text.constData());
        QVERIFY2(r.isOneLineError(), text.constData());
    }

private Q_SLOTS:
    void initTestCase()
    {
        if (!QFileInfo::exists(Backbone::defaultWeightsDir() + QStringLiteral("/model.json")))
            QSKIP("the backbone weights are not in ~/.cache/petcurator (scripts/fetch-weights.sh)");
        const QString why = m_fixture.start();
        QVERIFY2(why.isEmpty(), qPrintable(why));
        m_server = &m_fixture.server();
        m_admin = m_server->addUser(QStringLiteral("admin"), QStringLiteral("admin"));
        auto user = [&](const char* name, const char* role) {
            return m_server->postJson("/api/v1/users", m_admin, {{QStringLiteral("name"), QLatin1String(name)}, {QStringLiteral("role"), QLatin1String(role)}})
                .json()[QStringLiteral("token")].toString();
        };
        m_reviewer = user("rev", "reviewer");
        m_curator = user("cur", "curator");
        HttpReply r = m_server->postJson("/api/v1/tokens", m_curator, {{QStringLiteral("scope"), QStringLiteral("predict")}});
        QCOMPARE(r.status, 201);
        m_predictOnly = r.json()[QStringLiteral("token")].toString();
        r = m_server->postJson("/api/v1/tokens", m_curator, {{QStringLiteral("scope"), QStringLiteral("read")}});
        QCOMPARE(r.status, 201);
        m_readOnly = r.json()[QStringLiteral("token")].toString();
        for (const char* name : {"Abyssinian_1.jpg", "Bengal_10.jpg", "beagle_10.jpg"})
            m_photos << readFile(sampleImage(QLatin1String(name)));
        for (const QByteArray& p : m_photos)
            QVERIFY(!p.isEmpty());
    }

    void zeroShotBeforeAnyModel()
    {
        const HttpReply r = predict(m_photos[0]);
        QVERIFY2(r.status == 200, r.body.constData());
        const QJsonObject o = r.json();
        QCOMPARE(o[QStringLiteral("model")].toString(), QStringLiteral("zero-shot"));
        const QJsonArray top = o[QStringLiteral("top")].toArray();
        QCOMPARE(top.size(), 3);
        QVERIFY(o[QStringLiteral("ms")].toDouble() > 0);
        for (qsizetype i = 0; i < top.size(); ++i) {
            const double p = top[i][QStringLiteral("p")].toDouble();
            QVERIFY(p >= 0 && p <= 1);
            if (i > 0)
                QVERIFY(p <= top[i - 1][QStringLiteral("p")].toDouble());
            QVERIFY(BreedCatalog::oxford().indexOf(top[i][QStringLiteral("label")].toString()) >= 0);
        }
        // The CLI's own zero-shot answer, from the same Predictor.
        const QString why = mismatch(r, makeZeroShotHead(*backbone()), m_photos[0]);
        QVERIFY2(why.isEmpty(), qPrintable(why));
        QCOMPARE(predict(m_photos[0], "?top=1").json()[QStringLiteral("top")].toArray().size(), 1);
    }

    void topParameter()
    {
        for (const QByteArray& q : {QByteArray("?top=0"), QByteArray("?top=38"), QByteArray("?top=abc"), QByteArray("?top=-1"),
                                    QByteArray("?top=1e1"), QByteArray("?top=3&top=999"), QByteArray("?k=3")})
            expectRefused(predict(m_photos[0], q), 400, "predict" + q);
    }

    void whoMayPredict()
    {
        expectRefused(m_server->request("POST", "/api/v1/predict", QString(), m_photos[0], "image/jpeg"), 401, "no token");
        expectRefused(m_server->request("POST", "/api/v1/predict", QStringLiteral("pct_not-a-token"), m_photos[0], "image/jpeg"), 401, "bad token");
        for (const QString& token : {m_admin, m_reviewer, m_curator, m_predictOnly, m_readOnly})
            QCOMPARE(predict(m_photos[1], {}, token).status, 200);
        // A predict token does nothing else.
        expectRefused(m_server->get("/api/v1/labels?since=0", m_predictOnly), 403, "predict token reads labels");
        expectRefused(m_server->putImage(m_predictOnly, m_photos[1]), 403, "predict token uploads");
        QCOMPARE(m_server->get("/api/v1/me", m_predictOnly).status, 200);
        expectRefused(m_server->get("/api/v1/predict", m_curator), 405, "GET /predict");
    }

    // The bad-input corpus of TestServerBadInput, sent to predict.
    void badInput()
    {
        const QByteArray photo = m_photos[1];
        expectRefused(predict({}), 400, "empty body");
        expectRefused(predict("<html><body><script>alert(document.cookie)</script></body></html>", {}), 415, "HTML");
        expectRefused(predict("<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>"), 415, "SVG");
        expectRefused(predict(QByteArray("\xFF\xD8\xFF\xE0") + "<html></html>"), 422, "JPEG magic in front of HTML");
        expectRefused(predict(photo.left(300)), 422, "a truncated JPEG");
        expectRefused(predict(photo.left(photo.size() / 2)), 422, "half a JPEG");
        std::vector<uchar> encoded;
        cv::imencode(".png", cv::Mat(64, 64, CV_8UC3, cv::Scalar(0, 0, 255)), encoded);
        const QByteArray png(reinterpret_cast<const char*>(encoded.data()), qsizetype(encoded.size()));
        expectRefused(predict(png.left(png.size() - 20)), 422, "a truncated PNG");
        const HttpReply bomb = predict(jpegBomb(photo));
        expectRefused(bomb, 422, "a 60000x60000 JPEG header");
        QVERIFY2(bomb.error().contains(QStringLiteral("too large")), qPrintable(bomb.error()));
        const QByteArray head = "POST /api/v1/predict HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + m_curator.toLatin1() + "\r\n";
        expectRefused(rawRequest(m_server->port(), head + "Transfer-Encoding: chunked\r\n\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n"), 411, "chunked");
        expectRefused(rawRequest(m_server->port(), head + "Content-Length: 31457280\r\n\r\n", 15000), 413, "30 MB announced, nothing sent");
        // Answered, and the server still predicts.
        QCOMPARE(predict(photo).status, 200);
    }

    // Publish swaps the served model before publish answers; withdrawal swaps back.
    void hotSwapOnPublishAndWithdraw()
    {
        ClassifierHead head1, head2;
        const qint64 v1 = publish(&head1);
        HttpReply r = predict(m_photos[0]);
        QCOMPARE(r.json()[QStringLiteral("model")].toInteger(), v1);
        QString why = mismatch(r, head1, m_photos[0]);
        QVERIFY2(why.isEmpty(), qPrintable(why));

        const qint64 v2 = publish(&head2);
        r = predict(m_photos[0]);
        QCOMPARE(r.json()[QStringLiteral("model")].toInteger(), v2);
        why = mismatch(r, head2, m_photos[0]);
        QVERIFY2(why.isEmpty(), qPrintable(why));

        // A published bundle that fails the serving gate (a head for other weights) is not served.
        const QByteArray foreign = makeTestBundle(m_tmp.filePath(QStringLiteral("foreign.pcmodel")));
        r = m_server->request("POST", "/api/v1/models", m_reviewer, foreign, "application/octet-stream",
                              {"X-Checksum-Sha256: " + sha256Hex(foreign).toLatin1()});
        QCOMPARE(r.status, 201);
        const qint64 foreignVersion = r.json()[QStringLiteral("version")].toInteger();
        QCOMPARE(r.json()[QStringLiteral("served")].toString(), QString::number(v2));
        QCOMPARE(predict(m_photos[0]).json()[QStringLiteral("model")].toInteger(), v2);

        // Rollback: v2 withdrawn → v1 again; v1 withdrawn → zero-shot.
        expectRefused(m_server->request("POST", "/api/v1/models/" + QByteArray::number(v2) + "/withdraw", m_curator, {}), 403, "curator withdraws");
        r = m_server->request("POST", "/api/v1/models/" + QByteArray::number(v2) + "/withdraw", m_reviewer, {});
        QVERIFY2(r.status == 200, r.body.constData());
        QCOMPARE(r.json()[QStringLiteral("served")].toString(), QString::number(v1));
        r = predict(m_photos[0]);
        QCOMPARE(r.json()[QStringLiteral("model")].toInteger(), v1);
        QVERIFY(mismatch(r, head1, m_photos[0]).isEmpty());
        // "latest" is the registry's newest live model, servable or not: clients judge bundles themselves.
        QCOMPARE(m_server->get("/api/v1/models/latest", m_curator).json()[QStringLiteral("version")].toInteger(), foreignVersion);
        QVERIFY(!m_server->get("/api/v1/models/" + QByteArray::number(v2), m_curator).json()[QStringLiteral("withdrawn")].toString().isEmpty());
        r = m_server->request("POST", "/api/v1/models/" + QByteArray::number(v1) + "/withdraw", m_admin, {});
        QCOMPARE(r.status, 200);
        QCOMPARE(predict(m_photos[0]).json()[QStringLiteral("model")].toString(), QStringLiteral("zero-shot"));
        expectRefused(m_server->request("POST", "/api/v1/models/999/withdraw", m_admin, {}), 404, "withdraw a missing model");

        // A restart serves what the registry says.
        QCOMPARE(m_server->terminate(), 0);
        QVERIFY(m_server->start());
        QCOMPARE(predict(m_photos[0]).json()[QStringLiteral("model")].toString(), QStringLiteral("zero-shot"));
    }

    // 20 models published and withdrawn while clients predict: every answer is a 200 that names
    // a model live during the request, with that model's own probabilities.
    void noFailedOrMixedAnswersDuringSwaps()
    {
        ClassifierHead baseHead;
        const qint64 base = publish(&baseHead);
        QElapsedTimer clock;
        clock.start();
        struct Answer {
            qint64 sent, received;
            int photo;
            HttpReply reply;
        };
        std::mutex lock;
        std::vector<Answer> answers;
        std::atomic<bool> stop{false};
        std::atomic<int> count{0};
        const quint16 port = m_server->port();
        std::vector<std::unique_ptr<QThread>> clients;
        for (int c = 0; c < 4; ++c) {
            clients.emplace_back(QThread::create([&, c] {
                for (int i = 0; !stop; ++i) {
                    const int photo = (c + i) % int(m_photos.size());
                    const qint64 sent = clock.nsecsElapsed();
                    HttpReply r = rawRequest(port, requestBytes("POST", "/api/v1/predict", m_curator, m_photos[photo], "image/jpeg"));
                    const qint64 received = clock.nsecsElapsed();
                    std::lock_guard g(lock);
                    answers.push_back({sent, received, photo, std::move(r)});
                    ++count;
                }
            }));
            clients.back()->start();
        }
        struct Live {
            qint64 version;
            qint64 publishSent, publishAnswered, withdrawSent, withdrawAnswered;
        };
        std::vector<Live> lives;
        auto waitForAnswers = [&](int n) {
            const int target = count + n;
            QElapsedTimer t;
            t.start();
            while (count < target && t.elapsed() < 30000)
                QThread::msleep(5);
        };
        for (int i = 0; i < 20; ++i) {
            Live l{};
            ClassifierHead head;
            l.publishSent = clock.nsecsElapsed();
            l.version = publish(&head);
            l.publishAnswered = clock.nsecsElapsed();
            waitForAnswers(2);
            l.withdrawSent = clock.nsecsElapsed();
            const HttpReply w = m_server->request("POST", "/api/v1/models/" + QByteArray::number(l.version) + "/withdraw", m_reviewer, {});
            QCOMPARE(w.status, 200);
            l.withdrawAnswered = clock.nsecsElapsed();
            lives.push_back(l);
            waitForAnswers(1);
        }
        stop = true;
        for (auto& t : clients)
            t->wait();

        int swapped = 0;
        QHash<QPair<qint64, int>, Prediction> cache;
        for (const Answer& a : answers) {
            QVERIFY2(a.reply.status == 200, qPrintable(QStringLiteral("%1 %2").arg(a.reply.status).arg(QString::fromUtf8(a.reply.body.left(200)))));
            const qint64 named = a.reply.json()[QStringLiteral("model")].toInteger();
            QVERIFY2(m_heads.contains(named), a.reply.body.constData());
            if (named == base) {
                // Base is shadowed while some model is surely live: from its publish answer to its withdrawal.
                for (const Live& l : lives)
                    QVERIFY2(!(a.sent >= l.publishAnswered && a.received <= l.withdrawSent), "base answered while another model was surely served");
            } else {
                auto it = std::find_if(lives.begin(), lives.end(), [&](const Live& l) { return l.version == named; });
                QVERIFY(it != lives.end());
                QVERIFY2(a.received >= it->publishSent && a.sent <= it->withdrawAnswered, "an answer named a model that was not live");
                ++swapped;
            }
            const QString why = mismatch(a.reply, m_heads.value(named), m_photos[a.photo]);
            QVERIFY2(why.isEmpty(), qPrintable(QStringLiteral("model %1: %2").arg(named).arg(why)));
        }
        qInfo("%d answers during 20 publish/withdraw cycles, %d from the 20 short-lived models", int(answers.size()), swapped);
        QVERIFY(swapped > 0);
        QCOMPARE(predict(m_photos[0]).json()[QStringLiteral("model")].toInteger(), base);
    }

    // Past the queue's bound: 503 with Retry-After, at once; everything else is answered.
    void boundedQueue()
    {
        QTemporaryDir dir;
        ServerProcess small(dir.path());
        const QString token = small.addUser(QStringLiteral("cur"), QStringLiteral("curator"));
        QVERIFY(small.start({QStringLiteral("--inference-workers"), QStringLiteral("1"), QStringLiteral("--inference-queue"), QStringLiteral("1")}));
        constexpr int kClients = 24;
        std::vector<std::unique_ptr<QTcpSocket>> sockets;
        for (int i = 0; i < kClients; ++i) {
            sockets.push_back(std::make_unique<QTcpSocket>());
            sockets.back()->connectToHost(QHostAddress::LocalHost, small.port());
            QVERIFY(sockets.back()->waitForConnected(10000));
        }
        const QByteArray request = requestBytes("POST", "/api/v1/predict", token, m_photos[0], "image/jpeg");
        for (auto& s : sockets)
            s->write(request);
        for (auto& s : sockets)
            s->flush();
        int ok = 0, busy = 0;
        for (auto& s : sockets) {
            QByteArray data;
            QElapsedTimer t;
            t.start();
            std::optional<HttpReply> reply;
            while (!(reply = parseReply(data, false)) && t.elapsed() < 60000) {
                s->waitForReadyRead(100);
                data += s->readAll();
            }
            QVERIFY(reply);
            if (reply->status == 200) {
                ++ok;
            } else {
                QCOMPARE(reply->status, 503);
                QCOMPARE(reply->header("retry-after"), QByteArray("1"));
                QVERIFY(reply->isOneLineError());
                ++busy;
            }
        }
        qInfo("%d answered, %d told to retry (1 worker, queue of 1)", ok, busy);
        QVERIFY(ok >= 2);
        QVERIFY(busy > 0);
        QCOMPARE(small.terminate(), 0);
    }

    // 1,000 predictions of random bytes: all refused with one line, the server alive after, and
    // its resident memory within 48 MB of where it was after warming up.
    void randomBytesLeaveNoTrace()
    {
        const qint64 pid = m_server->process()->processId();
        QRandomGenerator random(20261202);
        auto garbage = [&](int i) {
            QByteArray b(int(random.bounded(1, 64 * 1024)), Qt::Uninitialized);
            random.fillRange(reinterpret_cast<quint32*>(b.data()), b.size() / 4);
            switch (i % 4) { // the decoder's front doors, then plain noise
            case 0: b.replace(0, 4, "\xFF\xD8\xFF\xE0"); break;
            case 1: b.replace(0, 8, "\x89PNG\r\n\x1A\n"); break;
            case 2: b.replace(0, 6, "GIF89a"); break;
            default: break;
            }
            return b;
        };
        for (int i = 0; i < 50; ++i) // warm up: allocator arenas, decoder tables
            QVERIFY(predict(garbage(i)).status >= 400);
        QCOMPARE(predict(m_photos[0]).status, 200);
        const double baseline = vmRssMb(pid);
        QVERIFY(baseline > 0);
        for (int i = 0; i < 1000; ++i) {
            const HttpReply r = predict(garbage(i));
            QVERIFY2(r.status >= 400 && r.status < 500 && r.isOneLineError(), qPrintable(QStringLiteral("request %1: %2 %3").arg(i).arg(r.status).arg(QString::fromUtf8(r.body.left(200)))));
        }
        QCOMPARE(m_server->get("/healthz", {}).status, 200);
        QCOMPARE(predict(m_photos[0]).status, 200);
        const double after = vmRssMb(pid);
        qInfo("server VmRSS %.1f MB before 1,000 random predictions, %.1f MB after", baseline, after);
        QVERIFY2(after <= baseline + 48, qPrintable(QStringLiteral("%1 MB → %2 MB").arg(baseline).arg(after)));
    }

    void breedList()
    {
        const HttpReply r = m_server->get("/api/v1/breeds", {});
        QCOMPARE(r.status, 200);
        const QJsonArray breeds = r.json()[QStringLiteral("breeds")].toArray();
        QCOMPARE(breeds.size(), 37);
        QCOMPARE(breeds[0][QStringLiteral("id")].toString(), BreedCatalog::oxford().at(0).id);
    }

    // The page and its assets: a strict policy, no sniffing, no framing; nothing else is served.
    void webPageHeaders()
    {
        for (const QByteArray& path : {QByteArray("/"), QByteArray("/web/app.js"), QByteArray("/web/app.css")}) {
            const HttpReply r = m_server->get(path, {});
            QVERIFY2(r.status == 200, path.constData());
            const QByteArray csp = r.header("content-security-policy");
            QVERIFY2(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"), csp.constData());
            QVERIFY(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"));
            QCOMPARE(r.header("x-content-type-options"), QByteArray("nosniff"));
        }
        const HttpReply page = m_server->get("/", {});
        QVERIFY(page.header("content-type").startsWith("text/html"));
        QVERIFY(!page.body.contains("style=") && !page.body.contains("onclick") && !page.body.contains("<script>"));
        QCOMPARE(m_server->get("/web/../server.sqlite", {}).status, 400);
        QCOMPARE(m_server->get("/web/index.htm", {}).status, 404);
        // The API keeps its own, stricter policy.
        QVERIFY(m_server->get("/api/v1/version", {}).header("content-security-policy").contains("default-src 'none'"));
    }
};

QTEST_GUILESS_MAIN(TestServerPredict)
#include "TestServerPredict.moc"
