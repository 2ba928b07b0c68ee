// TestLabelStore: label events are append-only; the current label is the latest event that was not
// rejected (a pending one counts, and says so); bad breeds and images are refused without a trace.
// Real SQLite files, real sample photos.
#include "TestSupport.h"

#include "workspace/Workspace.h"

#include <QFile>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>

using namespace pc;

namespace {

// Runs one statement through a connection of the test's own; returns SQLite's error text.
QString rawExec(const QString& file, const QString& statement)
{
    QString error;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("test-raw"));
        db.setDatabaseName(file);
        if (db.open()) {
            QSqlQuery q(db);
            if (!q.exec(statement))
                error = q.lastError().text();
        }
        db.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("test-raw"));
    return error;
}

} // namespace

class TestLabelStore : public QObject {
    Q_OBJECT

    QTemporaryDir m_tmp;
    int m_n = 0;
    std::shared_ptr<Workspace> m_ws;
    qint64 m_a = 0, m_b = 0, m_c = 0;

    qint64 add(const QString& name)
    {
        auto added = m_ws->addImage(test::readFile(test::sampleImage(name)), test::sampleImage(name), 10, 10, QStringLiteral("files"));
        return added ? added->id : 0;
    }

    qint64 label(qint64 image, const QString& breed, LabelOrigin origin = LabelOrigin::Curator,
                 ReviewStatus status = ReviewStatus::Approved)
    {
        auto id = m_ws->labels().add(image, breed, origin, QStringLiteral("tester"), status);
        if (!id)
            qWarning("addLabel: %s", qPrintable(id.error().message));
        return id ? *id : 0;
    }

    QString current(qint64 image)
    {
        const auto c = m_ws->labels().current(image).value();
        return c ? c->breed : QStringLiteral("<none>");
    }

private Q_SLOTS:
    void init()
    {
        QTest::failOnWarning(QRegularExpression(QStringLiteral(".*")));
        auto ws = Workspace::open(m_tmp.filePath(QStringLiteral("ws%1").arg(++m_n)));
        QVERIFY2(ws, ws ? "" : qPrintable(ws.error().message));
        m_ws = *ws;
        m_a = add(QStringLiteral("Abyssinian_1.jpg"));
        m_b = add(QStringLiteral("Bengal_10.jpg"));
        m_c = add(QStringLiteral("Birman_15.jpg"));
        QVERIFY(m_a && m_b && m_c);
    }

    void cleanup() { m_ws.reset(); }

    void historyIsAppendOnly()
    {
        const qint64 e1 = label(m_a, QStringLiteral("Abyssinian"), LabelOrigin::Dataset);
        const qint64 e2 = label(m_a, QStringLiteral("Bengal"), LabelOrigin::Curator);
        const qint64 e3 = label(m_a, QStringLiteral("Abyssinian"), LabelOrigin::Server, ReviewStatus::Pending);
        QVERIFY(e1 && e2 && e3);
        QVERIFY(e1 < e2 && e2 < e3);

        const QVector<LabelEvent> history = m_ws->labels().history(m_a).value();
        QCOMPARE(history.size(), 3);
        QCOMPARE(history[0].id, e1);
        QCOMPARE(history[0].imageId, m_a);
        QCOMPARE(history[0].breed, QStringLiteral("Abyssinian"));
        QCOMPARE(toString(history[0].origin), QStringLiteral("dataset"));
        QCOMPARE(history[0].author, QStringLiteral("tester"));
        QCOMPARE(toString(history[0].status), QStringLiteral("approved"));
        QVERIFY(history[0].at.isValid());
        QVERIFY(qAbs(history[0].at.secsTo(QDateTime::currentDateTimeUtc())) < 60);
        QCOMPARE(history[1].breed, QStringLiteral("Bengal"));
        QCOMPARE(toString(history[2].origin), QStringLiteral("server"));
        QCOMPARE(toString(history[2].status), QStringLiteral("pending"));
        QCOMPARE(m_ws->labels().eventCount().value(), 3);
        QVERIFY(m_ws->labels().history(m_b).value().isEmpty());

        // Reviewing changes the status, nothing else; the history keeps every event.
        QVERIFY(m_ws->labels().setReviewStatus(e2, ReviewStatus::Rejected));
        QCOMPARE(m_ws->labels().history(m_a).value().size(), 3);
        QCOMPARE(toString(m_ws->labels().history(m_a).value()[1].status), QStringLiteral("rejected"));
        QCOMPARE(m_ws->labels().history(m_a).value()[1].breed, QStringLiteral("Bengal"));

        // Not even SQL behind the workspace's back can rewrite or delete an event.
        m_ws.reset();
        const QString db = m_tmp.filePath(QStringLiteral("ws%1/workspace.sqlite").arg(m_n));
        QVERIFY(rawExec(db, QStringLiteral("UPDATE label_events SET breed = 'pug' WHERE id = %1").arg(e1)).contains(QStringLiteral("append-only")));
        QVERIFY(rawExec(db, QStringLiteral("DELETE FROM label_events")).contains(QStringLiteral("append-only")));
        QVERIFY(rawExec(db, QStringLiteral("UPDATE label_events SET status = 'approved' WHERE id = %1").arg(e2)).isEmpty());
    }

    void currentIsLatestNotRejected()
    {
        QCOMPARE(current(m_a), QStringLiteral("<none>"));
        const qint64 e1 = label(m_a, QStringLiteral("Abyssinian"), LabelOrigin::Dataset);
        QCOMPARE(current(m_a), QStringLiteral("Abyssinian"));
        const qint64 e2 = label(m_a, QStringLiteral("Bengal"));
        QCOMPARE(current(m_a), QStringLiteral("Bengal"));
        QCOMPARE(m_ws->labels().current(m_a).value()->id, e2);
        QCOMPARE(toString(m_ws->labels().current(m_a).value()->origin), QStringLiteral("curator"));

        // Rejecting the latest falls back to the one before.
        QVERIFY(m_ws->labels().setReviewStatus(e2, ReviewStatus::Rejected));
        QCOMPARE(current(m_a), QStringLiteral("Abyssinian"));
        QCOMPARE(m_ws->labels().current(m_a).value()->id, e1);
        // Approving it again brings it back.
        QVERIFY(m_ws->labels().setReviewStatus(e2, ReviewStatus::Approved));
        QCOMPARE(current(m_a), QStringLiteral("Bengal"));
        // All rejected: unlabelled.
        QVERIFY(m_ws->labels().setReviewStatus(e1, ReviewStatus::Rejected));
        QVERIFY(m_ws->labels().setReviewStatus(e2, ReviewStatus::Rejected));
        QVERIFY(!m_ws->labels().current(m_a).value());
    }

    void pendingShowsAsCurrent()
    {
        label(m_b, QStringLiteral("Bengal"), LabelOrigin::Dataset);
        const qint64 pending = label(m_b, QStringLiteral("Egyptian Mau"), LabelOrigin::Server, ReviewStatus::Pending);
        auto c = m_ws->labels().current(m_b).value();
        QVERIFY(c);
        QCOMPARE(c->id, pending);
        QCOMPARE(c->breed, QStringLiteral("Egyptian_Mau"));
        QCOMPARE(toString(c->status), QStringLiteral("pending"));
        QVERIFY(m_ws->labels().setReviewStatus(pending, ReviewStatus::Rejected));
        QCOMPARE(current(m_b), QStringLiteral("Bengal"));
        QCOMPARE(toString(m_ws->labels().current(m_b).value()->status), QStringLiteral("approved"));
    }

    void breedsAreStoredCanonically()
    {
        label(m_a, QStringLiteral("great pyrenees"));
        QCOMPARE(current(m_a), QStringLiteral("great_pyrenees"));
        label(m_a, QStringLiteral("SAMOYED"));
        QCOMPARE(current(m_a), QStringLiteral("samoyed"));
        label(m_a, QStringLiteral("Great-Pyrenees"));
        QCOMPARE(current(m_a), QStringLiteral("great_pyrenees"));
        label(m_a, QStringLiteral("british shorthair"));
        QCOMPARE(current(m_a), QStringLiteral("British_Shorthair"));
    }

    void badInputIsRefusedWithoutATrace()
    {
        label(m_a, QStringLiteral("Abyssinian"));
        const int before = m_ws->labels().eventCount().value();
        const qint64 lastBefore = m_ws->labels().lastEventId().value();

        auto unknownBreed = m_ws->labels().add(m_a, QStringLiteral("Dachshund"), LabelOrigin::Curator, QStringLiteral("x"));
        QVERIFY(!unknownBreed);
        QVERIFY2(unknownBreed.error().message.contains(QStringLiteral("unknown breed")), qPrintable(unknownBreed.error().message));
        QVERIFY(unknownBreed.error().message.contains(QStringLiteral("Dachshund")));
        QVERIFY(!unknownBreed.error().message.contains(QLatin1Char('\n')));
        QVERIFY(!m_ws->labels().add(m_a, QString(), LabelOrigin::Curator, QStringLiteral("x")));

        auto unknownImage = m_ws->labels().add(99999, QStringLiteral("pug"), LabelOrigin::Curator, QStringLiteral("x"));
        QVERIFY(!unknownImage);
        QVERIFY2(unknownImage.error().message.contains(QStringLiteral("unknown image id 99999")), qPrintable(unknownImage.error().message));

        auto unknownEvent = m_ws->labels().setReviewStatus(99999, ReviewStatus::Rejected);
        QVERIFY(!unknownEvent);
        QVERIFY2(unknownEvent.error().message.contains(QStringLiteral("unknown label event")), qPrintable(unknownEvent.error().message));

        QCOMPARE(m_ws->labels().eventCount().value(), before);
        QCOMPARE(m_ws->labels().lastEventId().value(), lastBefore);
        QCOMPARE(current(m_a), QStringLiteral("Abyssinian"));
    }

    void labelsSurviveReopening()
    {
        label(m_a, QStringLiteral("Abyssinian"), LabelOrigin::Dataset);
        const qint64 e = label(m_a, QStringLiteral("Persian"));
        const QString dir = m_ws->dir();
        m_ws.reset();
        auto ws = Workspace::open(dir);
        QVERIFY(ws);
        m_ws = *ws;
        QCOMPARE(current(m_a), QStringLiteral("Persian"));
        QCOMPARE(m_ws->labels().current(m_a).value()->id, e);
        QCOMPARE(m_ws->labels().history(m_a).value().size(), 2);
    }

    void currentLabelsInBulk()
    {
        label(m_a, QStringLiteral("Abyssinian"), LabelOrigin::Dataset);
        label(m_a, QStringLiteral("Sphynx"));
        const qint64 rejected = label(m_b, QStringLiteral("Bengal"));
        QVERIFY(m_ws->labels().setReviewStatus(rejected, ReviewStatus::Rejected));
        label(m_c, QStringLiteral("Birman"), LabelOrigin::Server, ReviewStatus::Pending);

        const QHash<qint64, LabelEvent> all = m_ws->labels().currentByImage().value();
        QCOMPARE(all.size(), 2); // m_b's only event was rejected
        QCOMPARE(all.value(m_a).breed, QStringLiteral("Sphynx"));
        QCOMPARE(all.value(m_c).breed, QStringLiteral("Birman"));
        QCOMPARE(toString(all.value(m_c).status), QStringLiteral("pending"));
        QVERIFY(!all.contains(m_b));
        // The bulk answer agrees with the one-by-one answer.
        for (qint64 id : {m_a, m_b, m_c})
            QCOMPARE(all.contains(id) ? all.value(id).id : 0, m_ws->labels().current(id).value() ? m_ws->labels().current(id).value()->id : 0);
    }

    void eventsSince()
    {
        QCOMPARE(m_ws->labels().lastEventId().value(), 0);
        QCOMPARE(m_ws->labels().eventsSince(0).value(), 0);
        label(m_a, QStringLiteral("Abyssinian"), LabelOrigin::Dataset);
        label(m_b, QStringLiteral("Bengal"), LabelOrigin::Dataset);
        const qint64 mark = m_ws->labels().lastEventId().value();
        QVERIFY(mark > 0);
        QCOMPARE(m_ws->labels().eventsSince(0).value(), 0); // dataset imports are not "new labels"

        label(m_a, QStringLiteral("Persian"));
        const qint64 server = label(m_b, QStringLiteral("Bombay"), LabelOrigin::Server, ReviewStatus::Pending);
        const qint64 wrong = label(m_c, QStringLiteral("pug"));
        QCOMPARE(m_ws->labels().eventsSince(mark).value(), 3);
        QCOMPARE(m_ws->labels().lastEventId().value(), wrong);
        QVERIFY(m_ws->labels().setReviewStatus(wrong, ReviewStatus::Rejected));
        QCOMPARE(m_ws->labels().eventsSince(mark).value(), 2); // a rejected label taught nothing
        QCOMPARE(m_ws->labels().eventsSince(server).value(), 0);
        QCOMPARE(m_ws->labels().eventsSince(m_ws->labels().lastEventId().value()).value(), 0);
        QCOMPARE(m_ws->labels().lastEventId().value(), wrong); // rejecting doesn't remove it
    }
};

QTEST_GUILESS_MAIN(TestLabelStore)
#include "TestLabelStore.moc"
