#pragma once
// The workspace database schema and its migrations. PRAGMA user_version holds the schema version;
// PRAGMA application_id marks the file as a PetCurator workspace.
#include "Expected.h"

#include <QSqlDatabase>

namespace pc::schema {

constexpr int kApplicationId = 0x50435753; // "PCWS"

// The version this build creates and understands.
int latestVersion();

// Refuses databases it must not touch: a newer schema, another application's file, or an SQLite
// file that already holds tables without being a workspace. Reads only.
Status<> checkCompatible(const QSqlDatabase& db, const QString& path);

// Brings the schema to latestVersion(): every pending migration, in order, in one transaction, so
// a failure (or a kill) leaves the database at its old version, untouched.
Status<> migrate(const QSqlDatabase& db);

Expected<int> version(const QSqlDatabase& db);

} // namespace pc::schema
