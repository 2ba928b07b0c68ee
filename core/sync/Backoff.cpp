#include "sync/Backoff.h"

#include <algorithm>

namespace pc::sync {

int Backoff::nextDelayMs()
{
    const int shift = std::min(m_failures, 20);
    const qint64 full = std::min<qint64>(qint64(m_capMs), qint64(m_baseMs) << shift);
    ++m_failures;
    const qint64 half = full / 2;
    return int(half + QRandomGenerator::global()->bounded(half + 1));
}

} // namespace pc::sync
