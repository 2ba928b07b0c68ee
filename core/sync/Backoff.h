#pragma once
// Retry delays: exponential, capped, with jitter (half the delay fixed, half random), so clients
// that lost the server together do not come back together.
#include <QRandomGenerator>

namespace pc::sync {

class Backoff {
public:
    explicit Backoff(int baseMs = 500, int capMs = 60000) : m_baseMs(baseMs), m_capMs(capMs) {}

    // The delay before the next attempt; each call doubles the next one, up to the cap.
    int nextDelayMs();
    void reset() { m_failures = 0; }
    int failures() const { return m_failures; }

private:
    int m_baseMs, m_capMs;
    int m_failures = 0;
};

} // namespace pc::sync
