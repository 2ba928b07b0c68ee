#include "LabelWriter.h"

#include <QCoreApplication>

namespace pc {

LabelWriter::LabelWriter(std::shared_ptr<Workspace> workspace, QObject* parent)
    : QObject(parent), m_workspace(std::move(workspace)),
      m_queue({.name = QStringLiteral("label-writer"), .workers = 1, .priority = ThreadPriority::Normal})
{
}

LabelWriter::~LabelWriter()
{
    m_queue.waitForIdle(); // every key press reaches the database
}

void LabelWriter::waitForIdle()
{
    m_queue.waitForIdle();
    QCoreApplication::sendPostedEvents(this);
}

void LabelWriter::enqueue(std::function<void(Workspace&, QString*, bool*)> job, qint64 imageId, const QString& breed)
{
    ++m_pending;
    auto workspace = m_workspace;
    m_queue.post([this, workspace, job = std::move(job), imageId, breed] {
        QString error;
        bool isNew = false;
        job(*workspace, &error, &isNew);
        const auto current = workspace->labels().current(imageId);
        const auto history = workspace->labels().history(imageId);
        // What the database holds now; when it can't say, the views keep what they show and the
        // failure is reported like a failed write.
        const QString readError = !current ? current.error().message : !history ? history.error().message : QString();
        // The destructor waits for this thread, so `this` is alive while we post to it.
        QMetaObject::invokeMethod(this, [this, imageId, breed, error, isNew, current, history, readError] {
            if (!error.isEmpty())
                Q_EMIT writeFailed(error);
            if (isNew)
                Q_EMIT newLabelStored(imageId, breed);
            if (readError.isEmpty())
                Q_EMIT labelState(imageId, current->has_value(), current->value_or(LabelEvent{}), *history);
            else if (error.isEmpty())
                Q_EMIT writeFailed(readError);
            finishJob();
        }, Qt::QueuedConnection);
    });
}

void LabelWriter::finishJob()
{
    if (--m_pending == 0)
        Q_EMIT idle();
}

void LabelWriter::setImagesRemoved(const QVector<qint64>& imageIds, bool removed)
{
    ++m_pending;
    auto workspace = m_workspace;
    m_queue.post([this, workspace, imageIds, removed] {
        const Status<> s = workspace->setImagesRemoved(imageIds, removed);
        QMetaObject::invokeMethod(this, [this, imageIds, removed, error = s ? QString() : s.error().message] {
            if (error.isEmpty())
                Q_EMIT removalStored(imageIds, removed);
            else
                Q_EMIT writeFailed(error);
            finishJob();
        }, Qt::QueuedConnection);
    });
}

void LabelWriter::apply(const std::shared_ptr<LabelTicket>& ticket)
{
    enqueue([ticket](Workspace& ws, QString* error, bool* isNew) {
        const qint64 existing = ticket->eventId.load();
        if (existing == 0) {
            auto id = ws.labels().add(ticket->imageId, ticket->breed, LabelOrigin::Curator, ticket->author);
            if (!id) {
                *error = id.error().message;
                return;
            }
            ticket->eventId = *id;
            *isNew = true;
        } else if (auto s = ws.labels().setReviewStatus(existing, ReviewStatus::Approved); !s) {
            *error = s.error().message;
        }
    }, ticket->imageId, ticket->breed);
}

void LabelWriter::revert(const std::shared_ptr<LabelTicket>& ticket)
{
    enqueue([ticket](Workspace& ws, QString* error, bool*) {
        const qint64 existing = ticket->eventId.load();
        if (existing == 0)
            return; // the add failed: nothing to undo
        if (auto s = ws.labels().setReviewStatus(existing, ReviewStatus::Rejected); !s)
            *error = s.error().message;
    }, ticket->imageId, ticket->breed);
}

void LabelWriter::refresh(qint64 imageId)
{
    enqueue([](Workspace&, QString*, bool*) {}, imageId, {});
}

} // namespace pc
