#pragma once
// The workspace's side of the team server (issue 7), over the same database as Workspace:
//   the outbox   curator label events the server has not confirmed yet, sent in event order;
//   the pull     other curators' events (origin "server") and review verdicts, applied a page at
//                a time together with the cursor, so a repeated or interrupted pull changes nothing;
//   disputes     images whose authors disagree while a label still waits for review.
// Network-free: core/sync does the talking. Thread-safe like Workspace (a connection per thread).
#include "Expected.h"
#include "workspace/Workspace.h"

#include <QDateTime>
#include <QSet>
#include <QVector>
#include <memory>

namespace pc {

// One event as the server's pull returns it.
struct PulledEvent {
    qint64 seq = 0;
    QString uuid;
    QString kind;    // "label" or "review"
    QString image;   // SHA-256
    QString breed;
    QString author;
    QString role;
    QString status;  // label: its review status now; verdict: the status it set
    QDateTime at;
    QString target;  // verdict: the uuid of the label it judges
    QString reason;  // verdict
};

struct OutgoingEvent {
    qint64 eventId = 0;
    QString uuid;
    QString image; // SHA-256
    QString breed;
    QDateTime at;
    int attempts = 0;
};

struct OutboxState {
    int queued = 0;   // waiting to be sent (refused ones not counted)
    int refused = 0;  // the server said no for good; kept with its reason
    QString lastError;
};

struct PullApplied {
    int labels = 0;       // new events in the local log
    int verdicts = 0;     // verdicts that changed a local review status
    int confirmed = 0;    // our own events seen on the server (out of the outbox if still there)
    int skipped = 0;      // verdicts on labels this workspace does not hold
};

class SyncLedger {
public:
    explicit SyncLedger(std::shared_ptr<Workspace> workspace) : m_ws(std::move(workspace)) {}

    // ---- outbox
    // The next events to send, oldest first; refused events are left out.
    Expected<QVector<OutgoingEvent>> outgoing(int limit) const;
    // The server holds these events now (by uuid): they leave the outbox.
    Status<> confirm(const QVector<qint64>& eventIds);
    // A failed attempt: counted, with the error in words, for the status display.
    Status<> noteFailure(const QVector<qint64>& eventIds, const QString& error);
    // The server refused this event for good (a 4xx): it stays in the outbox, no longer sent.
    Status<> refuse(qint64 eventId, const QString& reason);
    Expected<OutboxState> outboxState() const;

    // ---- pull
    Expected<qint64> cursor() const;
    // Of these SHA-256s, the ones with no image in the workspace (their bytes must be fetched).
    Expected<QStringList> missingImages(const QStringList& sha256s) const;
    // Applies one page in one transaction and moves the cursor to `next`. Every image named by a
    // new label must be in the workspace already.
    Expected<PullApplied> applyPage(const QVector<PulledEvent>& events, qint64 next);

    // The team-server model this workspace last took in (0: none), so it is fetched once.
    Expected<qint64> lastServerModel() const;
    Status<> setLastServerModel(qint64 version);

    // Images whose authors' current labels name two or more breeds while one of them still waits
    // for review: the server's rule, on what this workspace knows.
    Expected<QSet<qint64>> disputedImages() const { return disputedImages(*m_ws); }
    static Expected<QSet<qint64>> disputedImages(const Workspace& workspace);

private:
    Expected<qint64> numberSetting(const QString& key) const;
    Status<> setSetting(const QString& key, const QString& value);

    std::shared_ptr<Workspace> m_ws;
};

} // namespace pc
