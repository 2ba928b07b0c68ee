// The automatic training rules in one place: after N new labels (counted on the loop's thread,
// one full run per N) and daily at a set time (planned from the rule, checked against an
// injected clock, so the tests move time instead of waiting for it).
#include "SignalRecorder.h"
#include "TestSupport.h"

#include "training/LearningLoop.h"
#include "training/TrainingScheduler.h"
#include "workspace/DatasetImporter.h"
#include "workspace/Workspace.h"

#include <QTemporaryDir>
#include <QTest>
#include <ctime>

using namespace pc;

static void useTimeZone(const char* tz)
{
    qputenv("TZ", tz);
    tzset();
}

static QDateTime local(int y, int mo, int d, int h, int mi = 0, int s = 0)
{
    return QDateTime(QDate(y, mo, d), QTime(h, mi, s), Qt::LocalTime);
}

class TestTrainingScheduler : public QObject {
    Q_OBJECT

    QTemporaryDir m_tmp;
    std::shared_ptr<Workspace> m_ws;
    std::unique_ptr<LearningLoop> m_loop;
    QDateTime m_now; // the injected clock

    std::unique_ptr<TrainingScheduler> scheduler(const AutoTrainRules& rules)
    {
        auto s = std::make_unique<TrainingScheduler>(m_loop.get(), [this] { return m_now; });
        s->setRules(rules);
        return s;
    }

    static AutoTrainRules dailyOnly(QTime at)
    {
        AutoTrainRules r;
        r.afterLabelsEnabled = false;
        r.dailyAt = at;
        return r;
    }

    // Labels one more image (a correction) and feeds the scheduler; waits for its count.
    int labelAndCount(TrainingScheduler& s, test::SignalRecorder& counted, int index)
    {
        const QVector<ImageRecord> images = m_ws->images().value();
        const qsizetype before = counted.size();
        if (!m_ws->labels().add(images.at(index % images.size()).id, QStringLiteral("pug"), LabelOrigin::Curator, QStringLiteral("test")).ok())
            return -1;
        s.noteNewLabel();
        if (!QTest::qWaitFor([&] { return counted.size() > before; }, 60000))
            return -1;
        return counted.last().first().toInt();
    }

private Q_SLOTS:
    void initTestCase()
    {
        // Local time without DST: the daily arithmetic is exact (the DST days are in TestAutoTrainRules).
        useTimeZone("Asia/Tokyo");
        const QString data = test::makeOxfordSubset(m_tmp.filePath(QStringLiteral("data")),
                                                    {QStringLiteral("pug"), QStringLiteral("samoyed"), QStringLiteral("Persian")}, 8);
        auto ws = Workspace::open(m_tmp.filePath(QStringLiteral("ws")));
        QVERIFY(ws.ok());
        m_ws = *ws;
        QVERIFY(importOxford(*m_ws, data).added >= 20);
        m_loop = std::make_unique<LearningLoop>(m_ws, test::backbone());
    }

    void cleanupTestCase()
    {
        m_loop.reset();
        m_ws.reset();
        qunsetenv("TZ");
        tzset();
    }

    void dailyRunIsPlannedFromTheRule()
    {
        m_now = local(2026, 6, 10, 2, 59);
        auto s = scheduler(dailyOnly(QTime(3, 0)));
        test::SignalRecorder due(s.get(), &TrainingScheduler::dailyRunDue);
        QCOMPARE(s->nextDailyRun(), local(2026, 6, 10, 3, 0));
        s->checkDaily(); // early: nothing, same plan
        QCOMPARE(due.count(), 0);
        QCOMPARE(s->nextDailyRun(), local(2026, 6, 10, 3, 0));
        m_now = local(2026, 6, 10, 3, 0);
        s->checkDaily();
        QCOMPARE(due.count(), 1);
        QCOMPARE(due.first().first().toString(), QStringLiteral("daily 03:00"));
        QCOMPARE(s->nextDailyRun(), local(2026, 6, 11, 3, 0));
        m_now = local(2026, 6, 10, 3, 1);
        s->checkDaily();
        m_now = local(2026, 6, 11, 2, 59);
        s->checkDaily();
        QCOMPARE(due.count(), 1);
        m_now = local(2026, 6, 11, 3, 0, 1);
        s->checkDaily();
        QCOMPARE(due.count(), 2);
        QCOMPARE(s->nextDailyRun(), local(2026, 6, 12, 3, 0));
    }

    void dailyRunAcrossMidnight()
    {
        m_now = local(2026, 12, 31, 23, 30);
        auto s = scheduler(dailyOnly(QTime(0, 15)));
        test::SignalRecorder due(s.get(), &TrainingScheduler::dailyRunDue);
        QCOMPARE(s->nextDailyRun(), local(2027, 1, 1, 0, 15)); // the next day, month and year
        m_now = local(2026, 12, 31, 23, 59, 59);
        s->checkDaily();
        m_now = local(2027, 1, 1, 0, 14);
        s->checkDaily();
        QCOMPARE(due.count(), 0);
        m_now = local(2027, 1, 1, 0, 16);
        s->checkDaily();
        QCOMPARE(due.count(), 1);
        QCOMPARE(s->nextDailyRun(), local(2027, 1, 2, 0, 15));
        // A run just before midnight, asked just after its time: tomorrow's.
        s->setRules(dailyOnly(QTime(23, 45)));
        m_now = local(2027, 1, 1, 23, 50);
        s->setRules(dailyOnly(QTime(23, 45)));
        QCOMPARE(s->nextDailyRun(), local(2027, 1, 2, 23, 45));
        // The same in UTC, which has no DST either.
        useTimeZone("UTC");
        m_now = QDateTime(QDate(2026, 3, 29), QTime(23, 0), Qt::UTC);
        s->setRules(dailyOnly(QTime(1, 0)));
        QCOMPARE(s->nextDailyRun().toUTC(), QDateTime(QDate(2026, 3, 30), QTime(1, 0), Qt::UTC));
        useTimeZone("Asia/Tokyo");
    }

    void asleepAcrossTheRunTimeRunsOnceOnWaking()
    {
        m_now = local(2026, 6, 9, 22, 0);
        auto s = scheduler(dailyOnly(QTime(3, 0)));
        test::SignalRecorder due(s.get(), &TrainingScheduler::dailyRunDue);
        m_now = local(2026, 6, 12, 9, 0); // three nights later
        s->checkDaily();
        s->checkDaily();
        QCOMPARE(due.count(), 1);
        QCOMPARE(s->nextDailyRun(), local(2026, 6, 13, 3, 0));
    }

    void dailyRuleOffPlansNothing()
    {
        m_now = local(2026, 6, 10, 2, 0);
        AutoTrainRules off = dailyOnly(QTime(3, 0));
        off.dailyEnabled = false;
        auto s = scheduler(off);
        test::SignalRecorder due(s.get(), &TrainingScheduler::dailyRunDue);
        QVERIFY(!s->nextDailyRun().isValid());
        m_now = local(2026, 6, 11, 9, 0);
        s->checkDaily();
        QCOMPARE(due.count(), 0);
        s->setRules(dailyOnly(QTime(10, 0))); // on again: planned from now
        QCOMPARE(s->nextDailyRun(), local(2026, 6, 11, 10, 0));
    }

    void theTimerChecksAtThePlannedTime()
    {
        // Planned one second ahead; by the time the timer fires the clock says it is due.
        m_now = local(2026, 6, 10, 2, 59, 59);
        auto s = scheduler(dailyOnly(QTime(3, 0)));
        test::SignalRecorder due(s.get(), &TrainingScheduler::dailyRunDue);
        m_now = local(2026, 6, 10, 3, 0);
        QTRY_COMPARE_WITH_TIMEOUT(due.count(), 1, 20000);
        QCOMPARE(s->nextDailyRun(), local(2026, 6, 11, 3, 0));
    }

    void afterNLabelsRunsOncePerN()
    {
        AutoTrainRules rules;
        rules.dailyEnabled = false;
        rules.afterLabels = 3;
        auto s = scheduler(rules);
        s->setIncrementalOnCorrection(false);
        TrainRequest quick;
        quick.augmentedViews = 1;
        quick.trainer.maxEpochs = 3;
        s->setRequestTemplate(quick);
        test::SignalRecorder counted(s.get(), &TrainingScheduler::labelsCounted);
        test::SignalRecorder started(s.get(), &TrainingScheduler::runStarted);
        test::SignalRecorder finished(m_loop.get(), &LearningLoop::trainingFinished);
        int label = 0;
        for (int round = 1; round <= 2; ++round) {
            QCOMPARE(labelAndCount(*s, counted, label++), 1);
            QCOMPARE(labelAndCount(*s, counted, label++), 2);
            QCOMPARE(started.count(), round - 1);
            QCOMPARE(labelAndCount(*s, counted, label++), 3);
            QCOMPARE(started.count(), round);
            const TrainRequest r = started.last().first().value<TrainRequest>();
            QVERIFY(r.kind == TrainRequest::Kind::Full);
            QCOMPARE(r.reason, QStringLiteral("after 3 new labels"));
            QCOMPARE(r.trainer.maxEpochs, 3);
            QVERIFY(r.onlyIfNew); // no version without news
            QTRY_VERIFY_WITH_TIMEOUT(finished.count() == round && !m_loop->isBusy(), 120000);
            const TrainOutcome outcome = finished.last().first().value<TrainOutcome>();
            QVERIFY2(!outcome.version.isEmpty(), qPrintable(outcome.verdict));
        }
        QCOMPARE(started.count(), 2);
    }

    void aCorrectionGetsAnIncrementalUpdate()
    {
        AutoTrainRules rules;
        rules.dailyEnabled = false;
        rules.afterLabels = 1000;
        auto s = scheduler(rules);
        s->setIncrementalOnCorrection(true);
        TrainRequest quick;
        quick.augmentedViews = 1;
        s->setRequestTemplate(quick);
        if (m_loop->activeVersion() == LearningLoop::zeroShotVersion()) {
            auto trained = m_loop->train(quick);
            QVERIFY(trained.ok());
            QVERIFY(m_loop->activate(trained->version).ok());
        }
        test::SignalRecorder counted(s.get(), &TrainingScheduler::labelsCounted);
        test::SignalRecorder started(s.get(), &TrainingScheduler::runStarted);
        QVERIFY(labelAndCount(*s, counted, 7) >= 1);
        QCOMPARE(started.count(), 1);
        const TrainRequest r = started.first().first().value<TrainRequest>();
        QVERIFY(r.kind == TrainRequest::Kind::Incremental);
        QCOMPARE(r.reason, QStringLiteral("correction"));
        QCOMPARE(r.trainer.maxEpochs, 3);
        QVERIFY(r.onlyIfNew);
        m_loop->waitForIdle();
        // Both off: a label is not even counted.
        s->setIncrementalOnCorrection(false);
        rules.afterLabelsEnabled = false;
        s->setRules(rules);
        QVERIFY(m_ws->labels().add(m_ws->images().value().first().id, QStringLiteral("pug"), LabelOrigin::Curator, QStringLiteral("test")).ok());
        s->noteNewLabel();
        m_loop->waitForIdle();
        QCoreApplication::processEvents();
        QCOMPARE(counted.count(), 1);
        QCOMPARE(started.count(), 1);
    }

    void labelsThatChangeNothingMakeNoVersion()
    {
        // A full run after every label; the last full run's version knows the labels as they are.
        AutoTrainRules rules;
        rules.dailyEnabled = false;
        rules.afterLabels = 1;
        auto s = scheduler(rules);
        s->setIncrementalOnCorrection(false);
        TrainRequest quick;
        quick.augmentedViews = 1;
        quick.trainer.maxEpochs = 3;
        s->setRequestTemplate(quick);
        auto trained = m_loop->train(quick);
        QVERIFY2(trained.ok(), trained.ok() ? "" : qPrintable(trained.error().message));
        QVERIFY(!trained->version.isEmpty());
        const qsizetype versions = m_ws->models().all().value().size();

        // A curator confirms a label as it was: the scheduler starts its run, which makes nothing.
        test::SignalRecorder counted(s.get(), &TrainingScheduler::labelsCounted);
        test::SignalRecorder started(s.get(), &TrainingScheduler::runStarted);
        test::SignalRecorder finished(m_loop.get(), &LearningLoop::trainingFinished);
        const ImageRecord image = m_ws->images().value().constLast();
        QVERIFY(m_ws->labels().add(image.id, m_ws->labels().current(image.id).value()->breed, LabelOrigin::Curator, QStringLiteral("test")).ok());
        s->noteNewLabel();
        QTRY_COMPARE_WITH_TIMEOUT(started.count(), 1, 60000);
        QTRY_VERIFY_WITH_TIMEOUT(finished.count() == 1 && !m_loop->isBusy(), 120000);
        const TrainOutcome outcome = finished.first().first().value<TrainOutcome>();
        QVERIFY(outcome.version.isEmpty());
        QCOMPARE(outcome.verdict, QStringLiteral("no new labels since %1, the last full training: nothing to train").arg(trained->version));
        QCOMPARE(m_ws->models().all().value().size(), versions);
        // Those labels were looked at: the count starts again from them.
        QVERIFY(m_ws->labels().add(image.id, m_ws->labels().current(image.id).value()->breed, LabelOrigin::Curator, QStringLiteral("test")).ok());
        s->setRules([] { AutoTrainRules off; off.dailyEnabled = false; off.afterLabels = 1000; return off; }());
        s->noteNewLabel();
        QTRY_VERIFY_WITH_TIMEOUT(counted.size() >= 2, 60000);
        QCOMPARE(counted.last().first().toInt(), 1);
    }
};

QTEST_GUILESS_MAIN(TestTrainingScheduler)
#include "TestTrainingScheduler.moc"
