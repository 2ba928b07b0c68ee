#include "ImportController.h"

#include "workspace/Workspace.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>

namespace pc {

ImportController::ImportController(std::shared_ptr<Workspace> workspace, QObject* parent)
    : QObject(parent), m_workspace(std::move(workspace)), m_cancel(std::make_shared<std::atomic_bool>(false)),
      // One import at a time, in the order they came; below the UI.
      m_queue({.name = QStringLiteral("import"), .workers = 1, .priority = ThreadPriority::Background})
{
}

ImportController::~ImportController()
{
    *m_cancel = true;
    m_queue.cancel();
    m_queue.waitForIdle();
}

void ImportController::cancel()
{
    if (m_jobs.load() == 0)
        return;
    *m_cancel = true;
}

void ImportController::importFiles(const QStringList& paths, const QString& source)
{
    if (paths.isEmpty())
        return;
    const QString title = paths.size() == 1 ? tr("Importing %1").arg(QFileInfo(paths.front()).fileName())
                                            : tr("Importing %n item(s)", nullptr, int(paths.size()));
    run(Kind::Files, title, paths, source);
}

void ImportController::importOxford(const QString& dir)
{
    run(Kind::Oxford, tr("Importing Oxford-IIIT Pet from %1").arg(QDir(dir).dirName()), {dir}, {});
}

void ImportController::importFolderPerClass(const QString& dir)
{
    run(Kind::FolderPerClass, tr("Importing folders from %1").arg(QDir(dir).dirName()), {dir}, {});
}

void ImportController::run(Kind kind, const QString& title, QStringList paths, const QString& source)
{
    if (m_jobs.fetch_add(1) == 0)
        *m_cancel = false; // a new batch of work after everything finished or was cancelled
    auto workspace = m_workspace;
    auto cancel = m_cancel;
    Q_EMIT progress(title, 0, 0);
    m_queue.post([this, workspace, cancel, kind, title, paths, source] {
        QMetaObject::invokeMethod(this, [this, title] { Q_EMIT started(title); }, Qt::QueuedConnection);
        ImportOptions options;
        options.cancel = cancel.get();
        // Throttled: at most one progress event per 50 ms reaches the UI.
        auto timer = std::make_shared<QElapsedTimer>();
        timer->start();
        auto last = std::make_shared<qint64>(-1000);
        options.progress = [this, title, timer, last](int done, int total) {
            const qint64 now = timer->elapsed();
            if (now - *last < 50 && done != total)
                return;
            *last = now;
            QMetaObject::invokeMethod(this, [this, title, done, total] { Q_EMIT progress(title, done, total); }, Qt::QueuedConnection);
        };
        ImportReport report;
        if (cancel->load()) {
            report.cancelled = true;
        } else {
            switch (kind) {
            case Kind::Files:
                report = pc::importFiles(*workspace, paths, options, source);
                break;
            case Kind::Oxford:
                report = pc::importOxford(*workspace, paths.value(0), options);
                break;
            case Kind::FolderPerClass:
                report = pc::importFolderPerClass(*workspace, paths.value(0), options);
                break;
            }
        }
        QMetaObject::invokeMethod(this, [this, title, report] {
            Q_EMIT finished(title, report);
            if (--m_jobs == 0)
                Q_EMIT allFinished();
        }, Qt::QueuedConnection);
    });
}

} // namespace pc
