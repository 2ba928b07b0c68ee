#pragma once
// The team's label event log: the same append-only idea as a workspace's label_events, with a
// server sequence that clients page by. Label events carry a client-made UUID so a retried batch
// changes nothing. Review verdicts are events too (kind "review"), so a pull brings them along.
// A curator's label waits for review ("pending"); a reviewer's or admin's is approved as posted.
// An image is disputed while its authors' current labels name two or more breeds and one of them
// still waits for review; approving one label rejects the pending ones that disagree with it.
#include "server/AccountStore.h"
#include "server/ServerError.h"

#include <QSqlDatabase>
#include <QVector>
#include <memory>

namespace pc::server {

class ServerDatabase;

struct LabelInput {
    QString uuid;     // canonical lower-case 8-4-4-4-12
    QString image;    // SHA-256 of an uploaded image
    QString breed;    // BreedCatalog id
    QString clientAt; // ISO-8601 UTC as the client stamped it, or empty
};

struct EventView {
    qint64 seq = 0;
    QString uuid;
    QString kind;     // "label" or "review"
    QString image;    // SHA-256
    QString breed;    // the label's breed (a verdict: its target's)
    QString author;
    QString authorRole;
    QString clientAt;
    QString received;
    QString status;   // label: pending/approved/rejected now; verdict: the status it set
    QString target;   // verdict: the label event's uuid
    QString reason;
};

struct AcceptedEvent {
    QString uuid;
    qint64 seq = 0;
    bool duplicate = false;
};

struct EventPage {
    QVector<EventView> events;
    qint64 next = 0; // the cursor for the following page
    bool more = false;
};

struct ReviewItem {
    QString image;
    bool disputed = false;
    QVector<EventView> labels; // every label event of the image, oldest first
};

struct Verdict {
    bool approve = false;
    QString reason;
    QString uuid; // optional client UUID: a retried verdict changes nothing
};

struct CurrentLabel {
    qint64 imageId = 0;
    QString sha256;
    QByteArray mime;
    QString breed;
    QString status;
};

struct AuthorLabel {
    qint64 imageId = 0;
    QString author;
    QString breed;
};

class LabelLog {
public:
    static constexpr int kMaxBatch = 500;
    static constexpr int kMaxPage = 1000;
    static constexpr int kMaxGroupEvents = 4 * kMaxBatch; // events in one group commit (one call may bring kMaxBatch)

    explicit LabelLog(std::shared_ptr<const ServerDatabase> db);
    ~LabelLog();
    LabelLog(const LabelLog&) = delete;
    LabelLog& operator=(const LabelLog&) = delete;

    // All or nothing: one bad event (unknown image, reused uuid) and nothing of this call is
    // written. Group commit: calls that arrive while another thread writes queue up; the next
    // writer stores every waiting call in one transaction, each inside its own savepoint (a
    // failing call takes back only its own events), commits once, then answers them all. A call
    // returns only after the commit that holds its events.
    ServerResult<QVector<AcceptedEvent>> append(const Principal& who, const QVector<LabelInput>& events) const;
    // Events with seq > cursor, oldest first.
    ServerResult<EventPage> since(qint64 cursor, int limit) const;
    // The same page as JSON (eventPageJson). Pages are kept, tagged with the newest seq when
    // they were read, and served again while that is still the newest: every change a page shows
    // (a label, a verdict and the status it sets) writes a new event, from whichever process.
    ServerResult<QByteArray> sinceJson(qint64 cursor, int limit) const;
    // Images with labels waiting for review: disputed ones first, then oldest first.
    ServerResult<QVector<ReviewItem>> reviewQueue(int limit) const;
    // `eventRef`: a label event's seq or uuid. Returns the verdict events written (empty when the
    // label had that status already).
    ServerResult<QVector<EventView>> review(const Principal& who, const QString& eventRef, const Verdict& verdict) const;
    // One label per image: its latest approved label, else (when the image is not disputed and
    // approvedOnly is false) its latest pending one.
    ServerResult<QVector<CurrentLabel>> currentLabels(bool approvedOnly) const;
    // One author's label events, newest first (their status is the label's status now).
    ServerResult<QVector<EventView>> recentLabelsBy(qint64 authorId, int limit) const;
    // Each author's latest label of each image they labelled.
    ServerResult<QVector<AuthorLabel>> latestLabelsByAuthor() const;

private:
    struct Pending;
    struct GroupCommit;
    struct PageCache;
    using AppendResult = ServerResult<QVector<AcceptedEvent>>;
    // One call's events, inside the caller's open write transaction.
    AppendResult appendInTransaction(const QSqlDatabase& c, const Principal& who, const QVector<LabelInput>& events,
                                     const QString& now) const;
    // Writes a group of calls in one transaction; returns their results in order.
    QVector<AppendResult> writeGroup(const QVector<Pending*>& group) const;

    std::shared_ptr<const ServerDatabase> m_db;
    std::unique_ptr<GroupCommit> m_group; // the queue of waiting calls, under its own mutex
    std::unique_ptr<PageCache> m_pages;   // recent pulled pages, under their own mutex
};

} // namespace pc::server
