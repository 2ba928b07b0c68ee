#include "SuggestionBars.h"

#include "Percent.h"
#include "Theme.h"

#include <QMouseEvent>
#include <QPainter>

namespace pc {

SuggestionBars::SuggestionBars(QWidget* parent) : QWidget(parent)
{
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    setAccessibleName(tr("Suggestions"));
}

int SuggestionBars::rowHeight() const { return fontMetrics().height() * 2; }

QSize SuggestionBars::sizeHint() const { return QSize(fontMetrics().height() * 20, rowHeight() * 3); }
QSize SuggestionBars::minimumSizeHint() const { return QSize(fontMetrics().height() * 10, rowHeight() * 3); }

void SuggestionBars::setSuggestions(const std::vector<Guess>& top, const QString& currentLabel)
{
    m_top = top;
    m_label = currentLabel;
    QStringList spoken;
    for (size_t i = 0; i < m_top.size(); ++i)
        spoken << tr("%1: %2, %3").arg(i + 1).arg(m_top[i].name, percentText(m_top[i].p));
    setAccessibleDescription(spoken.join(QStringLiteral("; ")));
    update();
}

void SuggestionBars::paintEvent(QPaintEvent*)
{
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing, true);
    const QPalette& pal = palette();
    const QFontMetrics fm = fontMetrics();
    const int rh = rowHeight();
    const int pad = fm.height() / 4;
    if (m_top.empty()) {
        p.setPen(pal.color(QPalette::PlaceholderText));
        p.drawText(rect(), Qt::AlignCenter, tr("No prediction yet"));
        return;
    }
    const int keyW = fm.height() + pad;
    const int pctW = fm.horizontalAdvance(QStringLiteral("100.0%")) + pad;
    const int nameW = std::min(width() / 2, fm.horizontalAdvance(QStringLiteral("Staffordshire Bull Terrier")) + pad * 2);
    for (int i = 0; i < 3; ++i) {
        const QRect row(0, i * rh, width(), rh);
        const QRect key(row.left() + pad, row.top() + (rh - fm.height()) / 2, fm.height(), fm.height());
        p.setPen(QPen(pal.color(QPalette::Mid), 1));
        p.setBrush(pal.color(QPalette::Button));
        p.drawRoundedRect(key, pad, pad);
        p.setPen(pal.color(QPalette::ButtonText));
        p.drawText(key, Qt::AlignCenter, QString::number(i + 1));
        if (size_t(i) >= m_top.size())
            continue;
        const Guess& g = m_top[size_t(i)];
        QFont f = font();
        f.setBold(g.label == m_label);
        p.setFont(f);
        p.setPen(pal.color(QPalette::WindowText));
        const QRect name(key.right() + pad * 2, row.top(), nameW, rh);
        p.drawText(name, Qt::AlignVCenter | Qt::AlignLeft, QFontMetrics(f).elidedText(g.name, Qt::ElideRight, nameW));
        p.setFont(font());
        const QRect track(name.right() + pad, row.top() + rh / 4, std::max(10, width() - name.right() - pctW - pad * 3), rh / 2);
        QColor trackColor = pal.color(QPalette::Mid);
        trackColor.setAlphaF(0.35f);
        p.setPen(Qt::NoPen);
        p.setBrush(trackColor);
        p.drawRoundedRect(track, track.height() / 2.0, track.height() / 2.0);
        QRect fill = track;
        fill.setWidth(std::max(track.height(), int(track.width() * double(g.p))));
        p.setBrush(Theme::confidenceColor(g.p, pal));
        p.drawRoundedRect(fill, track.height() / 2.0, track.height() / 2.0);
        p.setPen(pal.color(QPalette::WindowText));
        p.drawText(QRect(track.right() + pad, row.top(), pctW, rh), Qt::AlignVCenter | Qt::AlignRight,
                   percentText(g.p));
    }
    (void)keyW;
}

void SuggestionBars::mousePressEvent(QMouseEvent* event)
{
    const int i = int(event->position().y()) / rowHeight();
    if (i >= 0 && size_t(i) < m_top.size())
        Q_EMIT suggestionClicked(i);
}

} // namespace pc
