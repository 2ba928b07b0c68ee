#pragma once
// Light/dark: by default the app follows the system palette and style; View ▸ Dark theme switches
// to Fusion with a dark QPalette, and back to what the system gave us.
#include <QPalette>

namespace pc::Theme {

void applyDark(bool dark);
bool isDarkActive();
// Whether a palette is dark (window colour darker than its text), for widgets that paint themselves.
bool isDark(const QPalette& palette);

// Colours for the label-status badges, readable on both palettes.
QColor unlabelledColor(const QPalette& palette);
QColor labelledColor(const QPalette& palette);
QColor disagreeColor(const QPalette& palette);
QColor pendingColor(const QPalette& palette);
// Confidence colour ramp: red (low) → amber → green (high).
QColor confidenceColor(double p, const QPalette& palette);
// The opaque colour that `top` (translucent) gives when painted over the opaque `bottom`.
QColor over(const QColor& top, const QColor& bottom);

} // namespace pc::Theme
