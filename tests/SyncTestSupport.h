#pragma once
// The client side of the team-server tests: a curator's machine is a workspace folder plus its
// own settings folder (XDG_CONFIG_HOME), and syncs by running the real petcurator-cli.
#include "ServerTestSupport.h"

#include "workspace/SyncLedger.h"
#include "workspace/Workspace.h"

#include <QProcessEnvironment>
#include <QSettings>

namespace pc::test {

class ClientMachine {
public:
    ClientMachine(const QString& root, QString token = {}) : m_root(root), m_token(std::move(token))
    {
        QDir().mkpath(workspaceDir());
        QDir().mkpath(configDir());
    }
    QString workspaceDir() const { return m_root + QStringLiteral("/workspace"); }
    QString configDir() const { return m_root + QStringLiteral("/config"); }
    QString settingsFile() const { return configDir() + QStringLiteral("/PetCurator/petcurator.conf"); }
    void setToken(const QString& token) { m_token = token; }

    std::shared_ptr<Workspace> workspace() const
    {
        auto ws = Workspace::open(workspaceDir());
        if (!ws)
            qFatal("cannot open %s: %s", qPrintable(workspaceDir()), qPrintable(ws.error().message));
        return *ws;
    }

    QProcessEnvironment environment() const
    {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("XDG_CONFIG_HOME"), configDir());
        env.insert(QStringLiteral("PETCURATOR_WORKSPACE"), workspaceDir());
        env.remove(QStringLiteral("PETCURATOR_SERVER"));
        env.remove(QStringLiteral("DBUS_SESSION_BUS_ADDRESS")); // no keychain here: the 0600 file
        if (!m_token.isEmpty())
            env.insert(QStringLiteral("PETCURATOR_TOKEN"), m_token);
        else
            env.remove(QStringLiteral("PETCURATOR_TOKEN"));
        return env;
    }

    // Starts petcurator-cli; the caller waits.
    std::unique_ptr<QProcess> start(const QStringList& args) const
    {
        auto p = std::make_unique<QProcess>();
        p->setProcessEnvironment(environment());
        p->setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGKILL); });
        p->start(cliPath(), args);
        return p;
    }
    static CliRun finish(QProcess& p, int timeoutMs = 600000)
    {
        CliRun r;
        if (!p.waitForFinished(timeoutMs)) {
            p.kill();
            p.waitForFinished();
        }
        r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
        r.out = QString::fromUtf8(p.readAllStandardOutput());
        r.err = QString::fromUtf8(p.readAllStandardError());
        return r;
    }
    CliRun cli(const QStringList& args) const
    {
        auto p = start(args);
        return finish(*p);
    }
    CliRun sync(quint16 port, const QStringList& extra = {}) const
    {
        return cli(QStringList{QStringLiteral("sync"), QStringLiteral("--server"), QStringLiteral("http://127.0.0.1:%1").arg(port)} + extra);
    }

    // The sample photo `name` in the workspace, its id.
    qint64 addImage(const QString& name) const
    {
        const QByteArray bytes = readFile(sampleImage(name));
        auto added = workspace()->addImage(bytes, sampleImage(name), 100, 80, QStringLiteral("files"));
        if (!added)
            qFatal("addImage: %s", qPrintable(added.error().message));
        return added->id;
    }

    int queued() const
    {
        auto ws = workspace();
        auto state = SyncLedger(ws).outboxState();
        return state ? state->queued : -1;
    }

private:
    QString m_root, m_token;
};

// Every event on the server, oldest first.
inline QJsonArray serverEvents(const ServerProcess& server, const QString& token)
{
    QJsonArray all;
    qint64 cursor = 0;
    for (bool more = true; more;) {
        const HttpReply r = server.get("/api/v1/labels?since=" + QByteArray::number(cursor) + "&limit=1000", token);
        if (r.status != 200)
            qFatal("pull failed: %d %s", r.status, r.body.constData());
        for (const QJsonValue& e : r.json()[QStringLiteral("events")].toArray())
            all.append(e);
        cursor = r.json()[QStringLiteral("next")].toInteger();
        more = r.json()[QStringLiteral("more")].toBool();
    }
    return all;
}

// A port nobody listens on (for now).
inline quint16 freePort()
{
    QTcpServer probe;
    probe.listen(QHostAddress::LocalHost, 0);
    const quint16 port = probe.serverPort();
    probe.close();
    return port;
}

} // namespace pc::test
