#pragma once
// The model versions of a workspace (their bundles live in <dir>/models) and the activation log:
// at most one version is active; every activation is logged.
#include "Expected.h"

#include <QDateTime>
#include <QJsonObject>
#include <QString>
#include <QVector>
#include <optional>

namespace pc {

class WorkspaceDatabase;

enum class ModelState { Candidate, Active, Retired };

QString toString(ModelState);
std::optional<ModelState> modelStateFromString(const QString&);

struct ModelRecord {
    QString version;        // "v1", "v2", …
    QString parent;         // version it was warm-started from, or empty
    QDateTime created;
    QString backboneId;
    QString weightsHash;
    QJsonObject metrics;    // val_accuracy, val_mean_per_class, split_id, classes, …
    QString file;           // path relative to the workspace dir
    QString checksum;       // SHA-256 of the bundle file
    ModelState state = ModelState::Candidate;
    QString gateVerdict;    // why it was (not) activated
    QDateTime pruned{};     // when its bundle was deleted to save space (invalid: the bundle is there)

    bool isPruned() const { return pruned.isValid(); }
};

// The one-line refusal to activate a version whose bundle was pruned.
QString prunedModelMessage(const QString& version);

class ModelStore {
public:
    explicit ModelStore(const WorkspaceDatabase& db) : m_db(db) {}

    Status<> add(const ModelRecord& model);
    Status<> update(const ModelRecord& model);
    Expected<std::optional<ModelRecord>> find(const QString& version) const;
    Expected<QVector<ModelRecord>> all() const; // oldest first
    Expected<std::optional<ModelRecord>> active() const;
    // Makes `version` the only active model (the previous one becomes retired), in one transaction,
    // and logs it. An empty verdict keeps the gate's verdict stored with the model.
    Status<> setActive(const QString& version, const QString& verdict = {}, const QString& reason = {});
    // No model active any more (the active one is retired): predictions come from the zero-shot
    // head. The log only lists stored versions, so this leaves no entry in it.
    Status<> clearActive();
    struct Activation {
        QString version;
        QDateTime at;
        QString reason; // the gate's verdict, "activated by hand", "rollback", …
    };
    Expected<QVector<Activation>> activations() const; // oldest first
    Expected<QString> nextVersion() const;
    // Records that `version`'s bundle is being deleted (retention): its row and history stay; it can
    // no longer be activated. The active version is refused.
    Status<> markPruned(const QString& version);

private:
    const WorkspaceDatabase& m_db;
};

} // namespace pc
