#include "workspace/Schema.h"

#include "workspace/SqlSupport.h"

#include <QSqlQuery>
#include <QStringList>

#include <iterator>

namespace pc::schema {

namespace {

Status<> runAll(const QSqlDatabase& db, const QStringList& statements)
{
    for (const QString& statement : statements) {
        QSqlQuery q(db);
        if (!q.exec(statement))
            return sql::error(QStringLiteral("schema statement failed (%1)").arg(statement.simplified().left(60)), q);
    }
    return done();
}

// Version 1: the first schema.
Status<> toVersion1(const QSqlDatabase& db)
{
    return runAll(db, {
        QStringLiteral("PRAGMA application_id = %1").arg(kApplicationId),
        QStringLiteral(R"(CREATE TABLE images (
            id            INTEGER PRIMARY KEY,
            sha256        TEXT NOT NULL UNIQUE CHECK (length(sha256) = 64),
            original_path TEXT NOT NULL DEFAULT '',
            bytes         INTEGER NOT NULL CHECK (bytes > 0),
            width         INTEGER NOT NULL CHECK (width >= 0),
            height        INTEGER NOT NULL CHECK (height >= 0),
            added         TEXT NOT NULL,
            source        TEXT NOT NULL DEFAULT '',
            split         TEXT NOT NULL DEFAULT ''))"),
        QStringLiteral("CREATE INDEX images_original_path ON images (original_path)"),

        // AUTOINCREMENT: event ids are never reused, so "events after id N" stays meaningful.
        QStringLiteral(R"(CREATE TABLE label_events (
            id       INTEGER PRIMARY KEY AUTOINCREMENT,
            image_id INTEGER NOT NULL REFERENCES images (id),
            breed    TEXT NOT NULL,
            origin   TEXT NOT NULL CHECK (origin IN ('dataset', 'curator', 'server')),
            author   TEXT NOT NULL DEFAULT '',
            at       TEXT NOT NULL,
            status   TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected'))))"),
        QStringLiteral("CREATE INDEX label_events_image ON label_events (image_id, id)"),
        // Append-only: only the review status of an event may change afterwards.
        QStringLiteral(R"(CREATE TRIGGER label_events_no_edit BEFORE UPDATE OF id, image_id, breed, origin, author, at
            ON label_events BEGIN SELECT RAISE(ABORT, 'label events are append-only'); END)"),
        QStringLiteral(R"(CREATE TRIGGER label_events_no_delete BEFORE DELETE ON label_events
            BEGIN SELECT RAISE(ABORT, 'label events are append-only'); END)"),

        QStringLiteral(R"(CREATE TABLE predictions (
            id            INTEGER PRIMARY KEY,
            image_id      INTEGER NOT NULL REFERENCES images (id),
            model_version TEXT NOT NULL,
            top           TEXT NOT NULL,
            ms            REAL NOT NULL,
            at            TEXT NOT NULL))"),
        QStringLiteral("CREATE INDEX predictions_image ON predictions (image_id, id)"),

        QStringLiteral(R"(CREATE TABLE embeddings (
            image_id     INTEGER NOT NULL REFERENCES images (id),
            weights_hash TEXT NOT NULL,
            views        INTEGER NOT NULL CHECK (views > 0),
            dim          INTEGER NOT NULL CHECK (dim > 0),
            data         BLOB NOT NULL CHECK (length(data) = views * dim * 2),
            PRIMARY KEY (image_id, weights_hash)))"),
        QStringLiteral("CREATE INDEX embeddings_weights ON embeddings (weights_hash)"),

        QStringLiteral(R"(CREATE TABLE validation_images (
            image_id INTEGER PRIMARY KEY REFERENCES images (id)))"),
        // Workspace-wide single values, e.g. the validation split id.
        QStringLiteral(R"(CREATE TABLE settings (
            key   TEXT PRIMARY KEY,
            value TEXT NOT NULL))"),

        QStringLiteral(R"(CREATE TABLE models (
            id           INTEGER PRIMARY KEY,
            version      TEXT NOT NULL UNIQUE CHECK (version <> ''),
            parent       TEXT NOT NULL DEFAULT '',
            created      TEXT NOT NULL,
            backbone_id  TEXT NOT NULL DEFAULT '',
            weights_hash TEXT NOT NULL DEFAULT '',
            metrics      TEXT NOT NULL DEFAULT '{}',
            file         TEXT NOT NULL DEFAULT '',
            checksum     TEXT NOT NULL DEFAULT '',
            state        TEXT NOT NULL CHECK (state IN ('candidate', 'active', 'retired')),
            gate_verdict TEXT NOT NULL DEFAULT ''))"),
        // At most one active model, whatever the code above does.
        QStringLiteral("CREATE UNIQUE INDEX models_one_active ON models (state) WHERE state = 'active'"),

        QStringLiteral(R"(CREATE TABLE training_runs (
            id            INTEGER PRIMARY KEY AUTOINCREMENT,
            params        TEXT NOT NULL DEFAULT '{}',
            epochs        TEXT NOT NULL DEFAULT '[]',
            outcome       TEXT NOT NULL DEFAULT 'running',
            model_version TEXT NOT NULL DEFAULT '',
            started       TEXT NOT NULL,
            finished      TEXT NOT NULL DEFAULT ''))"),
    });
}

// Version 2: an activation log, so "roll back" means "the model that was live before this one".
Status<> toVersion2(const QSqlDatabase& db)
{
    return runAll(db, {
        QStringLiteral(R"(CREATE TABLE activations (
            id      INTEGER PRIMARY KEY AUTOINCREMENT,
            version TEXT NOT NULL REFERENCES models (version),
            at      TEXT NOT NULL,
            reason  TEXT NOT NULL DEFAULT ''))"),
        // A workspace made by version 1 starts its log with the model that is live now.
        QStringLiteral("INSERT INTO activations (version, at, reason) SELECT version, created, 'active before the log' "
                       "FROM models WHERE state = 'active'"),
    });
}

// Version 3: a curator can remove an image from the workspace and undo it. The row, its bytes and
// its label events stay (the log is append-only); a removed image is only left out of the gallery,
// the counts and training. An empty value: not removed; else when it was removed.
Status<> toVersion3(const QSqlDatabase& db)
{
    return runAll(db, {QStringLiteral("ALTER TABLE images ADD COLUMN removed TEXT NOT NULL DEFAULT ''")});
}

// migrations[i] takes the schema from version i to version i + 1. A new version is one function
// appended here. (PRAGMA foreign_keys cannot change inside a transaction: a migration that rebuilds
// a table must keep the references valid itself.)
using Migration = Status<> (*)(const QSqlDatabase&);
constexpr Migration kMigrations[] = {&toVersion1, &toVersion2, &toVersion3};

Expected<int> pragmaInt(const QSqlDatabase& db, const QString& pragma)
{
    QSqlQuery q(db);
    if (!q.exec(QStringLiteral("PRAGMA ") + pragma) || !q.next())
        return sql::error(QStringLiteral("cannot read PRAGMA %1").arg(pragma), q);
    return q.value(0).toInt();
}

} // namespace

int latestVersion() { return int(std::size(kMigrations)); }

Expected<int> version(const QSqlDatabase& db) { return pragmaInt(db, QStringLiteral("user_version")); }

Status<> checkCompatible(const QSqlDatabase& db, const QString& path)
{
    auto v = version(db);
    if (!v)
        return Error{QStringLiteral("not a PetCurator workspace database: %1 (%2)").arg(path, v.error().message)};
    if (*v > latestVersion())
        return Error{QStringLiteral("the workspace %1 has schema version %2, newer than this PetCurator knows (%3): "
                                    "update PetCurator to open it")
                         .arg(path)
                         .arg(*v)
                         .arg(latestVersion())};
    auto app = pragmaInt(db, QStringLiteral("application_id"));
    if (!app)
        return app.error();
    if (*v > 0 && *app != kApplicationId)
        return Error{QStringLiteral("not a PetCurator workspace database: %1 belongs to another application").arg(path)};
    if (*v == 0) {
        QSqlQuery q(db);
        if (!q.exec(QStringLiteral("SELECT count(*) FROM sqlite_master")) || !q.next())
            return sql::error(QStringLiteral("not a PetCurator workspace database: %1").arg(path), q);
        if (q.value(0).toInt() > 0)
            return Error{QStringLiteral("not a PetCurator workspace database: %1 is an SQLite database with other tables")
                             .arg(path)};
    }
    return done();
}

Status<> migrate(const QSqlDatabase& db)
{
    auto before = version(db);
    if (!before)
        return before.error();
    if (*before == latestVersion())
        return done(); // the common case takes no write lock

    sql::WriteTransaction tx(db);
    if (auto s = tx.begin(); !s)
        return s;
    auto current = version(db); // again, under the lock: another process may have migrated meanwhile
    if (!current)
        return current.error();
    if (*current > latestVersion())
        return Error{QStringLiteral("the workspace schema version %1 is newer than this PetCurator knows (%2)")
                         .arg(*current)
                         .arg(latestVersion())};
    for (int v = *current; v < latestVersion(); ++v) {
        if (auto s = kMigrations[size_t(v)](db); !s)
            return Error{QStringLiteral("cannot migrate the workspace to schema version %1: %2").arg(v + 1).arg(s.error().message)};
        QSqlQuery q(db);
        if (!q.exec(QStringLiteral("PRAGMA user_version = %1").arg(v + 1)))
            return sql::error(QStringLiteral("cannot record schema version %1").arg(v + 1), q);
    }
    return tx.commit();
}

} // namespace pc::schema
