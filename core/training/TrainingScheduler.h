#pragma once
// When the learning loop trains on its own. One owner for both automatic rules (AutoTrainRules):
//  - after N new labels: noteNewLabel() asks the loop (on its thread: it is SQL) how many label
//    events came since the last full training, and starts a full training when the rule says so;
//    otherwise, with a trained model live, a short incremental update (the "correction" run).
//    A label that arrives while a training runs gets its turn when that run ends.
//    The runs it starts are onlyIfNew (TrainingSet.h): when the labels changed nothing that the last
//    version learned from (a label confirmed as it was), no version is made and the outcome says so.
//  - daily at a set time: the next due time is computed from the rule (nextDailyRun) and a timer
//    waits for it; dailyRunDue() says when it is reached. The owner starts that run (the GUI
//    through its dashboard, with the dashboard's settings), onlyIfNew like the scheduler's own, or
//    skips it when one is going.
// The clock is injectable, so tests move time instead of waiting for it.
#include "training/AutoTrainRules.h"
#include "training/LearningLoop.h"

#include <QDateTime>
#include <QObject>
#include <QTimer>
#include <functional>

namespace pc {

class TrainingScheduler : public QObject {
    Q_OBJECT
public:
    using Clock = std::function<QDateTime()>;
    // The loop must outlive the scheduler. No clock: the system's local time.
    explicit TrainingScheduler(LearningLoop* loop, Clock clock = {}, QObject* parent = nullptr);

    void setRules(const AutoTrainRules& rules); // re-plans the daily run
    const AutoTrainRules& rules() const { return m_rules; }
    void setIncrementalOnCorrection(bool on) { m_incrementalOnCorrection = on; }
    // What the runs it starts take besides kind and reason (views, epochs, seed).
    void setRequestTemplate(const TrainRequest& request) { m_template = request; }

    // The daily run the timer waits for; invalid when the rule is off.
    QDateTime nextDailyRun() const { return m_nextDaily; }

    // Feed: one new label was stored. Returns at once; the count runs on the loop's thread.
    void noteNewLabel();

public Q_SLOTS:
    // Fires dailyRunDue when the planned run time has come (by the clock), then plans the next.
    // The timer calls it; tests call it after moving their clock.
    void checkDaily();

Q_SIGNALS:
    void dailyRunDue(const QString& reason);  // "daily 03:00"
    void runStarted(const pc::TrainRequest& request); // a run this scheduler started on the loop
    void labelsCounted(int newLabelsSinceLastFullRun); // each answer to noteNewLabel's count

private:
    void decideOnLabels(int newLabels);
    void planDaily();
    TrainRequest request(TrainRequest::Kind kind, const QString& reason) const;

    LearningLoop* m_loop;
    Clock m_clock;
    AutoTrainRules m_rules;
    bool m_incrementalOnCorrection = true;
    TrainRequest m_template;
    QDateTime m_nextDaily;
    QTimer m_dailyTimer;
    bool m_counting = false;      // a count is on its way back from the loop
    bool m_labelWaiting = false;  // a label came while counting or training: look again after
};

} // namespace pc

Q_DECLARE_METATYPE(pc::TrainRequest)
