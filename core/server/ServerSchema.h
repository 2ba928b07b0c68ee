#pragma once
// The server's schema and its migrations, one list for SQLite and PostgreSQL. A one-row table
// schema_version holds the version (PostgreSQL has no PRAGMA user_version). Every pending
// migration runs in one write transaction: a failure leaves the old version untouched.
#include "Expected.h"

namespace pc::server {
class ServerDatabase;
}

namespace pc::server::schema {

int latestVersion();
Expected<int> version(const ServerDatabase& db);
Status<> migrate(const ServerDatabase& db);

} // namespace pc::server::schema
