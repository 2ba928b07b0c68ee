#pragma once
// Where the server keeps its rows: an SQLite file (the default) or a PostgreSQL database.
//   --database /path/server.sqlite | sqlite:///path/server.sqlite
//   --database postgresql://user[:password]@host[:port]/db  (host may be a socket directory,
//              percent-encoded, or given as ?host=/run/postgresql)
#include "Expected.h"

#include <QString>

namespace pc::server {

enum class Engine { Sqlite, Postgres };

struct DatabaseLocation {
    Engine engine = Engine::Sqlite;
    QString sqlitePath;   // Sqlite
    QString host;         // Postgres: host name, address or socket directory
    int port = 5432;
    QString user, password, database;

    // The location without the password, for logs and errors.
    QString describe() const;

    // An empty text means "<dataDir>/server.sqlite".
    static Expected<DatabaseLocation> parse(const QString& text, const QString& dataDir);
};

} // namespace pc::server
