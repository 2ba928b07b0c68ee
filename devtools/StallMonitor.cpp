#include "StallMonitor.h"

#include <algorithm>
#include <numeric>

#ifdef __linux__
#include <sys/resource.h>
#include <time.h>
#endif

namespace pc {

namespace {
qint64 threadCpuNs()
{
#ifdef __linux__
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return qint64(ts.tv_sec) * 1000000000 + ts.tv_nsec;
#else
    return 0;
#endif
}
void contextSwitches(long* voluntary, long* involuntary)
{
#ifdef __linux__
    rusage u{};
    getrusage(RUSAGE_THREAD, &u);
    *voluntary = u.ru_nvcsw;
    *involuntary = u.ru_nivcsw;
#else
    *voluntary = *involuntary = 0;
#endif
}
} // namespace

StallMonitor::StallMonitor(int intervalMs, QObject* parent) : QObject(parent)
{
    m_timer.setTimerType(Qt::PreciseTimer);
    m_timer.setInterval(intervalMs);
    connect(&m_timer, &QTimer::timeout, this, &StallMonitor::tick);
    m_gaps.reserve(1 << 16);
}

void StallMonitor::start()
{
    m_clock.start();
    m_last = -1;
    m_timer.start();
}

void StallMonitor::stop() { m_timer.stop(); }

void StallMonitor::reset()
{
    m_gaps.clear();
    m_busy.clear();
    m_long.clear();
    m_last = -1;
}

void StallMonitor::tick()
{
    const qint64 now = m_clock.nsecsElapsed();
    const qint64 cpu = threadCpuNs();
    long voluntary = 0, involuntary = 0;
    contextSwitches(&voluntary, &involuntary);
    if (m_last >= 0) {
        const double gap = double(now - m_last) / 1e6;
        const double busy = double(cpu - m_lastCpu) / 1e6;
        m_gaps.push_back(gap);
        m_busy.push_back(busy);
        if (gap > m_longMs)
            m_long.push_back({double(m_last) / 1e6, gap, busy, involuntary - m_lastInvoluntary, voluntary - m_lastVoluntary});
    }
    m_last = now;
    m_lastCpu = cpu;
    m_lastInvoluntary = involuntary;
    m_lastVoluntary = voluntary;
}

StallMonitor::Stats StallMonitor::stats() const
{
    Stats s;
    s.ticks = int(m_gaps.size());
    if (m_gaps.empty())
        return s;
    std::vector<double> g = m_gaps;
    std::sort(g.begin(), g.end());
    s.maxMs = g.back();
    s.p99Ms = g[std::min(g.size() - 1, size_t(double(g.size()) * 0.99))];
    s.p999Ms = g[std::min(g.size() - 1, size_t(double(g.size()) * 0.999))];
    s.meanMs = std::accumulate(g.begin(), g.end(), 0.0) / double(g.size());
    s.over50 = int(std::count_if(g.begin(), g.end(), [](double v) { return v > 50.0; }));
    s.over16 = int(std::count_if(g.begin(), g.end(), [](double v) { return v > 16.7; }));
    s.maxBusyMs = m_busy.empty() ? 0 : *std::max_element(m_busy.begin(), m_busy.end());
    return s;
}

QString StallMonitor::format(const Stats& s)
{
    return QStringLiteral("ticks %1, max gap %2 ms, p99 %3 ms, p99.9 %4 ms, mean %5 ms, gaps >16.7 ms: %6, >50 ms: %7, "
                          "max UI-thread CPU in one gap %8 ms")
        .arg(s.ticks)
        .arg(s.maxMs, 0, 'f', 1)
        .arg(s.p99Ms, 0, 'f', 1)
        .arg(s.p999Ms, 0, 'f', 1)
        .arg(s.meanMs, 0, 'f', 2)
        .arg(s.over16)
        .arg(s.over50)
        .arg(s.maxBusyMs, 0, 'f', 1);
}

} // namespace pc
