#pragma once
// End-to-end helpers for the petcurator-server tests: a real server process on an ephemeral
// loopback port, a throwaway PostgreSQL cluster (TECH-NOTES recipe), and a raw HTTP/1.1 client
// that sends bytes exactly as written (path tricks, lying headers, chunked bodies).
#include "TestSupport.h"

#include "model/BreedCatalog.h"
#include "model/ModelBundle.h"

#include <QCryptographicHash>
#include <QDir>
#include <QDirIterator>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QThread>
#include <QUuid>
#include <csignal>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <optional>
#include <unistd.h>

namespace pc::test {

inline QString serverPath() { return QStringLiteral(PC_BINARY_DIR "/app/petcurator-server"); }
inline QString newUuid() { return QUuid::createUuid().toString(QUuid::WithoutBraces); }
inline QString sha256Hex(const QByteArray& b)
{
    return QString::fromLatin1(QCryptographicHash::hash(b, QCryptographicHash::Sha256).toHex());
}

struct HttpReply {
    int status = 0; // 0: no answer at all
    QHash<QByteArray, QByteArray> headers; // lower-case names
    QByteArray body;
    QJsonObject json() const { return QJsonDocument::fromJson(body).object(); }
    QJsonArray array() const { return QJsonDocument::fromJson(body).array(); }
    QString error() const { return json().value(QStringLiteral("error")).toString(); }
    QByteArray header(const char* name) const { return headers.value(QByteArray(name).toLower()); }
    // One line of JSON {"error": "..."}: what every 4xx must be.
    bool isOneLineError() const
    {
        const QByteArray trimmed = body.trimmed();
        return !trimmed.contains('\n') && !error().isEmpty() && header("content-type") == "application/json";
    }
};

// Parses the first complete response in `data`; nullopt while incomplete.
inline std::optional<HttpReply> parseReply(const QByteArray& data, bool closed)
{
    qsizetype headEnd = data.indexOf("\r\n\r\n");
    // Skip interim "100 Continue" answers.
    qsizetype start = 0;
    while (headEnd >= 0 && data.mid(start, 12).startsWith("HTTP/1.1 100")) {
        start = headEnd + 4;
        headEnd = data.indexOf("\r\n\r\n", start);
    }
    if (headEnd < 0)
        return std::nullopt;
    HttpReply r;
    const QList<QByteArray> lines = data.mid(start, headEnd - start).split('\n');
    r.status = lines.first().split(' ').value(1).toInt();
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const qsizetype colon = lines[i].indexOf(':');
        if (colon > 0)
            r.headers.insert(lines[i].left(colon).trimmed().toLower(), lines[i].mid(colon + 1).trimmed());
    }
    const qint64 length = r.headers.value("content-length", "-1").toLongLong();
    const QByteArray rest = data.mid(headEnd + 4);
    if (length >= 0 && rest.size() < length)
        return closed ? std::optional<HttpReply>(r) : std::nullopt;
    if (length < 0 && !closed)
        return std::nullopt;
    r.body = length >= 0 ? rest.left(length) : rest;
    return r;
}

// Sends `raw` on a fresh connection and reads one response.
inline HttpReply rawRequest(quint16 port, const QByteArray& raw, int timeoutMs = 60000)
{
    QTcpSocket s;
    s.connectToHost(QHostAddress::LocalHost, port);
    if (!s.waitForConnected(10000))
        return {};
    s.write(raw);
    QByteArray data;
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < timeoutMs) {
        if (auto r = parseReply(data, false))
            return *r;
        if (s.state() != QAbstractSocket::ConnectedState && s.bytesAvailable() == 0)
            break;
        s.waitForReadyRead(200);
        data += s.readAll();
    }
    data += s.readAll();
    return parseReply(data, true).value_or(HttpReply{});
}

inline QByteArray requestBytes(const QByteArray& method, const QByteArray& path, const QString& token, const QByteArray& body = {},
                               const QByteArray& contentType = "application/json", const QList<QByteArray>& extra = {})
{
    QByteArray raw = method + ' ' + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
    if (!token.isEmpty())
        raw += "Authorization: Bearer " + token.toLatin1() + "\r\n";
    if (!body.isEmpty() || method == "POST" || method == "PUT") {
        if (!contentType.isEmpty())
            raw += "Content-Type: " + contentType + "\r\n";
        raw += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
    }
    for (const QByteArray& h : extra)
        raw += h + "\r\n";
    return raw + "\r\n" + body;
}

// A throwaway PostgreSQL cluster without systemd (TECH-NOTES): initdb, pg_ctl start on a free
// port, createdb. As root the cluster runs as the postgres user. Stopped when destroyed.
class PostgresCluster {
public:
    static QString binDir()
    {
        const QStringList versions = QDir(QStringLiteral("/usr/lib/postgresql")).entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name);
        for (auto it = versions.crbegin(); it != versions.crend(); ++it) {
            const QString bin = QStringLiteral("/usr/lib/postgresql/%1/bin").arg(*it);
            if (QFileInfo::exists(bin + QStringLiteral("/initdb")) && QFileInfo::exists(bin + QStringLiteral("/pg_ctl")))
                return bin;
        }
        return {};
    }

    // Empty on success, else why not.
    QString start(const QString& root)
    {
        m_bin = binDir();
        if (m_bin.isEmpty())
            return QStringLiteral("PostgreSQL binaries not found");
        m_root = root;
        QDir().mkpath(root);
        ::chmod(QFile::encodeName(root).constData(), 0755);
        QTcpServer probe;
        probe.listen(QHostAddress::LocalHost, 0);
        m_port = probe.serverPort();
        probe.close();
        const QString pg = root + QStringLiteral("/pg"), sock = root + QStringLiteral("/sock"), log = root + QStringLiteral("/pg.log");
        m_asRoot = ::geteuid() == 0;
        if (m_asRoot) {
            if (!run(QStringLiteral("install -d -o postgres -g postgres -m 700 '%1' && install -d -o postgres -g postgres '%2' && "
                                    "install -o postgres -g postgres -m 644 /dev/null '%3'").arg(pg, sock, log), false))
                return QStringLiteral("cannot prepare the cluster folders: %1").arg(m_output);
        } else {
            QDir().mkpath(pg);
            QDir().mkpath(sock);
        }
        if (!run(QStringLiteral("'%1/initdb' -D '%2' -U postgres --auth=trust -E UTF8 --no-locale").arg(m_bin, pg)))
            return QStringLiteral("initdb failed: %1").arg(m_output.right(400));
        if (!run(QStringLiteral("'%1/pg_ctl' -D '%2' -l '%3' -w -o \"-p %4 -k %5 -c listen_addresses=127.0.0.1 -c fsync=off\" start")
                     .arg(m_bin, pg, log).arg(m_port).arg(sock)))
            return QStringLiteral("pg_ctl start failed: %1").arg(m_output.right(400));
        m_started = true;
        if (!run(QStringLiteral("'%1/createdb' -h '%2' -p %3 -U postgres petcurator").arg(m_bin, sock).arg(m_port)))
            return QStringLiteral("createdb failed: %1").arg(m_output.right(400));
        m_socketDir = sock;
        return {};
    }
    ~PostgresCluster() { stop(); }
    void stop()
    {
        if (m_started)
            run(QStringLiteral("'%1/pg_ctl' -D '%2/pg' -m fast -w stop").arg(m_bin, m_root));
        m_started = false;
    }
    QString url() const { return QStringLiteral("postgresql://postgres@127.0.0.1:%1/petcurator").arg(m_port); }
    QString socketUrl() const { return QStringLiteral("postgresql://postgres@localhost:%1/petcurator?host=%2").arg(m_port).arg(m_socketDir); }
    // A fresh database in this cluster, for one test's server.
    QString createDatabase(const QString& name)
    {
        if (!run(QStringLiteral("'%1/createdb' -h '%2' -p %3 -U postgres %4").arg(m_bin, m_socketDir).arg(m_port).arg(name)))
            return {};
        return QStringLiteral("postgresql://postgres@127.0.0.1:%1/%2").arg(m_port).arg(name);
    }
    QString psql(const QString& database, const QString& statement)
    {
        run(QStringLiteral("'%1/psql' -h '%2' -p %3 -U postgres -At -d %4 -c \"%5\"").arg(m_bin, m_socketDir).arg(m_port).arg(database, statement));
        return m_output.trimmed();
    }

private:
    bool run(const QString& command, bool asPostgres = true)
    {
        QProcess p;
        p.setProcessChannelMode(QProcess::MergedChannels);
        if (m_asRoot && asPostgres)
            p.start(QStringLiteral("su"), {QStringLiteral("postgres"), QStringLiteral("-s"), QStringLiteral("/bin/sh"), QStringLiteral("-c"), command});
        else
            p.start(QStringLiteral("/bin/sh"), {QStringLiteral("-c"), command});
        const bool finished = p.waitForFinished(120000);
        m_output = QString::fromLocal8Bit(p.readAll());
        return finished && p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0;
    }

    QString m_bin, m_root, m_socketDir, m_output;
    quint16 m_port = 0;
    bool m_asRoot = false;
    bool m_started = false;
};

// One petcurator-server process on 127.0.0.1 with an ephemeral port.
class ServerProcess {
public:
    ServerProcess(QString dataDir, QString database = {})
        : m_dataDir(std::move(dataDir))
        , m_database(std::move(database))
    {
    }
    ~ServerProcess() { kill(); }

    QStringList storageArgs() const
    {
        QStringList a{QStringLiteral("--data-dir"), m_dataDir};
        if (!m_database.isEmpty())
            a << QStringLiteral("--database") << m_database;
        return a;
    }

    struct Run {
        int code = -1;
        QString out, err;
    };
    Run command(const QStringList& args) const
    {
        QProcess p;
        p.start(serverPath(), args + storageArgs());
        if (!p.waitForFinished(120000))
            return {};
        return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, QString::fromUtf8(p.readAllStandardOutput()),
                QString::fromUtf8(p.readAllStandardError())};
    }
    // `user add` and return the token it prints (alone on stdout).
    QString addUser(const QString& name, const QString& role, const QStringList& extra = {}) const
    {
        const Run r = command(QStringList{QStringLiteral("user"), QStringLiteral("add"), name, QStringLiteral("--role"), role} + extra);
        if (r.code != 0)
            qFatal("user add %s failed: %s", qPrintable(name), qPrintable(r.err));
        return r.out.trimmed();
    }

    bool start(const QStringList& extra = {})
    {
        const QString portFile = m_dataDir + QStringLiteral("/port");
        QFile::remove(portFile);
        m_process = std::make_unique<QProcess>();
        m_process->setProcessChannelMode(QProcess::SeparateChannels);
        // A test that dies (qFatal, a crash) takes its server with it instead of leaving it running.
        m_process->setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGKILL); });
        m_process->start(serverPath(), QStringList{QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"), QStringLiteral("--port-file"), portFile}
                                           + storageArgs() + extra);
        QElapsedTimer t;
        t.start();
        while (t.elapsed() < 60000 && m_process->state() != QProcess::NotRunning) {
            QFile f(portFile);
            if (f.open(QIODevice::ReadOnly)) {
                m_port = quint16(f.readAll().trimmed().toUInt());
                if (m_port > 0)
                    return true;
            }
            m_process->waitForFinished(50);
        }
        qWarning("server did not start: %s", m_process->readAllStandardError().constData());
        return false;
    }
    quint16 port() const { return m_port; }
    QProcess* process() { return m_process.get(); }
    // SIGTERM, then the exit code (-1 when it did not exit cleanly in time).
    int terminate(int timeoutMs = 60000)
    {
        if (!m_process || m_process->state() == QProcess::NotRunning)
            return -1;
        ::kill(pid_t(m_process->processId()), SIGTERM);
        if (!m_process->waitForFinished(timeoutMs))
            return -1;
        m_stderr += m_process->readAllStandardError();
        return m_process->exitStatus() == QProcess::NormalExit ? m_process->exitCode() : -1;
    }
    void kill()
    {
        if (m_process && m_process->state() != QProcess::NotRunning) {
            m_process->kill();
            m_process->waitForFinished(10000);
        }
    }
    QByteArray stderrText()
    {
        if (m_process)
            m_stderr += m_process->readAllStandardError();
        return m_stderr;
    }

    HttpReply request(const QByteArray& method, const QByteArray& path, const QString& token, const QByteArray& body = {},
                      const QByteArray& contentType = "application/json", const QList<QByteArray>& extra = {}) const
    {
        return rawRequest(m_port, requestBytes(method, path, token, body, contentType, extra));
    }
    HttpReply get(const QByteArray& path, const QString& token) const { return request("GET", path, token); }
    HttpReply postJson(const QByteArray& path, const QString& token, const QJsonObject& body) const
    {
        return request("POST", path, token, QJsonDocument(body).toJson(QJsonDocument::Compact));
    }
    HttpReply putImage(const QString& token, const QByteArray& bytes, const QString& name = {}) const
    {
        return request("PUT", "/api/v1/images/" + (name.isEmpty() ? sha256Hex(bytes) : name).toLatin1(), token, bytes, "image/jpeg");
    }

private:
    QString m_dataDir, m_database;
    std::unique_ptr<QProcess> m_process;
    quint16 m_port = 0;
    QByteArray m_stderr;
};

// {"events":[{uuid, image, breed}]}
inline QJsonObject labelBatch(const QList<QPair<QString, QString>>& imageAndBreed, QStringList* uuids = nullptr)
{
    QJsonArray events;
    for (const auto& [image, breed] : imageAndBreed) {
        const QString uuid = newUuid();
        if (uuids)
            *uuids << uuid;
        events.append(QJsonObject{{QStringLiteral("uuid"), uuid}, {QStringLiteral("image"), image}, {QStringLiteral("breed"), breed}});
    }
    return {{QStringLiteral("events"), events}};
}

// A real bundle for the 37 breeds, written by the desktop's own writer.
inline QByteArray makeTestBundle(const QString& path, int classes = 37, float seed = 0.5f)
{
    ModelBundle b;
    b.version = QStringLiteral("v3");
    b.created = QDateTime::currentDateTimeUtc();
    b.backboneId = QString::fromLatin1(Backbone::kId);
    b.weightsHash = QStringLiteral("0123456789abcdef");
    b.preprocessing = ModelBundle::defaultPreprocessing();
    b.metrics = QJsonObject{{QStringLiteral("val_accuracy"), 0.91}};
    QStringList ids = BreedCatalog::oxford().ids().mid(0, classes);
    cv::Mat w(classes, 8, CV_32F), bias(1, classes, CV_32F);
    cv::randu(w, -seed, seed);
    cv::randu(bias, -seed, seed);
    b.head = ClassifierHead(ids, {DenseLayer{w, bias}}, std::vector<bool>(size_t(classes), true));
    auto written = writeModelBundle(b, path);
    if (!written)
        qFatal("cannot write a test bundle: %s", qPrintable(written.error().message));
    return readFile(path);
}


// A server for one test class, on SQLite, or on a throwaway PostgreSQL cluster when
// $PC_SERVER_TEST_ENGINE is "postgresql" (CTest registers both variants).
class ServerFixture {
public:
    static bool wantsPostgres() { return qEnvironmentVariable("PC_SERVER_TEST_ENGINE") == QLatin1String("postgresql"); }
    static bool postgresAvailable() { return !PostgresCluster::binDir().isEmpty(); }

    // Empty on success, else why not.
    QString start(const QString& name = QStringLiteral("main"))
    {
        QString database;
        if (wantsPostgres()) {
            if (!m_cluster) {
                // The cluster runs as postgres (TECH-NOTES), which must get through our 0700 folder.
                ::chmod(QFile::encodeName(m_tmp.path()).constData(), 0755);
                m_cluster = std::make_unique<PostgresCluster>();
                if (const QString why = m_cluster->start(m_tmp.filePath(QStringLiteral("postgres"))); !why.isEmpty())
                    return why;
            }
            database = m_cluster->createDatabase(QStringLiteral("pc_") + name);
            if (database.isEmpty())
                return QStringLiteral("cannot create database pc_%1").arg(name);
        }
        auto server = std::make_unique<ServerProcess>(m_tmp.filePath(name), database);
        m_servers.push_back(std::move(server));
        if (!m_servers.back()->start())
            return QStringLiteral("the server did not start");
        return {};
    }
    ServerProcess& server(int i = 0) { return *m_servers.at(size_t(i)); }
    PostgresCluster* cluster() { return m_cluster.get(); }
    QString dir(const QString& name = QStringLiteral("main")) const { return m_tmp.filePath(name); }

private:
    QTemporaryDir m_tmp;
    std::unique_ptr<PostgresCluster> m_cluster;
    std::vector<std::unique_ptr<ServerProcess>> m_servers; // before m_cluster goes: declared after it
};

} // namespace pc::test
