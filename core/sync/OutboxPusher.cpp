#include "sync/OutboxPusher.h"

#include "workspace/SyncLedger.h"
#include "workspace/Workspace.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace pc::sync {

HttpResult OutboxPusher::uploadImage(const QString& sha256)
{
    HttpResult done;
    done.status = 200;
    if (m_uploaded.contains(sha256))
        return done;
    auto bytes = m_ws.readImageBytes(sha256);
    if (!bytes) {
        HttpResult missing; // a local problem the server cannot fix: set the events aside
        missing.status = 400;
        missing.body = QJsonDocument(QJsonObject{{QStringLiteral("error"), bytes.error().message}}).toJson(QJsonDocument::Compact);
        return missing;
    }
    HttpResult r = m_client.put(QStringLiteral("/api/v1/images/") + sha256, *bytes, "application/octet-stream");
    if (r.ok())
        m_uploaded.insert(sha256);
    return r;
}

// The attempt failed already and says why; a count that can't be written only leaves the status
// display one attempt behind, so it is logged, not reported in its place.
void OutboxPusher::noteFailure(const QVector<qint64>& ids, const QString& why)
{
    if (auto s = m_ledger.noteFailure(ids, why); !s)
        qWarning("sync: %s", qPrintable(s.error().message));
}

StepResult OutboxPusher::pushAll(int batchSize, const std::atomic_bool* cancel)
{
    int size = std::max(1, batchSize);
    for (;;) {
        if (cancel && cancel->load())
            return StepResult::failure(QStringLiteral("cancelled"), true);
        auto batch = m_ledger.outgoing(size);
        if (!batch)
            return StepResult::failure(batch.error().message, false);
        if (batch->isEmpty())
            return StepResult::success();
        QVector<qint64> ids;
        for (const OutgoingEvent& e : *batch)
            ids.push_back(e.eventId);

        // Images before the events that name them.
        bool setAside = false;
        for (const OutgoingEvent& e : *batch) {
            const HttpResult up = uploadImage(e.image);
            if (up.ok())
                continue;
            const QString why = QStringLiteral("image %1: %2").arg(e.image.left(12), up.message());
            if (up.transient() || up.unauthorized()) {
                noteFailure(ids, why);
                return StepResult::failure(why, up.transient());
            }
            // The server will never take this image (type, size): its events cannot go either.
            for (const OutgoingEvent& other : *batch)
                if (other.image == e.image) {
                    // Unrecorded, the event would come back in the next batch, forever.
                    if (auto s = m_ledger.refuse(other.eventId, why); !s)
                        return StepResult::failure(s.error().message, false);
                    ++m_refused;
                }
            setAside = true;
            break;
        }
        if (setAside)
            continue;

        QJsonArray events;
        for (const OutgoingEvent& e : *batch) {
            QJsonObject o{{QStringLiteral("uuid"), e.uuid}, {QStringLiteral("image"), e.image}, {QStringLiteral("breed"), e.breed}};
            if (e.at.isValid())
                o.insert(QStringLiteral("at"), e.at.toUTC().toString(Qt::ISODateWithMs));
            events.append(o);
        }
        const HttpResult r = m_client.postJson(QStringLiteral("/api/v1/labels"), QJsonObject{{QStringLiteral("events"), events}});
        if (r.ok()) {
            if (auto s = m_ledger.confirm(ids); !s)
                return StepResult::failure(s.error().message, false);
            m_pushed += int(ids.size());
            size = std::max(1, batchSize);
            continue;
        }
        if (r.transient() || r.unauthorized()) {
            noteFailure(ids, r.message());
            return StepResult::failure(r.message(), r.transient());
        }
        if (r.status == 422 && r.message().contains(QLatin1String("has not been uploaded"))) {
            m_uploaded.clear(); // the server lost an image (a restore from backup): send them again
            noteFailure(ids, r.message());
            return StepResult::failure(r.message(), true);
        }
        // Refused: find the event the server objects to, one at a time, and set it aside.
        if (ids.size() > 1) {
            size = 1;
            continue;
        }
        if (auto s = m_ledger.refuse(ids.front(), r.message()); !s)
            return StepResult::failure(s.error().message, false);
        ++m_refused;
        size = std::max(1, batchSize);
    }
}

} // namespace pc::sync
