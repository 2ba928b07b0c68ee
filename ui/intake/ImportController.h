#pragma once
// Runs imports (dropped/pasted/opened files, an Oxford-IIIT Pet folder, a folder per class) one
// after another on a background thread, with throttled progress and cancel. A drop during an
// import is queued, never refused.
#include "concurrency/WorkQueue.h"
#include "workspace/DatasetImporter.h"

#include <QObject>
#include <atomic>
#include <memory>

namespace pc {

class Workspace;

class ImportController : public QObject {
    Q_OBJECT
public:
    enum class Kind { Files, Oxford, FolderPerClass };

    explicit ImportController(std::shared_ptr<Workspace> workspace, QObject* parent = nullptr);
    ~ImportController() override;

    void importFiles(const QStringList& paths, const QString& source = QStringLiteral("drop"));
    void importOxford(const QString& dir);
    void importFolderPerClass(const QString& dir);

    void cancel();                 // the running import and the queued ones
    bool isBusy() const { return m_jobs.load() > 0; }
    int queued() const { return m_jobs.load(); }

Q_SIGNALS:
    void started(const QString& title);
    void progress(const QString& title, int done, int total);
    void finished(const QString& title, const pc::ImportReport& report);
    void allFinished();

private:
    struct Progress;
    void run(Kind kind, const QString& title, QStringList paths, const QString& source);

    std::shared_ptr<Workspace> m_workspace;
    std::shared_ptr<std::atomic_bool> m_cancel;
    std::atomic_int m_jobs{0};
    WorkQueue m_queue; // last, so it goes first: its jobs post to this object
};

} // namespace pc

Q_DECLARE_METATYPE(pc::ImportReport)
