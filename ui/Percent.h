#pragma once
// One rounding for every probability and accuracy on screen, so a tile, the detail panel and the
// training results never disagree about the same number (100% next to 99.5%).
#include <QString>

namespace pc {

inline QString percentText(double p)
{
    return QStringLiteral("%1%").arg(p * 100, 0, 'f', 1);
}

} // namespace pc
