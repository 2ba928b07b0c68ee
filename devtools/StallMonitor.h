#pragma once
// Measures how responsive the UI thread is: a precise timer ticks every 5 ms and the gaps between
// ticks are recorded. A gap well above 5 ms means the event loop was blocked (or starved) that long.
#include <QElapsedTimer>
#include <QObject>
#include <QTimer>
#include <vector>

namespace pc {

class StallMonitor : public QObject {
    Q_OBJECT
public:
    struct Stats {
        int ticks = 0;
        double maxMs = 0;
        double p99Ms = 0;
        double p999Ms = 0;
        double meanMs = 0;
        int over50 = 0;   // gaps longer than 50 ms
        int over16 = 0;   // gaps longer than a 60 Hz frame
        double maxBusyMs = 0; // the most CPU time the UI thread itself used within one gap
    };
    // One long gap, for diagnosis: how much of it the UI thread spent computing (busy) and how
    // often it was preempted (involuntary context switches) — a long gap with little CPU and many
    // preemptions is CPU starvation by other threads or processes, not work on the UI thread.
    struct LongGap {
        double atMs = 0;   // since start()
        double wallMs = 0;
        double busyMs = 0;
        long preempted = 0;
        long waited = 0;   // voluntary context switches (blocking, sleeping)
    };

    explicit StallMonitor(int intervalMs = 5, QObject* parent = nullptr);

    void start();
    void stop();
    void reset();
    Stats stats() const;
    const std::vector<LongGap>& longGaps() const { return m_long; }
    double elapsedMs() const { return double(m_clock.nsecsElapsed()) / 1e6; }
    void setLongGapThreshold(double ms) { m_longMs = ms; }
    static QString format(const Stats& s);

private:
    void tick();

    QTimer m_timer;
    QElapsedTimer m_clock;
    qint64 m_last = -1;
    qint64 m_lastCpu = 0;
    long m_lastInvoluntary = 0, m_lastVoluntary = 0;
    double m_longMs = 30;
    std::vector<double> m_gaps; // ms
    std::vector<double> m_busy; // ms of UI-thread CPU per gap
    std::vector<LongGap> m_long;
};

} // namespace pc
