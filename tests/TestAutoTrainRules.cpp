#include "training/AutoTrainRules.h"

#include <QMap>
#include <QTest>
#include <ctime>

using namespace pc;

static void useTimeZone(const char* tz)
{
    qputenv("TZ", tz);
    tzset();
}

static QDateTime local(int y, int mo, int d, int h, int mi = 0)
{
    return QDateTime(QDate(y, mo, d), QTime(h, mi), Qt::LocalTime);
}

class TestAutoTrainRules : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void init() { useTimeZone("Europe/Berlin"); }
    void cleanupTestCase() { qunsetenv("TZ"); tzset(); }

    void labelsThreshold()
    {
        AutoTrainRules r;
        QVERIFY(!r.dueForLabels(19));
        QVERIFY(r.dueForLabels(20));
        QVERIFY(r.dueForLabels(21));
        r.afterLabelsEnabled = false;
        QVERIFY(!r.dueForLabels(1000));
        r.afterLabelsEnabled = true;
        r.afterLabels = 0; // nonsense setting: never, rather than after every label
        QVERIFY(!r.dueForLabels(5));
    }

    void nextRunIsStrictlyAfterNow()
    {
        AutoTrainRules r;
        QCOMPARE(r.nextDailyRun(local(2026, 6, 10, 2, 0)), local(2026, 6, 10, 3, 0));
        QCOMPARE(r.nextDailyRun(local(2026, 6, 10, 3, 0)), local(2026, 6, 11, 3, 0));
        QCOMPARE(r.nextDailyRun(local(2026, 6, 10, 10, 0)), local(2026, 6, 11, 3, 0));
        // Given in UTC, answered in local time.
        QCOMPARE(r.nextDailyRun(local(2026, 6, 10, 10, 0).toUTC()), local(2026, 6, 11, 3, 0));
        r.dailyEnabled = false;
        QVERIFY(!r.nextDailyRun(local(2026, 6, 10, 10, 0)).isValid());
    }

    void dueOnceAcrossTheRunTime()
    {
        AutoTrainRules r;
        QVERIFY(r.dailyDueBetween(local(2026, 6, 10, 2, 59), local(2026, 6, 10, 3, 0)));
        QVERIFY(!r.dailyDueBetween(local(2026, 6, 10, 3, 0), local(2026, 6, 10, 3, 1)));
        QVERIFY(!r.dailyDueBetween(local(2026, 6, 10, 3, 1), local(2026, 6, 11, 2, 59)));
        QVERIFY(!r.dailyDueBetween(local(2026, 6, 10, 3, 5), local(2026, 6, 10, 3, 0))); // clock went back
        QVERIFY(!r.dailyDueBetween(QDateTime(), local(2026, 6, 10, 3, 0)));
        r.dailyEnabled = false;
        QVERIFY(!r.dailyDueBetween(local(2026, 6, 10, 2, 59), local(2026, 6, 10, 3, 0)));
    }

    void asleepAcrossTheRunTimeFiresOnce()
    {
        AutoTrainRules r;
        // Laptop closed at 22:00, opened at 09:00: one run on wake-up, none on the next check.
        QVERIFY(r.dailyDueBetween(local(2026, 6, 9, 22, 0), local(2026, 6, 10, 9, 0)));
        QVERIFY(!r.dailyDueBetween(local(2026, 6, 10, 9, 0), local(2026, 6, 10, 9, 1)));
        // Asleep for three days: still a single answer, one run.
        QVERIFY(r.dailyDueBetween(local(2026, 6, 7, 22, 0), local(2026, 6, 10, 9, 0)));
    }

    void dstDaysResolveToOneInstant()
    {
        AutoTrainRules r;
        r.dailyAt = QTime(2, 30);
        // 2026-03-29 in Berlin: 02:00 → 03:00, so 02:30 doesn't exist; run at the end of the gap.
        const QDateTime spring = r.nextDailyRun(local(2026, 3, 29, 0, 0));
        QCOMPARE(spring.toUTC(), QDateTime(QDate(2026, 3, 29), QTime(1, 0), Qt::UTC));
        // 2026-10-25: 03:00 → 02:00, so 02:30 happens twice; run at the first (CEST, UTC+2).
        const QDateTime autumn = r.nextDailyRun(local(2026, 10, 25, 0, 0));
        QCOMPARE(autumn.toUTC(), QDateTime(QDate(2026, 10, 25), QTime(0, 30), Qt::UTC));
        // After that run, during the repeated hour, the next one is tomorrow.
        const QDateTime secondPass = QDateTime(QDate(2026, 10, 25), QTime(1, 35), Qt::UTC); // 02:35 CET
        QCOMPARE(r.nextDailyRun(secondPass).date(), QDate(2026, 10, 26));
        QVERIFY(!r.dailyDueBetween(QDateTime(QDate(2026, 10, 25), QTime(0, 31), Qt::UTC), secondPass));
    }

    // A timer that checks every 7 minutes across DST changes: exactly one run per local day, never
    // before the set time and never more than one check late.
    void oncePerDayAcrossDst_data()
    {
        QTest::addColumn<QByteArray>("tz");
        QTest::addColumn<QTime>("at");
        QTest::addColumn<QDate>("transition");
        const QDate berlinSpring(2026, 3, 29), berlinAutumn(2026, 10, 25);
        const QDate nySpring(2026, 3, 8), nyAutumn(2026, 11, 1);
        for (const QTime& at : {QTime(3, 0), QTime(2, 30), QTime(2, 0), QTime(0, 0), QTime(23, 59)}) {
            const QByteArray t = at.toString(QStringLiteral("HH:mm")).toLatin1();
            QTest::newRow("Berlin spring " + t) << QByteArray("Europe/Berlin") << at << berlinSpring;
            QTest::newRow("Berlin autumn " + t) << QByteArray("Europe/Berlin") << at << berlinAutumn;
            QTest::newRow("New York spring " + t) << QByteArray("America/New_York") << at << nySpring;
            QTest::newRow("New York autumn " + t) << QByteArray("America/New_York") << at << nyAutumn;
        }
    }
    void oncePerDayAcrossDst()
    {
        QFETCH(QByteArray, tz);
        QFETCH(QTime, at);
        QFETCH(QDate, transition);
        useTimeZone(tz.constData());
        AutoTrainRules r;
        r.dailyAt = at;
        QMap<QDate, int> runs;
        const QDateTime end = QDateTime(transition.addDays(4), QTime(12, 0), Qt::LocalTime);
        QDateTime prev = QDateTime(transition.addDays(-3), QTime(12, 0), Qt::LocalTime);
        while (prev < end) {
            const QDateTime now = prev.addSecs(7 * 60);
            if (r.dailyDueBetween(prev, now)) {
                const QDateTime scheduled = r.nextDailyRun(prev);
                QVERIFY(scheduled > prev && scheduled <= now);
                // On the day of a gap the run may move to just after it, never before the set time.
                QVERIFY2(scheduled.time() >= at, qPrintable(scheduled.toString(Qt::ISODate)));
                ++runs[scheduled.date()];
            }
            prev = now;
        }
        for (QDate d = transition.addDays(-2); d <= transition.addDays(3); d = d.addDays(1))
            QVERIFY2(runs.value(d) == 1, qPrintable(QStringLiteral("%1 runs on %2").arg(runs.value(d)).arg(d.toString(Qt::ISODate))));
    }
};

QTEST_GUILESS_MAIN(TestAutoTrainRules)
#include "TestAutoTrainRules.moc"
