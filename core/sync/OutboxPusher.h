#pragma once
// Sends the outbox: images first (PUT /images/<sha256>, idempotent), then the events in order in
// batches (POST /labels, each with its client UUID, so a retried batch duplicates nothing). An
// event the server refuses for good (a 4xx other than 401/403) is set aside with the reason;
// the rest keep going.
#include "sync/ServerClient.h"
#include "sync/StepResult.h"

#include <QSet>
#include <atomic>
#include <memory>

namespace pc {
class SyncLedger;
class Workspace;
}

namespace pc::sync {

class OutboxPusher {
public:
    OutboxPusher(Workspace& workspace, SyncLedger& ledger, ServerClient& client) : m_ws(workspace), m_ledger(ledger), m_client(client) {}

    // Until the outbox is empty or a step fails.
    StepResult pushAll(int batchSize, const std::atomic_bool* cancel);
    int pushed() const { return m_pushed; }
    int refused() const { return m_refused; }

private:
    void noteFailure(const QVector<qint64>& ids, const QString& why);
    HttpResult uploadImage(const QString& sha256);

    Workspace& m_ws;
    SyncLedger& m_ledger;
    ServerClient& m_client;
    QSet<QString> m_uploaded; // images the server confirmed in this session
    int m_pushed = 0, m_refused = 0;
};

} // namespace pc::sync
