#pragma once
// Runs one export (File ▸ Export) at a time on a background thread, with throttled progress and
// cancel; the counterpart of ImportController. The workspace is used from that thread through its
// own connection (Workspace gives each thread one). A cancelled or failed export leaves nothing
// behind (exportLabels takes back what it wrote).
#include "concurrency/WorkQueue.h"
#include "workspace/LabelExport.h"

#include <QObject>
#include <atomic>
#include <memory>

namespace pc {

class Workspace;

class ExportController : public QObject {
    Q_OBJECT
public:
    explicit ExportController(std::shared_ptr<Workspace> workspace, QObject* parent = nullptr);
    // Cancels the running export and waits for it (it removes what it wrote).
    ~ExportController() override;

    // Starts exporting into outDir (options' cancel and progress are set here); false while
    // another export runs.
    bool start(const QString& outDir, ExportOptions options);
    void cancel();
    bool isBusy() const { return m_busy; }
    QString outputDir() const { return m_outDir; }

Q_SIGNALS:
    void progress(int done, int total);
    void finished(const pc::ExportReport& report); // report.cancelled: stopped, nothing left behind
    void failed(const QString& message);           // one line; nothing left behind

private:
    std::shared_ptr<Workspace> m_workspace;
    std::shared_ptr<std::atomic_bool> m_cancel;
    bool m_busy = false;
    QString m_outDir;
    WorkQueue m_queue; // last, so it goes first: its jobs post to this object
};

} // namespace pc
