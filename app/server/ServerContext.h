#pragma once
// What every petcurator-server command shares: --data-dir and --database, and opening them.
#include "Expected.h"
#include "server/Api.h"
#include "server/DatabaseLocation.h"

#include <QCommandLineParser>
#include <QTextStream>
#include <memory>

namespace pc::server {
class ServerDatabase;
}

namespace pc::server_app {

QTextStream& out();
QTextStream& err();

enum ExitCode { Success = 0, Failure = 1, BadArguments = 2 };

void addStorageOptions(QCommandLineParser& parser);

struct ServerContext {
    server::ServerPaths paths;
    server::DatabaseLocation location;
    std::shared_ptr<server::ServerDatabase> db;

    // Prints a one-line error and returns the exit code on failure.
    static Expected<ServerContext, int> open(const QCommandLineParser& parser);
};

} // namespace pc::server_app
