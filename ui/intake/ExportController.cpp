#include "intake/ExportController.h"

#include "workspace/Workspace.h"

#include <QElapsedTimer>

namespace pc {

ExportController::ExportController(std::shared_ptr<Workspace> workspace, QObject* parent)
    : QObject(parent), m_workspace(std::move(workspace)), m_cancel(std::make_shared<std::atomic_bool>(false)),
      m_queue({.name = QStringLiteral("export"), .workers = 1, .priority = ThreadPriority::Background})
{
}

ExportController::~ExportController()
{
    *m_cancel = true;
    m_queue.cancel();
    m_queue.waitForIdle();
}

void ExportController::cancel()
{
    if (m_busy)
        *m_cancel = true;
}

bool ExportController::start(const QString& outDir, ExportOptions options)
{
    if (m_busy)
        return false;
    m_busy = true;
    m_outDir = outDir;
    m_cancel = std::make_shared<std::atomic_bool>(false);
    auto workspace = m_workspace;
    auto cancel = m_cancel;
    m_queue.post([this, workspace, cancel, outDir, options = std::move(options)]() mutable {
        options.cancel = cancel.get();
        // Throttled: at most one progress event per 50 ms reaches the UI.
        QElapsedTimer timer;
        timer.start();
        qint64 last = -1000;
        options.progress = [this, &timer, &last](int done, int total) {
            const qint64 now = timer.elapsed();
            if (now - last < 50 && done != total)
                return;
            last = now;
            QMetaObject::invokeMethod(this, [this, done, total] { Q_EMIT progress(done, total); }, Qt::QueuedConnection);
        };
        auto result = exportLabels(*workspace, outDir, options);
        QMetaObject::invokeMethod(this, [this, result = std::move(result)] {
            m_busy = false;
            if (result)
                Q_EMIT finished(*result);
            else
                Q_EMIT failed(result.error().message);
        }, Qt::QueuedConnection);
    });
    return true;
}

} // namespace pc
