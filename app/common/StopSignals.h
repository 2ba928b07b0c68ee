#pragma once
// SIGTERM and SIGINT as a Qt signal on the main thread (the self-pipe trick: the async-signal
// handler only writes one byte). petcurator-server drains on it; petcurator closes its window, so
// both shut down in their normal order and exit 0. One instance per process.
#include <QObject>
#include <QSocketNotifier>
#include <memory>

namespace pc::app {

class StopSignals : public QObject {
    Q_OBJECT
public:
    explicit StopSignals(QObject* parent = nullptr);
    ~StopSignals() override;

Q_SIGNALS:
    void stopRequested(int signalNumber);

private:
    std::unique_ptr<QSocketNotifier> m_notifier;
};

} // namespace pc::app
