// Model retention (training/ModelRetention.h) on real workspaces.
//  - The rule on stored versions and their bundle files: milestones, the active and previous
//    versions and the newest N stay; dry runs change nothing; a crash's leftover goes later.
//  - The learning loop on real sample photos: a full run and 14 corrections with the default
//    N = 10 leave the newest ten quick updates; a pruned version can't be activated; a scheduled
//    run without new labels makes no version. These slots build on each other, in order.
#include "SignalRecorder.h"
#include "TestSupport.h"

#include "training/EmbeddingCache.h"
#include "training/LearningLoop.h"
#include "training/ModelRetention.h"
#include "workspace/DatasetImporter.h"
#include "workspace/Workspace.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

using namespace pc;

namespace {

QString bundleFile(const QString& version) { return QStringLiteral("models/%1.pcmodel").arg(version); }

bool writeBytes(const QString& path, int bytes)
{
    QDir().mkpath(QFileInfo(path).path());
    QFile f(path);
    return f.open(QIODevice::WriteOnly) && f.write(QByteArray(bytes, 'm')) == bytes;
}

// A stored version whose bundle is `bytes` bytes (the rule reads rows and file sizes, never the
// bundle itself). An empty kind: a version from the team server.
bool addVersion(Workspace& ws, const QString& version, const QString& kind, int bytes = 1024)
{
    ModelRecord m;
    m.version = version;
    m.created = QDateTime::currentDateTimeUtc();
    m.file = bundleFile(version);
    if (!kind.isEmpty())
        m.metrics.insert(QStringLiteral("kind"), kind);
    m.metrics.insert(QStringLiteral("val_accuracy"), 0.5);
    return writeBytes(QDir(ws.dir()).filePath(m.file), bytes) && ws.models().add(m).ok();
}

bool bundleExists(const Workspace& ws, const QString& version) { return QFileInfo::exists(QDir(ws.dir()).filePath(bundleFile(version))); }

QStringList versionsOf(const RetentionReport& r)
{
    QStringList out;
    for (const PrunedBundle& b : r.pruned)
        out << b.version;
    return out;
}

QStringList prunedRows(const Workspace& ws)
{
    QStringList out;
    for (auto list = ws.models().all().value(); const ModelRecord& m : list)
        if (m.isPruned())
            out << m.version;
    return out;
}

QString err(const Error& e) { return e.message; }

} // namespace

// A fixture step that failed ends the slot, not just the helper.
#define STEP_NOTE(call) \
    do { \
        call; \
        if (QTest::currentTestFailed()) \
            return; \
    } while (false)

class TestModelRetention : public QObject {
    Q_OBJECT

    QTemporaryDir m_tmp;
    std::shared_ptr<Workspace> m_ws; // the loop slots' workspace
    std::unique_ptr<LearningLoop> m_loop;
    QHash<QString, qint64> m_bundleBytes; // each trained version's bundle size, as written

    static TrainRequest quick()
    {
        TrainRequest r;
        r.augmentedViews = 1; // the views cached in initTestCase
        r.trainer.maxEpochs = 20;
        return r;
    }

    static TrainRequest correction()
    {
        TrainRequest r = quick();
        r.kind = TrainRequest::Kind::Incremental;
        r.reason = QStringLiteral("correction");
        r.trainer.maxEpochs = 3;
        r.onlyIfNew = true; // as the scheduler asks for it
        return r;
    }

    void noteBundle(const TrainOutcome& o)
    {
        const auto m = m_ws->models().find(o.version).value();
        QVERIFY(m);
        m_bundleBytes.insert(o.version, QFileInfo(QDir(m_ws->dir()).filePath(m->file)).size());
        QVERIFY(m_bundleBytes.value(o.version) > 1000);
    }

    // The rollback target as the loop finds it: the last logged version other than the live one.
    QString previousVersion() const
    {
        const QString live = m_loop->activeVersion();
        const auto log = m_ws->models().activations().value();
        for (qsizetype i = log.size() - 1; i >= 0; --i)
            if (log[i].version != live)
                return log[i].version;
        return {};
    }

private Q_SLOTS:
    void initTestCase()
    {
        const QString data = test::makeOxfordSubset(m_tmp.filePath(QStringLiteral("data")),
                                                    {QStringLiteral("pug"), QStringLiteral("samoyed"), QStringLiteral("Persian"), QStringLiteral("Bombay")}, 8);
        auto ws = Workspace::open(m_tmp.filePath(QStringLiteral("loop")));
        QVERIFY(ws.ok());
        m_ws = *ws;
        QCOMPARE(importOxford(*m_ws, data).added, 32);
        EmbeddingCacheOptions views;
        views.augmentedViews = quick().augmentedViews;
        auto cache = updateEmbeddingCache(*m_ws, *test::backbone(), views);
        QVERIFY2(cache.ok(), cache.ok() ? "" : qPrintable(cache.error().message));
        m_loop = std::make_unique<LearningLoop>(m_ws, test::backbone());
    }

    void cleanupTestCase()
    {
        m_loop.reset();
        m_ws.reset();
    }

    // ---------------------------------------------------------------- the rule

    void ruleKeepsMilestonesLiveAndPreviousAndTheNewestN()
    {
        QTemporaryDir dir;
        auto opened = Workspace::open(dir.path());
        QVERIFY(opened.ok());
        Workspace& ws = **opened;
        // v1 full and v5 from the server went live: milestones. v4 is a full run's candidate the gate
        // refused; the rest are quick updates, some live for a while.
        const QStringList kinds = {QStringLiteral("full"), QStringLiteral("incremental"), QStringLiteral("incremental"), QStringLiteral("full"),
                                   QString(), QStringLiteral("incremental"), QStringLiteral("incremental"), QStringLiteral("incremental"),
                                   QStringLiteral("incremental"), QStringLiteral("incremental")};
        for (int i = 0; i < kinds.size(); ++i)
            QVERIFY(addVersion(ws, QStringLiteral("v%1").arg(i + 1), kinds[i]));
        for (const char* v : {"v1", "v2", "v3", "v5", "v7", "v9"})
            QVERIFY(ws.models().setActive(QString::fromLatin1(v)));
        QVERIFY(ws.models().setActive(QStringLiteral("v2"))); // an old quick update, back by hand: live; v9 is the rollback target

        // keep 2: the newest two non-milestones are v9 and v10; v2 is live. A dry run changes nothing.
        auto dry = ModelRetention::prune(ws, 2, /*dryRun=*/true);
        QVERIFY2(dry.ok(), dry.ok() ? "" : qPrintable(err(dry.error())));
        const QStringList expected = {QStringLiteral("v3"), QStringLiteral("v4"), QStringLiteral("v6"), QStringLiteral("v7"), QStringLiteral("v8")};
        QCOMPARE(versionsOf(*dry), expected);
        QCOMPARE(dry->bytesFreed, qint64(5 * 1024));
        QVERIFY(dry->dryRun);
        QVERIFY2(dry->summary().startsWith(QStringLiteral("would prune 5 bundles (v3, v4, v6, v7, v8)")), qPrintable(dry->summary()));
        QVERIFY(prunedRows(ws).isEmpty());
        for (int i = 1; i <= 10; ++i)
            QVERIFY(bundleExists(ws, QStringLiteral("v%1").arg(i)));
        QStringList planned;
        for (auto list = ModelRetention::toPrune(ws, 2).value(); const ModelRecord& m : list)
            planned << m.version;
        QCOMPARE(planned, expected);

        auto done = ModelRetention::prune(ws, 2);
        QVERIFY(done.ok());
        QCOMPARE(versionsOf(*done), expected);
        QCOMPARE(done->bytesFreed, qint64(5 * 1024));
        QCOMPARE(done->summary(), QStringLiteral("pruned 5 bundles (v3, v4, v6, v7, v8): 5.0 kB freed"));
        QCOMPARE(prunedRows(ws), expected);
        for (int i = 1; i <= 10; ++i) {
            const QString v = QStringLiteral("v%1").arg(i);
            QCOMPARE(bundleExists(ws, v), !expected.contains(v));
        }
        // Rows, metrics and the activation log stay.
        QCOMPARE(ws.models().all().value().size(), 10);
        QCOMPARE(ws.models().find(QStringLiteral("v3")).value()->metrics.value(QStringLiteral("val_accuracy")).toDouble(), 0.5);
        QCOMPARE(ws.models().activations().value().size(), 7);
        QCOMPARE(ws.models().active().value()->version, QStringLiteral("v2"));

        // Again: nothing left to prune (a pruned version does not count twice).
        auto again = ModelRetention::prune(ws, 2);
        QVERIFY(again.ok());
        QVERIFY(again->pruned.isEmpty());
        QVERIFY2(again->summary().startsWith(QStringLiteral("nothing to prune")), qPrintable(again->summary()));

        // keep 0: every non-milestone goes but the live one and the rollback target.
        auto none = ModelRetention::prune(ws, 0);
        QVERIFY(none.ok());
        QCOMPARE(versionsOf(*none), QStringList{QStringLiteral("v10")});

        // The zero-shot head live: the last logged version (v2) is the rollback target, v9 is not.
        QVERIFY(ws.models().clearActive());
        QCOMPARE(versionsOf(ModelRetention::prune(ws, 0).value()), QStringList{QStringLiteral("v9")});
        QVERIFY(bundleExists(ws, QStringLiteral("v2")));
        QVERIFY(bundleExists(ws, QStringLiteral("v1")) && bundleExists(ws, QStringLiteral("v5")));

        // A crash between the mark and the delete left v3's file: the next prune deletes it.
        QVERIFY(writeBytes(QDir(ws.dir()).filePath(bundleFile(QStringLiteral("v3"))), 700));
        auto sweep = ModelRetention::prune(ws, 0);
        QVERIFY(sweep.ok());
        QCOMPARE(versionsOf(*sweep), QStringList{QStringLiteral("v3")});
        QCOMPARE(sweep->bytesFreed, qint64(700));
        QVERIFY(!bundleExists(ws, QStringLiteral("v3")));

        QVERIFY(!ModelRetention::prune(ws, -1).ok());
    }

    void keepIsAWorkspaceSetting()
    {
        QTemporaryDir dir;
        auto opened = Workspace::open(dir.path());
        QVERIFY(opened.ok());
        Workspace& ws = **opened;
        QCOMPARE(ModelRetention::keep(ws).value(), ModelRetention::kDefaultKeep);
        QCOMPARE(ModelRetention::kDefaultKeep, 10);
        QVERIFY(ModelRetention::setKeep(ws, 3).ok());
        QCOMPARE(ModelRetention::keep(ws).value(), 3);
        auto bad = ModelRetention::setKeep(ws, -1);
        QVERIFY(!bad.ok());
        QCOMPARE(ModelRetention::keep(ws).value(), 3);
        QVERIFY(ws.setSetting(QStringLiteral("models.keep_quick_updates"), QStringLiteral("lots")).ok());
        auto unreadable = ModelRetention::keep(ws);
        QVERIFY(!unreadable.ok());
        QCOMPARE(unreadable.error().message,
                 QStringLiteral("the workspace setting models.keep_quick_updates is 'lots', not a number from 0 to 100000"));
    }

    // ---------------------------------------------------------------- the loop (in order)

    void fourteenCorrectionsLeaveTheNewestTenQuickUpdates()
    {
        auto first = m_loop->train(quick());
        QVERIFY2(first.ok(), first.ok() ? "" : qPrintable(first.error().message));
        QCOMPARE(first->version, QStringLiteral("v1"));
        QVERIFY2(first->activated, qPrintable(first->verdict));
        QVERIFY(first->retention.pruned.isEmpty());
        STEP_NOTE(noteBundle(*first));

        // 14 corrections, each a breed the image did not have: each makes a quick update.
        const QVector<ImageRecord> images = m_ws->images().value();
        const QStringList breeds = {QStringLiteral("pug"), QStringLiteral("samoyed"), QStringLiteral("Persian"), QStringLiteral("Bombay")};
        qint64 freed = 0;
        QStringList prunedOnTheWay;
        for (int i = 0; i < 14; ++i) {
            const ImageRecord& image = images.at(i * 2);
            const QString now = m_ws->labels().current(image.id).value()->breed;
            const QString other = breeds.at((breeds.indexOf(now) + 1) % breeds.size());
            QVERIFY(m_ws->labels().add(image.id, other, LabelOrigin::Curator, QStringLiteral("test")).ok());
            auto o = m_loop->train(correction());
            QVERIFY2(o.ok(), o.ok() ? "" : qPrintable(o.error().message));
            QCOMPARE(o->version, QStringLiteral("v%1").arg(i + 2));
            STEP_NOTE(noteBundle(*o));
            freed += o->retention.bytesFreed;
            prunedOnTheWay += versionsOf(o->retention);
        }
        // With N = 10, v6..v15 stay; v2..v5 go, unless one is live or the rollback target.
        const QString live = m_loop->activeVersion(), previous = previousVersion();
        QStringList expected;
        for (int v = 2; v <= 5; ++v)
            if (QStringLiteral("v%1").arg(v) != live && QStringLiteral("v%1").arg(v) != previous)
                expected << QStringLiteral("v%1").arg(v);
        QCOMPARE(prunedOnTheWay, expected);
        QCOMPARE(prunedRows(*m_ws), expected);
        qint64 expectedBytes = 0;
        for (const QString& v : expected)
            expectedBytes += m_bundleBytes.value(v);
        QCOMPARE(freed, expectedBytes);
        const QVector<ModelRecord> models = m_ws->models().all().value();
        QCOMPARE(models.size(), 15); // every row stays
        for (const ModelRecord& m : models) {
            QCOMPARE(QFileInfo::exists(QDir(m_ws->dir()).filePath(m.file)), !expected.contains(m.version));
            QVERIFY2(m.metrics.contains(QStringLiteral("val_accuracy")), qPrintable(m.version)); // the history keeps its figures
        }
        QVERIFY(QFileInfo::exists(QDir(m_ws->dir()).filePath(bundleFile(QStringLiteral("v1"))))); // the full run's, live once
        const QStringList files = QDir(m_ws->modelsDir()).entryList({QStringLiteral("*.pcmodel")}, QDir::Files);
        QCOMPARE(files.size(), 15 - expected.size());
        QVERIFY(!expected.isEmpty());
    }

    void activatingAPrunedVersionFailsCleanly()
    {
        const QStringList pruned = prunedRows(*m_ws);
        QVERIFY(!pruned.isEmpty());
        const QString live = m_loop->activeVersion();
        test::SignalRecorder changed(m_loop.get(), &LearningLoop::activeModelChanged);
        auto refused = m_loop->activate(pruned.first());
        QVERIFY(!refused.ok());
        QCOMPARE(refused.error().message, prunedModelMessage(pruned.first()));
        QVERIFY(!refused.error().message.contains(QLatin1Char('\n')));
        QCOMPARE(m_loop->activeVersion(), live);
        QCOMPARE(m_ws->models().active().value()->version, live);
        QCoreApplication::processEvents(); // what the loop's thread emitted is recorded now
        QCOMPARE(changed.count(), 0);
        // The rollback target was kept: rolling back and forth works.
        const QString previous = previousVersion();
        auto back = m_loop->rollback();
        QVERIFY2(back.ok(), back.ok() ? "" : qPrintable(back.error().message));
        QCOMPARE(*back, previous);
        auto forth = m_loop->rollback();
        QVERIFY2(forth.ok(), forth.ok() ? "" : qPrintable(forth.error().message));
        QCOMPARE(*forth, live);
        // By hand, with a smaller N: a dry run first, then the same list.
        auto dry = m_loop->pruneModels(3, true);
        QVERIFY(dry.ok());
        QCOMPARE(dry->keep, 3);
        auto cut = m_loop->pruneModels(3);
        QVERIFY(cut.ok());
        QCOMPARE(versionsOf(*cut), versionsOf(*dry));
        QVERIFY(cut->pruned.size() >= 5); // of v6..v15, at most 3 newest plus live and previous stay
        QCOMPARE(m_ws->models().all().value().size(), 15);
    }

    void aScheduledRunWithoutNewLabelsMakesNoVersion()
    {
        // The labels changed since v1 (the last full run): the nightly run trains.
        TrainRequest nightly = quick();
        nightly.reason = QStringLiteral("daily 03:00");
        nightly.onlyIfNew = true;
        auto o = m_loop->train(nightly);
        QVERIFY2(o.ok(), o.ok() ? "" : qPrintable(o.error().message));
        QCOMPARE(o->version, QStringLiteral("v16"));
        // The next night, nothing new: no version, no bundle, and it says why.
        const qsizetype files = QDir(m_ws->modelsDir()).entryList({QStringLiteral("*.pcmodel")}, QDir::Files).size();
        test::SignalRecorder changed(m_loop.get(), &LearningLoop::activeModelChanged);
        o = m_loop->train(nightly);
        QVERIFY(o.ok());
        QVERIFY(o->version.isEmpty());
        QVERIFY(!o->activated && !o->cancelled);
        QCOMPARE(o->verdict, QStringLiteral("no new labels since v16, the last full training: nothing to train"));
        QCOMPARE(m_ws->models().all().value().size(), 16);
        QCOMPARE(QDir(m_ws->modelsDir()).entryList({QStringLiteral("*.pcmodel")}, QDir::Files).size(), files);
        QCoreApplication::processEvents(); // what the loop's thread emitted is recorded now
        QCOMPARE(changed.count(), 0);
        const TrainingRunRecord run = m_ws->runs().all().value().constLast();
        QCOMPARE(run.outcome, QStringLiteral("skipped: ") + o->verdict);
        QVERIFY(run.modelVersion.isEmpty());
        // A correction that confirms a label as it was brings nothing new either.
        const ImageRecord image = m_ws->images().value().constLast();
        QVERIFY(m_ws->labels().add(image.id, m_ws->labels().current(image.id).value()->breed, LabelOrigin::Curator, QStringLiteral("test")).ok());
        auto quickUpdate = m_loop->train(correction());
        QVERIFY(quickUpdate.ok());
        QVERIFY(quickUpdate->version.isEmpty());
        QCOMPARE(quickUpdate->verdict, QStringLiteral("no new labels since v16: nothing to train"));
        // A manual run trains anyway.
        auto manual = m_loop->train(quick());
        QVERIFY(manual.ok());
        QCOMPARE(manual->version, QStringLiteral("v17"));
        // And a real change is news again, for a quick update too.
        QVERIFY(m_ws->labels().add(image.id, QStringLiteral("Bombay") == m_ws->labels().current(image.id).value()->breed ? QStringLiteral("pug")
                                                                                                                          : QStringLiteral("Bombay"),
                                   LabelOrigin::Curator, QStringLiteral("test"))
                    .ok());
        quickUpdate = m_loop->train(correction());
        QVERIFY(quickUpdate.ok());
        QCOMPARE(quickUpdate->version, QStringLiteral("v18"));
    }
};

QTEST_GUILESS_MAIN(TestModelRetention)
#include "TestModelRetention.moc"
