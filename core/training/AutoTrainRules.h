#pragma once
// When to fine-tune on its own: after N new labels, and daily at a set time (03:00 by default,
// like the seed's cron job). Pure logic, so the GUI timer and the tests share it.
#include <QDateTime>
#include <QTime>

namespace pc {

struct AutoTrainRules {
    bool afterLabelsEnabled = true;
    int afterLabels = 20;
    bool dailyEnabled = true;
    QTime dailyAt = QTime(3, 0);

    // Whether enough labels arrived since the last training.
    bool dueForLabels(int newLabelsSinceLastRun) const;
    // The next daily run strictly after `now`.
    QDateTime nextDailyRun(const QDateTime& now) const;
    // Whether a daily run fell between lastCheck (exclusive) and now (inclusive).
    bool dailyDueBetween(const QDateTime& lastCheck, const QDateTime& now) const;
};

} // namespace pc
