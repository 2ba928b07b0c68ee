#pragma once
// SIGTERM and SIGINT as a Qt signal on the main thread (the self-pipe trick: the async-signal
// handler only writes one byte).
#include <QObject>
#include <QSocketNotifier>
#include <memory>

namespace pc::server_app {

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

} // namespace pc::server_app
