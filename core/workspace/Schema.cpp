#include "workspace/Schema.h"

#include "workspace/SqlSupport.h"

#include <QSqlQuery>
#include <QStringList>
#include <QUuid>
#include <QVector>

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

// Version 4: the team server (issue 7). Every label event gets a UUID that names it on the server
// (a retried upload is then idempotent), the author's server role and the server's review status.
// Curator events wait in the outbox until the server has them; verdicts pulled from the server are
// logged; `settings` holds the pull cursor.
Status<> toVersion4(const QSqlDatabase& db)
{
    if (auto s = runAll(db, {
            QStringLiteral("ALTER TABLE label_events ADD COLUMN uuid TEXT"),
            QStringLiteral("ALTER TABLE label_events ADD COLUMN role TEXT NOT NULL DEFAULT ''"),
            QStringLiteral("ALTER TABLE label_events ADD COLUMN server_status TEXT NOT NULL DEFAULT '' "
                           "CHECK (server_status IN ('', 'pending', 'approved', 'rejected'))"),
        });
        !s)
        return s;
    // Existing events get their UUIDs here, once; from now on they never change.
    QVector<qint64> ids;
    {
        QSqlQuery q(db);
        if (!q.exec(QStringLiteral("SELECT id FROM label_events ORDER BY id")))
            return sql::error(QStringLiteral("cannot read label events"), q);
        while (q.next())
            ids.push_back(q.value(0).toLongLong());
    }
    QSqlQuery update(db);
    if (!update.prepare(QStringLiteral("UPDATE label_events SET uuid = ? WHERE id = ?")))
        return sql::error(QStringLiteral("cannot name label events"), update);
    for (qint64 id : ids) {
        update.bindValue(0, QUuid::createUuid().toString(QUuid::WithoutBraces));
        update.bindValue(1, id);
        if (!update.exec())
            return sql::error(QStringLiteral("cannot name label event %1").arg(id), update);
    }
    return runAll(db, {
        QStringLiteral("CREATE UNIQUE INDEX label_events_uuid ON label_events (uuid)"),
        QStringLiteral(R"(CREATE TRIGGER label_events_uuid_fixed BEFORE UPDATE OF uuid ON label_events
            WHEN OLD.uuid IS NOT NULL BEGIN SELECT RAISE(ABORT, 'a label event keeps its uuid'); END)"),
        // The outbox: curator events the server has not confirmed yet, sent in event order. A
        // trigger fills it, so no way of adding a curator label can forget to queue it.
        QStringLiteral(R"(CREATE TABLE outbox (
            event_id   INTEGER PRIMARY KEY REFERENCES label_events (id),
            attempts   INTEGER NOT NULL DEFAULT 0,
            last_error TEXT NOT NULL DEFAULT '',
            refused    TEXT NOT NULL DEFAULT ''))"),
        QStringLiteral(R"(CREATE TRIGGER outbox_queue_curator_events AFTER INSERT ON label_events
            WHEN NEW.origin = 'curator' BEGIN INSERT INTO outbox (event_id) VALUES (NEW.id); END)"),
        QStringLiteral("INSERT INTO outbox (event_id) SELECT id FROM label_events WHERE origin = 'curator' ORDER BY id"),
        // Review verdicts pulled from the server, append-only like the events they judge.
        QStringLiteral(R"(CREATE TABLE review_verdicts (
            uuid     TEXT PRIMARY KEY,
            event_id INTEGER NOT NULL REFERENCES label_events (id),
            status   TEXT NOT NULL CHECK (status IN ('approved', 'rejected')),
            reviewer TEXT NOT NULL DEFAULT '',
            reason   TEXT NOT NULL DEFAULT '',
            at       TEXT NOT NULL))"),
        QStringLiteral("CREATE INDEX review_verdicts_event ON review_verdicts (event_id)"),
    });
}

// Version 5: model retention (issue 9). A version whose bundle was pruned to save space keeps its
// row, metrics and place in the activation log; this says when its bundle went (empty: it is there).
Status<> toVersion5(const QSqlDatabase& db)
{
    return runAll(db, {QStringLiteral("ALTER TABLE models ADD COLUMN pruned TEXT NOT NULL DEFAULT ''")});
}

// migrations[i] takes the schema from version i to version i + 1. A new version is one function
// appended here. (PRAGMA foreign_keys cannot change inside a transaction: a migration that rebuilds
// a table must keep the references valid itself.)
using Migration = Status<> (*)(const QSqlDatabase&);
constexpr Migration kMigrations[] = {&toVersion1, &toVersion2, &toVersion3, &toVersion4, &toVersion5};

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
