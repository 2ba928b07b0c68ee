#include "training/TrainingScheduler.h"

#include <algorithm>

namespace pc {

namespace {
// Qt's timers count on the monotonic clock, which stands still while the machine sleeps: a wait
// of hours set before a suspend ends hours late. So the timer never waits longer than this before
// it compares the wall clock with the planned time again (the plan itself only changes with the
// rules or after a run).
constexpr qint64 kLongestWaitMs = 10 * 60 * 1000;
} // namespace

TrainingScheduler::TrainingScheduler(LearningLoop* loop, Clock clock, QObject* parent)
    : QObject(parent), m_loop(loop), m_clock(clock ? std::move(clock) : Clock([] { return QDateTime::currentDateTime(); }))
{
    qRegisterMetaType<pc::TrainRequest>();
    m_dailyTimer.setSingleShot(true);
    m_dailyTimer.setTimerType(Qt::VeryCoarseTimer);
    connect(&m_dailyTimer, &QTimer::timeout, this, &TrainingScheduler::checkDaily);
    // A label that came while a run was going is looked at when it ends.
    auto afterRun = [this] {
        if (m_labelWaiting) {
            m_labelWaiting = false;
            noteNewLabel();
        }
    };
    connect(m_loop, &LearningLoop::trainingFinished, this, afterRun);
    connect(m_loop, &LearningLoop::trainingFailed, this, afterRun);
    planDaily();
}

void TrainingScheduler::setRules(const AutoTrainRules& rules)
{
    m_rules = rules;
    planDaily();
}

TrainRequest TrainingScheduler::request(TrainRequest::Kind kind, const QString& reason) const
{
    TrainRequest r = m_template;
    r.kind = kind;
    r.reason = reason;
    r.onlyIfNew = true; // no version without news: labels that change nothing train nothing
    if (kind == TrainRequest::Kind::Incremental) {
        // A short update from the live head: a correction should show within a second or so.
        r.trainer.maxEpochs = 3;
        r.trainer.patience = 3;
    }
    return r;
}

// ---------------------------------------------------------------- after N labels

void TrainingScheduler::noteNewLabel()
{
    if (!(m_rules.afterLabelsEnabled && m_rules.afterLabels > 0) && !m_incrementalOnCorrection)
        return; // nothing a label could start: no need to count
    if (m_counting || m_loop->isBusy()) {
        m_labelWaiting = true;
        return;
    }
    m_counting = true;
    m_loop->labelsSinceLastFullRun(this, [this](int newLabels) {
        m_counting = false;
        Q_EMIT labelsCounted(newLabels);
        decideOnLabels(newLabels);
    });
}

void TrainingScheduler::decideOnLabels(int newLabels)
{
    TrainRequest r;
    if (m_rules.dueForLabels(newLabels))
        r = request(TrainRequest::Kind::Full, QStringLiteral("after %1 new labels").arg(newLabels));
    else if (m_incrementalOnCorrection && m_loop->activeVersion() != LearningLoop::zeroShotVersion())
        r = request(TrainRequest::Kind::Incremental, QStringLiteral("correction"));
    else {
        // Nothing to start; labels that came while counting are counted again.
        if (m_labelWaiting) {
            m_labelWaiting = false;
            noteNewLabel();
        }
        return;
    }
    if (m_loop->start(r)) {
        Q_EMIT runStarted(r);
        return;
    }
    m_labelWaiting = true; // busy: its turn comes when the running one ends
}

// ---------------------------------------------------------------- daily

void TrainingScheduler::planDaily()
{
    m_nextDaily = m_rules.nextDailyRun(m_clock());
    if (!m_nextDaily.isValid()) {
        m_dailyTimer.stop();
        return;
    }
    const qint64 ms = std::clamp<qint64>(m_clock().msecsTo(m_nextDaily), 0, kLongestWaitMs);
    m_dailyTimer.start(int(ms));
}

void TrainingScheduler::checkDaily()
{
    const QDateTime now = m_clock();
    if (m_nextDaily.isValid() && now >= m_nextDaily)
        Q_EMIT dailyRunDue(QStringLiteral("daily %1").arg(m_rules.dailyAt.toString(QStringLiteral("HH:mm"))));
    planDaily(); // the first run after now: the same plan when it isn't due yet
}

} // namespace pc
