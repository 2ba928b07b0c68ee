#include "Theme.h"

#include <QApplication>
#include <QStyle>
#include <QStyleFactory>

namespace pc::Theme {

namespace {
struct Original {
    bool saved = false;
    QString style;
    QPalette palette;
};
Original& original()
{
    static Original o;
    if (!o.saved && qApp) {
        o.saved = true;
        o.style = QApplication::style()->name();
        o.palette = QApplication::palette();
    }
    return o;
}
bool g_dark = false;

QPalette darkPalette()
{
    QPalette p;
    const QColor window(45, 45, 48), base(30, 30, 32), alt(40, 40, 44), text(230, 230, 230), disabled(128, 128, 128);
    const QColor highlight(61, 130, 220);
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, base);
    p.setColor(QPalette::AlternateBase, alt);
    p.setColor(QPalette::ToolTipBase, QColor(60, 60, 64));
    p.setColor(QPalette::ToolTipText, text);
    p.setColor(QPalette::PlaceholderText, QColor(150, 150, 150));
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::Button, QColor(53, 53, 57));
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::BrightText, QColor(255, 90, 90));
    p.setColor(QPalette::Link, QColor(110, 170, 255));
    p.setColor(QPalette::LinkVisited, QColor(170, 140, 255));
    p.setColor(QPalette::Highlight, highlight);
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::Light, QColor(75, 75, 80));
    p.setColor(QPalette::Midlight, QColor(62, 62, 66));
    p.setColor(QPalette::Mid, QColor(38, 38, 40));
    p.setColor(QPalette::Dark, QColor(25, 25, 27));
    p.setColor(QPalette::Shadow, QColor(10, 10, 10));
    for (auto role : {QPalette::WindowText, QPalette::Text, QPalette::ButtonText})
        p.setColor(QPalette::Disabled, role, disabled);
    p.setColor(QPalette::Disabled, QPalette::Highlight, QColor(80, 80, 80));
    p.setColor(QPalette::Disabled, QPalette::HighlightedText, disabled);
    return p;
}
} // namespace

void applyDark(bool dark)
{
    Original& o = original();
    if (dark == g_dark)
        return;
    g_dark = dark;
    if (dark) {
        QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
        QApplication::setPalette(darkPalette());
    } else {
        if (QStyle* s = QStyleFactory::create(o.style))
            QApplication::setStyle(s);
        QApplication::setPalette(o.palette);
    }
}

bool isDarkActive() { return g_dark; }

bool isDark(const QPalette& palette)
{
    return palette.color(QPalette::Window).lightnessF() < palette.color(QPalette::WindowText).lightnessF();
}

QColor unlabelledColor(const QPalette& palette) { return isDark(palette) ? QColor(140, 140, 150) : QColor(120, 120, 130); }
QColor labelledColor(const QPalette& palette) { return isDark(palette) ? QColor(80, 190, 110) : QColor(30, 140, 60); }
QColor disagreeColor(const QPalette& palette) { return isDark(palette) ? QColor(240, 110, 90) : QColor(205, 50, 40); }
QColor pendingColor(const QPalette& palette) { return isDark(palette) ? QColor(235, 185, 60) : QColor(200, 130, 0); }

QColor confidenceColor(double p, const QPalette& palette)
{
    p = std::clamp(p, 0.0, 1.0);
    // hue 0 (red) → 120 (green)
    const bool dark = isDark(palette);
    return QColor::fromHsvF(float(p * 0.33), dark ? 0.55f : 0.75f, dark ? 0.85f : 0.70f);
}

QColor over(const QColor& top, const QColor& bottom)
{
    const float a = top.alphaF();
    return QColor::fromRgbF(top.redF() * a + bottom.redF() * (1 - a), top.greenF() * a + bottom.greenF() * (1 - a),
                            top.blueF() * a + bottom.blueF() * (1 - a));
}

} // namespace pc::Theme
