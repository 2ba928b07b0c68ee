#include "ServerContext.h"

#include "server/ServerDatabase.h"

#include <QDir>
#include <QStandardPaths>

namespace pc::server_app {

QTextStream& out()
{
    static QTextStream s(stdout);
    return s;
}

QTextStream& err()
{
    static QTextStream s(stderr);
    return s;
}

namespace {

// systemd's StateDirectory= sets $STATE_DIRECTORY; otherwise the user's data folder.
QString defaultDataDir()
{
    for (const char* name : {"PETCURATOR_SERVER_DIR", "STATE_DIRECTORY"}) {
        const QString v = qEnvironmentVariable(name).split(QLatin1Char(':')).first();
        if (!v.isEmpty())
            return v;
    }
    return QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation) + QStringLiteral("/petcurator-server");
}

} // namespace

void addStorageOptions(QCommandLineParser& parser)
{
    parser.addOption({QStringLiteral("data-dir"),
                      QStringLiteral("Folder for images, models, the signing key and the default SQLite database "
                                     "(default: $PETCURATOR_SERVER_DIR, $STATE_DIRECTORY or ~/.local/share/petcurator-server)."),
                      QStringLiteral("DIR")});
    parser.addOption({QStringLiteral("database"),
                      QStringLiteral("sqlite:///path/file.sqlite, a file path, or postgresql://user@host:port/db "
                                     "(default: DATA_DIR/server.sqlite)."),
                      QStringLiteral("URL")});
}

Expected<ServerContext, int> ServerContext::open(const QCommandLineParser& parser)
{
    ServerContext ctx;
    const QString dir = parser.isSet(QStringLiteral("data-dir")) ? parser.value(QStringLiteral("data-dir")) : defaultDataDir();
    ctx.paths.dataDir = QDir(dir).absolutePath();
    if (!QDir().mkpath(ctx.paths.dataDir)) {
        err() << "petcurator-server: cannot create the data folder " << ctx.paths.dataDir << "\n";
        return int(Failure);
    }
    auto location = server::DatabaseLocation::parse(parser.value(QStringLiteral("database")), ctx.paths.dataDir);
    if (!location) {
        err() << "petcurator-server: " << location.error().message << "\n";
        return int(BadArguments);
    }
    ctx.location = *location;
    auto db = server::ServerDatabase::open(ctx.location);
    if (!db) {
        err() << "petcurator-server: " << db.error().message << "\n";
        return int(Failure);
    }
    ctx.db = *db;
    return ctx;
}

} // namespace pc::server_app
