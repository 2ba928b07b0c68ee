#pragma once
// Brings the server's events into the workspace: pages of GET /labels?since=CURSOR, the images
// they name (GET /images/<sha256>, hash-checked), then each page and the cursor in one
// transaction (SyncLedger::applyPage), so an interrupted pull repeats nothing.
#include "sync/ServerClient.h"
#include "sync/StepResult.h"
#include "workspace/SyncLedger.h"

#include <atomic>

namespace pc::sync {

class EventPuller {
public:
    EventPuller(Workspace& workspace, SyncLedger& ledger, ServerClient& client) : m_ws(workspace), m_ledger(ledger), m_client(client) {}

    StepResult pullAll(int pageSize, const std::atomic_bool* cancel);
    const PullApplied& applied() const { return m_applied; }
    int images() const { return m_images; }

private:
    StepResult fetchImage(const QString& sha256);

    Workspace& m_ws;
    SyncLedger& m_ledger;
    ServerClient& m_client;
    PullApplied m_applied;
    int m_images = 0;
};

} // namespace pc::sync
