#pragma once
// The label events of a workspace: append-only; an image's current label is its latest
// non-rejected event. Thread-safe like the workspace (one connection per thread).
#include "Expected.h"

#include <QDateTime>
#include <QHash>
#include <QString>
#include <QVector>
#include <optional>

namespace pc {

class WorkspaceDatabase;

enum class LabelOrigin { Dataset, Curator, Server };
enum class ReviewStatus { Pending, Approved, Rejected };

QString toString(LabelOrigin);
QString toString(ReviewStatus);
std::optional<LabelOrigin> labelOriginFromString(const QString&);
std::optional<ReviewStatus> reviewStatusFromString(const QString&);

struct LabelEvent {
    qint64 id = 0;
    qint64 imageId = 0;
    QString breed;      // breed id, e.g. "Persian" (BreedCatalog ids)
    LabelOrigin origin = LabelOrigin::Curator;
    QString author;
    QDateTime at;
    ReviewStatus status = ReviewStatus::Approved;
    QString uuid;         // names the event on the team server (and in a retried upload)
    QString role;         // the author's role on the server ("curator", "reviewer", "admin"); empty: unknown
    QString serverStatus; // the server's review status; empty: the server has not reported one
};

class LabelStore {
public:
    explicit LabelStore(const WorkspaceDatabase& db) : m_db(db) {}

    Expected<qint64> add(qint64 imageId, const QString& breed, LabelOrigin origin, const QString& author,
                         ReviewStatus status = ReviewStatus::Approved);
    // The same label for many images, one event each, in one transaction: all or none.
    Expected<QVector<qint64>> addMany(const QVector<qint64>& imageIds, const QString& breed, LabelOrigin origin,
                                      const QString& author, ReviewStatus status = ReviewStatus::Approved);
    // A label event recorded elsewhere (an export manifest), stored with its own breed, origin,
    // author, status and time (`at`; now when invalid). It is not queued for the team server: it is
    // a copy of a label someone already gave, not new work by this workspace's curator.
    Expected<qint64> addRecorded(qint64 imageId, const LabelEvent& event);
    Status<> setReviewStatus(qint64 eventId, ReviewStatus status);
    Expected<std::optional<LabelEvent>> current(qint64 imageId) const;
    Expected<QVector<LabelEvent>> history(qint64 imageId) const;
    // Every labelled image still in the workspace → its current label.
    Expected<QHash<qint64, LabelEvent>> currentByImage() const;
    Expected<int> eventCount() const;
    // Label events (curator or server) added after event id `afterId`.
    Expected<int> eventsSince(qint64 afterId) const;
    Expected<qint64> lastEventId() const;

private:
    enum class Queue { AsCurators, Never }; // whether a curator event goes to the outbox
    Expected<QVector<qint64>> insert(const QVector<qint64>& imageIds, const QString& breed, LabelOrigin origin,
                                     const QString& author, ReviewStatus status, const QString& at, Queue queue);

    const WorkspaceDatabase& m_db;
};

} // namespace pc
