#pragma once
// Records a signal's emissions on the test's own thread, whichever thread emits it. A QSignalSpy
// appends on the emitting thread (a direct connection), so a test reading it while the learning
// loop's strand emits is a data race (ThreadSanitizer reported it). The recorder's automatic
// connection records an emission of the test thread at once, like QSignalSpy, and hands one of
// another thread to the test thread's event loop: QTRY_* and wait() spin it.
#include <QList>
#include <QObject>
#include <QTest>
#include <QVariant>

namespace pc::test {

class SignalRecorder : public QObject, public QList<QVariantList> {
public:
    template <typename Sender, typename Signal>
    SignalRecorder(const Sender* sender, Signal signal)
    {
        QObject::connect(sender, signal, this, [this](const auto&... args) { append(QVariantList{QVariant::fromValue(args)...}); },
                         Qt::AutoConnection);
    }

    // Waits for one more emission, like QSignalSpy::wait.
    bool wait(int timeoutMs = 5000)
    {
        const qsizetype before = size();
        return QTest::qWaitFor([&] { return size() > before; }, timeoutMs);
    }
};

} // namespace pc::test
