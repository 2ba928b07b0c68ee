#include "training/AutoTrainRules.h"

namespace pc {

bool AutoTrainRules::dueForLabels(int newLabelsSinceLastRun) const
{
    return afterLabelsEnabled && afterLabels > 0 && newLabelsSinceLastRun >= afterLabels;
}

// The run time on `date` in local time, resolved deterministically: an hour that happens twice
// (autumn) runs at the first of the two; a time that doesn't exist (spring gap) runs at the first
// minute after the gap. QDateTime(date, time, Qt::LocalTime) leaves that choice to mktime(),
// which answers differently depending on earlier calls, so we go from UTC instead.
static QDateTime localAt(const QDate& date, const QTime& time)
{
    const int offsets[2] = {QDateTime(date.addDays(-1), QTime(12, 0), Qt::LocalTime).offsetFromUtc(),
                            QDateTime(date.addDays(1), QTime(12, 0), Qt::LocalTime).offsetFromUtc()};
    for (int minutes = 0; minutes < 24 * 60; ++minutes) {
        const QTime wall = time.addSecs(60 * minutes);
        if (minutes > 0 && wall <= time)
            break; // wrapped past midnight
        QDateTime first;
        for (int offset : offsets) {
            const QDateTime t = QDateTime(date, wall, Qt::UTC).addSecs(-offset).toLocalTime();
            if (t.date() == date && t.time() == wall && (!first.isValid() || t < first))
                first = t;
        }
        if (first.isValid())
            return first;
    }
    return QDateTime(date, time, Qt::LocalTime);
}

QDateTime AutoTrainRules::nextDailyRun(const QDateTime& now) const
{
    if (!dailyEnabled || !dailyAt.isValid() || !now.isValid())
        return {};
    // Calendar-day arithmetic in local time: one run per local date, whatever DST does to the
    // length of the day.
    const QDateTime local = now.toLocalTime();
    QDateTime next = localAt(local.date(), dailyAt);
    if (next <= local)
        next = localAt(local.date().addDays(1), dailyAt);
    return next;
}

bool AutoTrainRules::dailyDueBetween(const QDateTime& lastCheck, const QDateTime& now) const
{
    if (!dailyEnabled || !lastCheck.isValid() || !now.isValid() || now <= lastCheck)
        return false;
    // The first run after lastCheck: if it is already past, it is due, once, however long the
    // app slept (several missed days still mean one run).
    const QDateTime next = nextDailyRun(lastCheck);
    return next.isValid() && next <= now;
}

} // namespace pc
