#include "server/DatabaseLocation.h"

#include <QDir>
#include <QFileInfo>
#include <QUrl>
#include <QUrlQuery>

namespace pc::server {

QString DatabaseLocation::describe() const
{
    if (engine == Engine::Sqlite)
        return QStringLiteral("sqlite:%1").arg(sqlitePath);
    return QStringLiteral("postgresql://%1@%2:%3/%4").arg(user, host).arg(port).arg(database);
}

Expected<DatabaseLocation> DatabaseLocation::parse(const QString& text, const QString& dataDir)
{
    DatabaseLocation loc;
    const QString t = text.trimmed();
    if (t.isEmpty()) {
        loc.sqlitePath = QDir(dataDir).absoluteFilePath(QStringLiteral("server.sqlite"));
        return loc;
    }
    if (t.startsWith(QLatin1String("postgresql://")) || t.startsWith(QLatin1String("postgres://"))) {
        const QUrl url(t, QUrl::StrictMode);
        if (!url.isValid())
            return Error{QStringLiteral("--database: not a valid PostgreSQL URL: %1").arg(url.errorString())};
        loc.engine = Engine::Postgres;
        loc.user = url.userName();
        loc.password = url.password();
        loc.host = url.host(); // QUrl decodes %2F, so a socket directory may be given percent-encoded
        loc.port = url.port(5432);
        loc.database = url.path().mid(1);
        const QUrlQuery query(url);
        if (query.hasQueryItem(QStringLiteral("host")))
            loc.host = query.queryItemValue(QStringLiteral("host"), QUrl::FullyDecoded);
        if (loc.host.isEmpty())
            loc.host = QStringLiteral("/run/postgresql");
        if (loc.database.isEmpty() || loc.database.contains(QLatin1Char('/')))
            return Error{QStringLiteral("--database: the PostgreSQL URL needs a database name: postgresql://user@host:port/db")};
        if (loc.user.isEmpty())
            return Error{QStringLiteral("--database: the PostgreSQL URL needs a user: postgresql://user@host:port/db")};
        return loc;
    }
    if (t.contains(QLatin1String("://")) && !t.startsWith(QLatin1String("sqlite://")))
        return Error{QStringLiteral("--database: unknown scheme in %1 (use a file path, sqlite:///path or postgresql://…)").arg(t.section(QLatin1String("://"), 0, 0))};
    QString path = t.startsWith(QLatin1String("sqlite://")) ? t.mid(9) : t;
    if (path.isEmpty())
        return Error{QStringLiteral("--database: sqlite:// needs a file path")};
    loc.sqlitePath = QFileInfo(path).absoluteFilePath(); // relative to the working directory, like any path argument
    return loc;
}

} // namespace pc::server
