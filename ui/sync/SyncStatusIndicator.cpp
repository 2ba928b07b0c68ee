#include "SyncStatusIndicator.h"

#include <QLocale>

namespace pc {

SyncStatusIndicator::SyncStatusIndicator(SyncService* service, QWidget* parent) : QToolButton(parent)
{
    setObjectName(QStringLiteral("syncIndicator"));
    setAutoRaise(true);
    setAccessibleName(tr("Team server"));
    connect(this, &QToolButton::clicked, service, &SyncService::syncNow);
    connect(service, &SyncService::statusChanged, this, &SyncStatusIndicator::display);
    display(service->status());
}

QString SyncStatusIndicator::textFor(const SyncStatus& s)
{
    QStringList parts;
    if (s.running)
        parts << tr("Team: syncing…");
    else if (!s.error.isEmpty() && !s.online)
        parts << tr("Team: offline");
    else if (!s.error.isEmpty())
        parts << tr("Team: problem");
    else if (s.lastSync.isValid())
        parts << tr("Team: online");
    else
        parts << tr("Team: not synced yet");
    parts << tr("%n queued", nullptr, s.queued);
    if (s.lastSync.isValid())
        parts << tr("synced %1").arg(QLocale().toString(s.lastSync.time(), QLocale::ShortFormat));
    return parts.join(QStringLiteral(" · "));
}

QString SyncStatusIndicator::toolTipFor(const SyncStatus& s)
{
    QStringList lines;
    if (!s.error.isEmpty())
        lines << tr("Last problem: %1").arg(s.error);
    if (!s.summary.isEmpty())
        lines << tr("Last sync: %1").arg(s.summary);
    if (s.refused > 0)
        lines << tr("%n label(s) refused by the server (see petcurator-cli server-status)", nullptr, s.refused);
    lines << tr("Click to sync now");
    return lines.join(QLatin1Char('\n'));
}

void SyncStatusIndicator::display(const SyncStatus& s)
{
    setVisible(s.configured);
    setText(textFor(s));
    setToolTip(toolTipFor(s));
}

} // namespace pc
