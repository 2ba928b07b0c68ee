#pragma once
// Fetches the newest published model when it is newer than the last one this workspace took in:
// the bundle's SHA-256 must match the server's record and its Ed25519 signature must verify
// against the key PINNED in the client's settings. Only then is it written into the workspace's
// models folder, for the local gate (LearningLoop::admitCandidate) to judge.
#include "sync/ServerClient.h"
#include "sync/StepResult.h"

#include <QJsonObject>
#include <optional>

namespace pc {
class SyncLedger;
class Workspace;
}

namespace pc::sync {

struct FetchedModel {
    qint64 serverVersion = 0;
    QString path;        // the verified bundle, in the workspace's models folder
    QString sha256;
    QString publishedBy;
    QJsonObject metrics; // as the publisher measured them (on its own split: not the gate's numbers)
};

class ModelPuller {
public:
    ModelPuller(Workspace& workspace, SyncLedger& ledger, ServerClient& client) : m_ws(workspace), m_ledger(ledger), m_client(client) {}

    // `pinnedKey`: the key the client trusts (32 bytes); `pinOnFirstContact`: when none is
    // pinned, take the server's (the user said so) and report it in keyToPin().
    StepResult pull(const QByteArray& pinnedKey, bool pinOnFirstContact);
    const std::optional<FetchedModel>& fetched() const { return m_fetched; }
    QByteArray keyToPin() const { return m_keyToPin; }
    QString note() const { return m_note; } // e.g. "no new model"

private:
    Workspace& m_ws;
    SyncLedger& m_ledger;
    ServerClient& m_client;
    std::optional<FetchedModel> m_fetched;
    QByteArray m_keyToPin;
    QString m_note;
};

} // namespace pc::sync
