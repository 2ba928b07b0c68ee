// The web page in a real browser: Debian's chromium, headless, driven over the DevTools protocol
// (a QWebSocket; no npm packages). A curator signs in by keyboard, chooses a sample photo, accepts
// the first suggestion with Enter, picks another breed from the type-ahead list, and the labels
// are then checked through the HTTP API. The page must raise no console error (a CSP violation
// is one) and must fit a 390 px phone screen without sideways scrolling. Screenshots go to the
// build folder, and to docs/screenshots when PC_UPDATE_SCREENSHOTS=1.
#include "ServerTestSupport.h"

#include <QEventLoop>
#include <QStandardPaths>
#include <QTimer>
#include <QWebSocket>

using namespace pc;
using namespace pc::test;

namespace {

QString chromiumPath()
{
    for (const char* name : {"chromium", "chromium-browser", "google-chrome"})
        if (const QString p = QStandardPaths::findExecutable(QLatin1String(name)); !p.isEmpty())
            return p;
    return {};
}

} // namespace

class TestWebPage : public QObject {
    Q_OBJECT

    QTemporaryDir m_tmp;
    std::unique_ptr<ServerProcess> m_server;
    QString m_admin, m_curator;
    std::unique_ptr<QProcess> m_browser;
    QWebSocket m_socket;
    int m_nextId = 0;
    QHash<int, QJsonObject> m_replies;
    QStringList m_consoleErrors;

    // One DevTools command; its result, or {"error": …}.
    QJsonObject cdp(const QString& method, const QJsonObject& params = {})
    {
        const int id = ++m_nextId;
        m_socket.sendTextMessage(QString::fromUtf8(QJsonDocument(QJsonObject{{QStringLiteral("id"), id}, {QStringLiteral("method"), method},
                                                                              {QStringLiteral("params"), params}})
                                                       .toJson(QJsonDocument::Compact)));
        QEventLoop loop;
        QTimer deadline;
        deadline.setSingleShot(true);
        connect(&deadline, &QTimer::timeout, &loop, &QEventLoop::quit);
        auto waiting = connect(&m_socket, &QWebSocket::textMessageReceived, &loop, [&] {
            if (m_replies.contains(id))
                loop.quit();
        });
        deadline.start(30000);
        if (!m_replies.contains(id))
            loop.exec();
        disconnect(waiting);
        const QJsonObject reply = m_replies.take(id);
        if (reply.contains(QStringLiteral("error")))
            return QJsonObject{{QStringLiteral("error"), reply.value(QStringLiteral("error"))}};
        return reply.value(QStringLiteral("result")).toObject();
    }

    // A JavaScript expression's value in the page.
    QJsonValue eval(const QString& expression)
    {
        const QJsonObject r = cdp(QStringLiteral("Runtime.evaluate"), {{QStringLiteral("expression"), expression},
                                                                      {QStringLiteral("returnByValue"), true},
                                                                      {QStringLiteral("awaitPromise"), true}});
        return r.value(QStringLiteral("result")).toObject().value(QStringLiteral("value"));
    }

    void key(const QString& name, int code)
    {
        for (const char* type : {"keyDown", "keyUp"})
            cdp(QStringLiteral("Input.dispatchKeyEvent"), {{QStringLiteral("type"), QLatin1String(type)}, {QStringLiteral("key"), name},
                                                            {QStringLiteral("code"), name}, {QStringLiteral("windowsVirtualKeyCode"), code},
                                                            {QStringLiteral("text"), name == QLatin1String("Enter") ? QStringLiteral("\r") : QString()}});
    }

    void type(const QString& text) { cdp(QStringLiteral("Input.insertText"), {{QStringLiteral("text"), text}}); }

    void screenshot(const QString& name)
    {
        const QJsonObject shot = cdp(QStringLiteral("Page.captureScreenshot"), {{QStringLiteral("format"), QStringLiteral("png")},
                                                                                {QStringLiteral("captureBeyondViewport"), false}});
        const QByteArray png = QByteArray::fromBase64(shot.value(QStringLiteral("data")).toString().toLatin1());
        QVERIFY2(png.startsWith("\x89PNG"), "no screenshot");
        QStringList dirs{QStringLiteral(PC_BINARY_DIR "/screenshots")};
        if (qEnvironmentVariableIntValue("PC_UPDATE_SCREENSHOTS") == 1)
            dirs << sourceDir() + QStringLiteral("/docs/screenshots");
        for (const QString& dir : dirs) {
            QDir().mkpath(dir);
            QFile f(dir + QLatin1Char('/') + name);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(png);
        }
    }

    QJsonArray serverLabels()
    {
        return m_server->get("/api/v1/labels?since=0&limit=1000", m_admin).json()[QStringLiteral("events")].toArray();
    }

private Q_SLOTS:
    void initTestCase()
    {
        const QString chromium = chromiumPath();
        if (chromium.isEmpty())
            QSKIP("chromium is not installed (apt-get install chromium): the web page is not tested in a browser");
        m_server = std::make_unique<ServerProcess>(m_tmp.filePath(QStringLiteral("server")));
        m_admin = m_server->addUser(QStringLiteral("admin"), QStringLiteral("admin"));
        m_curator = m_server->addUser(QStringLiteral("alex"), QStringLiteral("curator"));
        QVERIFY(m_server->start());

        const QString profile = m_tmp.filePath(QStringLiteral("chromium"));
        m_browser = std::make_unique<QProcess>();
        m_browser->setProcessChannelMode(QProcess::MergedChannels);
        m_browser->setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGKILL); });
        QStringList args{QStringLiteral("--headless=new"), QStringLiteral("--remote-debugging-port=0"), QStringLiteral("--user-data-dir=") + profile,
                         QStringLiteral("--remote-allow-origins=*"), QStringLiteral("--no-first-run"), QStringLiteral("--disable-gpu"), QStringLiteral("--disable-extensions"),
                         QStringLiteral("--window-size=1000,1100"), QStringLiteral("about:blank")};
        if (::geteuid() == 0)
            args.prepend(QStringLiteral("--no-sandbox")); // chromium refuses to run as root with its sandbox
        m_browser->start(chromium, args);
        QVERIFY(m_browser->waitForStarted(30000));
        QTRY_VERIFY_WITH_TIMEOUT(QFileInfo::exists(profile + QStringLiteral("/DevToolsActivePort")), 60000);
        QByteArray portFile;
        QTRY_VERIFY_WITH_TIMEOUT((portFile = readFile(profile + QStringLiteral("/DevToolsActivePort"))).contains('\n'), 10000);
        const quint16 port = quint16(portFile.split('\n').first().toUInt());
        QVERIFY(port > 0);

        // Chromium builds the WebSocket URLs from the Host header: it must carry the port.
        const HttpReply list = rawRequest(port, "GET /json/list HTTP/1.1\r\nHost: 127.0.0.1:" + QByteArray::number(port) + "\r\nConnection: close\r\n\r\n");
        QString pageUrl;
        for (const QJsonValue& t : QJsonDocument::fromJson(list.body).array())
            if (t[QStringLiteral("type")].toString() == QLatin1String("page") && pageUrl.isEmpty())
                pageUrl = t[QStringLiteral("webSocketDebuggerUrl")].toString();
        QVERIFY2(!pageUrl.isEmpty(), list.body.constData());

        connect(&m_socket, &QWebSocket::textMessageReceived, this, [this](const QString& text) {
            const QJsonObject message = QJsonDocument::fromJson(text.toUtf8()).object();
            if (message.contains(QStringLiteral("id"))) {
                m_replies.insert(message.value(QStringLiteral("id")).toInt(), message);
                return;
            }
            const QString method = message.value(QStringLiteral("method")).toString();
            const QJsonObject params = message.value(QStringLiteral("params")).toObject();
            if (method == QLatin1String("Runtime.exceptionThrown"))
                m_consoleErrors << QString::fromUtf8(QJsonDocument(params).toJson(QJsonDocument::Compact)).left(300);
            else if (method == QLatin1String("Log.entryAdded") && params[QStringLiteral("entry")][QStringLiteral("level")].toString() == QLatin1String("error"))
                m_consoleErrors << params[QStringLiteral("entry")][QStringLiteral("text")].toString();
            else if (method == QLatin1String("Runtime.consoleAPICalled") && params[QStringLiteral("type")].toString() == QLatin1String("error"))
                m_consoleErrors << QString::fromUtf8(QJsonDocument(params[QStringLiteral("args")].toArray()).toJson(QJsonDocument::Compact)).left(300);
        });
        m_socket.open(QUrl(pageUrl));
        QTRY_VERIFY_WITH_TIMEOUT(m_socket.state() == QAbstractSocket::ConnectedState || m_socket.state() == QAbstractSocket::UnconnectedState, 30000);
        QVERIFY2(m_socket.state() == QAbstractSocket::ConnectedState, qPrintable(pageUrl + QStringLiteral(": ") + m_socket.errorString()));
        for (const char* domain : {"Page.enable", "Runtime.enable", "Log.enable", "DOM.enable"})
            QVERIFY(!cdp(QLatin1String(domain)).contains(QStringLiteral("error")));
    }

    void cleanupTestCase()
    {
        m_socket.close();
        if (m_browser && m_browser->state() != QProcess::NotRunning) {
            m_browser->terminate();
            if (!m_browser->waitForFinished(10000))
                m_browser->kill();
            m_browser->waitForFinished(5000);
        }
    }

    void signInChooseAcceptAndPickAnother()
    {
        const QString origin = QStringLiteral("http://127.0.0.1:%1").arg(m_server->port());
        cdp(QStringLiteral("Page.navigate"), {{QStringLiteral("url"), origin + QStringLiteral("/")}});
        QTRY_VERIFY_WITH_TIMEOUT(eval(QStringLiteral("document.readyState === 'complete' && !!document.getElementById('token')")).toBool(), 30000);

        // Sign in by keyboard: focus the token field, type, Enter.
        eval(QStringLiteral("document.getElementById('token').focus()"));
        type(m_curator);
        key(QStringLiteral("Enter"), 13);
        QTRY_VERIFY_WITH_TIMEOUT(!eval(QStringLiteral("document.getElementById('curate').hidden")).toBool(), 30000);
        QCOMPARE(eval(QStringLiteral("document.getElementById('who').textContent")).toString(), QStringLiteral("alex (curator)"));
        QTRY_VERIFY_WITH_TIMEOUT(eval(QStringLiteral("document.getElementById('breed-list').options.length")).toInt() == 37, 30000);

        // Choose a photo (the file chooser is the input itself, as a keyboard user reaches it).
        // A copy in our own folder: what a user's browser would read from their disk.
        const QString photoPath = m_tmp.filePath(QStringLiteral("Abyssinian_1.jpg"));
        QVERIFY(QFile::copy(sampleImage(QStringLiteral("Abyssinian_1.jpg")), photoPath));
        const QString photoSha = sha256Hex(readFile(photoPath));
        const int documentNode = cdp(QStringLiteral("DOM.getDocument")).value(QStringLiteral("root")).toObject().value(QStringLiteral("nodeId")).toInt();
        const int inputNode = cdp(QStringLiteral("DOM.querySelector"), {{QStringLiteral("nodeId"), documentNode}, {QStringLiteral("selector"), QStringLiteral("#photo")}})
                                  .value(QStringLiteral("nodeId")).toInt();
        QVERIFY(inputNode > 0);
        const QJsonObject set = cdp(QStringLiteral("DOM.setFileInputFiles"), {{QStringLiteral("nodeId"), inputNode}, {QStringLiteral("files"), QJsonArray{photoPath}}});
        QVERIFY2(!set.contains(QStringLiteral("error")), QJsonDocument(set).toJson().constData());
        QTRY_VERIFY2_WITH_TIMEOUT(eval(QStringLiteral("document.querySelectorAll('#guesses button').length")).toInt() == 3,
                                  qPrintable(eval(QStringLiteral("document.getElementById('status').textContent")).toString()), 30000);
        QVERIFY(eval(QStringLiteral("document.getElementById('model').textContent")).toString().startsWith(QStringLiteral("Model zero-shot")));
        QCOMPARE(eval(QStringLiteral("document.querySelectorAll('#guesses meter').length")).toInt(), 3);
        QCOMPARE(m_server->get("/api/v1/images/" + photoSha.toLatin1(), m_admin).status, 200); // uploaded under its SHA-256

        // The first suggestion has the focus: Enter accepts it.
        const QString accepted = eval(QStringLiteral("document.activeElement.dataset.breed || ''")).toString();
        QVERIFY2(BreedCatalog::oxford().indexOf(accepted) >= 0, qPrintable(accepted));
        key(QStringLiteral("Enter"), 13);
        QTRY_VERIFY_WITH_TIMEOUT(eval(QStringLiteral("document.getElementById('status').textContent")).toString().startsWith(QStringLiteral("Saved")), 30000);
        QTRY_VERIFY_WITH_TIMEOUT(eval(QStringLiteral("document.querySelectorAll('#recent li').length")).toInt() == 1, 30000);
        cdp(QStringLiteral("Emulation.setDeviceMetricsOverride"), {{QStringLiteral("width"), 1000}, {QStringLiteral("height"), 1120},
                                                                  {QStringLiteral("deviceScaleFactor"), 1}, {QStringLiteral("mobile"), false}});
        screenshot(QStringLiteral("web-page.png"));
        QJsonArray labels = serverLabels();
        QCOMPARE(labels.size(), 1);
        QCOMPARE(labels[0][QStringLiteral("image")].toString(), photoSha);
        QCOMPARE(labels[0][QStringLiteral("breed")].toString(), accepted);
        QCOMPARE(labels[0][QStringLiteral("author")].toString(), QStringLiteral("alex"));

        // Another breed from the type-ahead list, by keyboard.
        eval(QStringLiteral("document.getElementById('breed').focus()"));
        type(QStringLiteral("Great Pyrenees"));
        key(QStringLiteral("Enter"), 13);
        QTRY_COMPARE_WITH_TIMEOUT(eval(QStringLiteral("document.getElementById('status').textContent")).toString(), QStringLiteral("Saved: Great Pyrenees"), 30000);
        QTRY_VERIFY_WITH_TIMEOUT(eval(QStringLiteral("document.querySelectorAll('#recent li').length")).toInt() == 2, 30000);
        labels = serverLabels();
        QCOMPARE(labels.size(), 2);
        QCOMPARE(labels[1][QStringLiteral("breed")].toString(), QStringLiteral("great_pyrenees"));

        // A breed that is not on the list is refused on the page, with a message.
        eval(QStringLiteral("document.getElementById('breed').value = ''; document.getElementById('breed').focus()"));
        type(QStringLiteral("Unicorn"));
        key(QStringLiteral("Enter"), 13);
        QTRY_VERIFY_WITH_TIMEOUT(eval(QStringLiteral("document.getElementById('status').textContent")).toString().startsWith(QStringLiteral("Pick a breed")), 30000);
        QCOMPARE(serverLabels().size(), 2);

        // Every control is reachable and named: labelled inputs, buttons with text.
        QCOMPARE(eval(QStringLiteral("[...document.querySelectorAll('input')].filter(i => !document.querySelector(`label[for=\"${i.id}\"]`)).length")).toInt(), 0);
        QCOMPARE(eval(QStringLiteral("[...document.querySelectorAll('button')].filter(b => !b.textContent.trim()).length")).toInt(), 0);
    }

    void fitsAPhone()
    {
        const QJsonObject r = cdp(QStringLiteral("Emulation.setDeviceMetricsOverride"),
                                  {{QStringLiteral("width"), 390}, {QStringLiteral("height"), 844}, {QStringLiteral("deviceScaleFactor"), 1},
                                   {QStringLiteral("mobile"), true}});
        QVERIFY(!r.contains(QStringLiteral("error")));
        QTRY_COMPARE_WITH_TIMEOUT(eval(QStringLiteral("window.innerWidth")).toInt(), 390, 10000);
        QVERIFY2(eval(QStringLiteral("document.documentElement.scrollWidth <= window.innerWidth")).toBool(), "the page scrolls sideways at 390 px");
        eval(QStringLiteral("document.getElementById('breed').value = ''; document.activeElement.blur(); window.scrollTo(0, 0)"));
        screenshot(QStringLiteral("web-page-phone.png"));
    }

    void noConsoleErrors()
    {
        QVERIFY2(m_consoleErrors.isEmpty(), qPrintable(m_consoleErrors.join(QLatin1Char('\n'))));
    }
};

QTEST_GUILESS_MAIN(TestWebPage)
#include "TestWebPage.moc"
