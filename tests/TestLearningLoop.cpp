#include "SignalRecorder.h"
#include "TestSupport.h"

#include "model/Predictor.h"
#include "training/LearningLoop.h"
#include "workspace/DatasetImporter.h"
#include "workspace/Workspace.h"

#include "training/EmbeddingCache.h"

#include <QDir>
#include <QFile>
#include <QMutex>
#include <algorithm>
#include <QRandomGenerator>
#include <QSemaphore>
#include <QSet>
#include <QTemporaryDir>
#include <QTextStream>
#include <atomic>
#include <optional>
#include <shared_mutex>
#include <thread>
#include <vector>

using namespace pc;


// A fixture step that failed ends the slot, not just the helper.
#define STEP(call) \
    do { \
        call; \
        if (QTest::currentTestFailed()) \
            return; \
    } while (false)

// Copies a folder tree (a closed workspace) so each test slot starts from the same state.
static bool copyTree(const QString& from, const QString& to)
{
    QDir().mkpath(to);
    const QDir source(from);
    for (const QFileInfo& e : source.entryInfoList(QDir::Files | QDir::Dirs | QDir::NoDotAndDotDot | QDir::Hidden)) {
        const QString target = QDir(to).filePath(e.fileName());
        if (e.isDir() ? !copyTree(e.filePath(), target) : !QFile::copy(e.filePath(), target))
            return false;
    }
    return true;
}

// The version the database marks active, as the loop names it.
static QString storedActiveVersion(const Workspace& ws)
{
    const auto active = ws.models().active();
    if (!active)
        return QStringLiteral("(read failed: %1)").arg(active.error().message);
    return *active ? (*active)->version : LearningLoop::zeroShotVersion();
}

// Every slot runs alone (`TestLearningLoop slotName`): init() gives it a fresh copy of a workspace
// made once (69 labelled images, their embeddings cached, no model yet) and a new loop on it. A
// slot that needs trained versions trains them itself.
class TestLearningLoop : public QObject {
    Q_OBJECT

    QTemporaryDir m_tmp;
    QString m_data; // the 69 photos, Oxford layout
    QString m_base; // the closed workspace every slot copies
    int m_copies = 0;
    std::shared_ptr<Workspace> m_ws;
    std::unique_ptr<LearningLoop> m_loop;

    static TrainRequest quick(quint64 seed = 1)
    {
        TrainRequest r;
        r.augmentedViews = 1; // keeps the embedding step short in tests
        r.trainer.seed = seed;
        r.trainer.maxEpochs = 40;
        return r;
    }

    // The 69 photos in a workspace of their own, imported just now: nothing cached.
    std::shared_ptr<Workspace> freshImport()
    {
        auto ws = Workspace::open(m_tmp.filePath(QStringLiteral("fresh%1").arg(++m_copies)));
        if (!ws)
            qFatal("%s", qPrintable(ws.error().message));
        if (importOxford(**ws, m_data).added != 69)
            qFatal("the fresh import did not add the 69 photos");
        return *ws;
    }

    static QHash<qint64, int> viewCounts(const Workspace& ws)
    {
        return ws.embeddings().viewCounts(test::backbone()->weightsHash()).value();
    }

    static TrainRequest weak()
    {
        TrainRequest bad = quick();
        bad.trainer.maxEpochs = 1;
        bad.trainer.learningRate = 1e-7;
        return bad;
    }

    // v1 trained and live.
    void trainFirst()
    {
        auto outcome = m_loop->train(quick());
        QVERIFY2(outcome.ok(), outcome.ok() ? "" : qPrintable(outcome.error().message));
        QVERIFY2(outcome->activated, qPrintable(outcome->verdict));
        QCOMPARE(outcome->version, QStringLiteral("v1"));
    }

    // v1 live, v2 a weak candidate.
    void trainFirstAndAWeakCandidate()
    {
        trainFirst();
        auto outcome = m_loop->train(weak());
        QVERIFY(outcome.ok());
        QVERIFY2(!outcome->activated, qPrintable(outcome->verdict));
        QCOMPARE(outcome->version, QStringLiteral("v2"));
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_data = test::makeOxfordSubset(m_tmp.filePath(QStringLiteral("data")),
                                                    {QStringLiteral("pug"), QStringLiteral("samoyed"), QStringLiteral("Persian"),
                                                     QStringLiteral("Bombay"), QStringLiteral("beagle"), QStringLiteral("Abyssinian")},
                                                    12);
        m_base = m_tmp.filePath(QStringLiteral("base"));
        auto ws = Workspace::open(m_base);
        QVERIFY(ws.ok());
        const ImportReport report = importOxford(**ws, m_data);
        QCOMPARE(report.added, 69); // 12 a breed, but pug has 10 and beagle 11 in the sample
        EmbeddingCacheOptions views;
        views.augmentedViews = quick().augmentedViews;
        auto cache = updateEmbeddingCache(**ws, *test::backbone(), views);
        QVERIFY2(cache.ok(), cache.ok() ? "" : qPrintable(cache.error().message));
        // Closed here (the last handle), so the copies start from a checkpointed database.
    }

    void init()
    {
        const QString dir = m_tmp.filePath(QStringLiteral("ws%1").arg(++m_copies));
        QVERIFY(copyTree(m_base, dir));
        auto ws = Workspace::open(dir);
        QVERIFY(ws.ok());
        m_ws = *ws;
        m_loop = std::make_unique<LearningLoop>(m_ws, test::backbone());
        QCOMPARE(m_loop->activeVersion(), QStringLiteral("zero-shot"));
    }

    void cleanup()
    {
        m_loop.reset();
        m_ws.reset();
    }

    void firstModelGoesLive()
    {
        test::SignalRecorder changed(m_loop.get(), &LearningLoop::activeModelChanged);
        auto outcome = m_loop->train(quick());
        QVERIFY2(outcome.ok(), outcome.ok() ? "" : qPrintable(outcome.error().message));
        QCOMPARE(outcome->version, QStringLiteral("v1"));
        QVERIFY2(outcome->activated, qPrintable(outcome->verdict));
        QCOMPARE(m_loop->activeVersion(), QStringLiteral("v1"));
        QTRY_COMPARE(changed.count(), 1); // emitted on the loop's thread
        QVERIFY(outcome->validationImages >= 6);
        QVERIFY2(outcome->result.validation.top1 > 0.7, qPrintable(QString::number(outcome->result.validation.top1)));
        const auto record = m_ws->models().find(QStringLiteral("v1")).value();
        QVERIFY(record.has_value());
        QVERIFY(record->state == ModelState::Active);
        QVERIFY(QFile::exists(m_ws->dir() + QLatin1Char('/') + record->file));
        QCOMPARE(record->checksum.size(), 64);
        // Breeds it saw are learned now, including ones ImageNet doesn't know.
        auto p = Predictor(test::backbone(), m_loop->activeModel()).predictFile(test::sampleImage(QStringLiteral("Abyssinian_100.jpg")));
        QVERIFY(p.ok());
        QCOMPARE(p->model, QStringLiteral("v1"));
        QCOMPARE(p->top[0].label, QStringLiteral("Abyssinian"));
    }

    void rollbackWithOneVersionGoesToZeroShot()
    {
        STEP(trainFirst());
        QCOMPARE(m_loop->activeVersion(), QStringLiteral("v1"));
        test::SignalRecorder changed(m_loop.get(), &LearningLoop::activeModelChanged);
        auto back = m_loop->rollback();
        QVERIFY2(back.ok(), back.ok() ? "" : qPrintable(back.error().message));
        QCOMPARE(*back, QStringLiteral("zero-shot"));
        QCOMPARE(m_loop->activeVersion(), QStringLiteral("zero-shot"));
        QVERIFY(!m_ws->models().active().value().has_value());
        QTRY_COMPARE(changed.count(), 1);
        QCOMPARE(changed.first().first().toString(), QStringLiteral("zero-shot"));
        // And forward again: from the zero-shot head, the model that was live before it.
        back = m_loop->rollback();
        QVERIFY(back.ok());
        QCOMPARE(*back, QStringLiteral("v1"));
        QCOMPARE(m_loop->activeVersion(), QStringLiteral("v1"));
        QCOMPARE(m_ws->models().active().value()->version, QStringLiteral("v1"));
    }

    void worseCandidateStaysCandidate()
    {
        STEP(trainFirst());
        auto outcome = m_loop->train(weak());
        QVERIFY(outcome.ok());
        QVERIFY2(!outcome->activated, qPrintable(outcome->verdict));
        QVERIFY(outcome->verdict.contains(QLatin1Char('<')));
        QCOMPARE(m_loop->activeVersion(), QStringLiteral("v1"));
        QVERIFY(m_ws->models().find(outcome->version).value()->state == ModelState::Candidate);
        QCOMPARE(m_ws->models().find(outcome->version).value()->gateVerdict, outcome->verdict);
    }

    void asGoodGoesLiveOnTheSameSplit()
    {
        STEP(trainFirst());
        const QString split = m_ws->split().get().value()->id;
        auto outcome = m_loop->train(quick());
        QVERIFY(outcome.ok());
        QVERIFY2(outcome->activated, qPrintable(outcome->verdict)); // same seed: equal accuracy passes (≥)
        QCOMPARE(m_ws->split().get().value()->id, split);
        QCOMPARE(m_ws->models().find(outcome->version).value()->metrics.value(QStringLiteral("split_id")).toString(), split);
    }

    void manualActivateAndRollback()
    {
        STEP(trainFirstAndAWeakCandidate());
        const QString live = m_loop->activeVersion();
        QVERIFY(m_loop->activate(QStringLiteral("v2")).ok()); // the weak candidate, by hand
        QCOMPARE(m_loop->activeVersion(), QStringLiteral("v2"));
        QCOMPARE(m_ws->models().active().value()->version, QStringLiteral("v2"));
        auto back = m_loop->rollback();
        QVERIFY2(back.ok(), back.ok() ? "" : qPrintable(back.error().message));
        QCOMPARE(*back, live);
        QCOMPARE(m_loop->activeVersion(), live);
        QVERIFY(!m_loop->activate(QStringLiteral("v99")).ok());
    }

    void corruptBundleLeavesTheActiveModel()
    {
        STEP(trainFirstAndAWeakCandidate());
        const QString live = m_loop->activeVersion();
        QFile f(m_ws->dir() + QLatin1Char('/') + m_ws->models().find(QStringLiteral("v2")).value()->file);
        QVERIFY(f.open(QIODevice::ReadWrite));
        f.seek(f.size() / 2);
        const char flipped = char(~f.peek(1).at(0));
        f.write(&flipped, 1);
        f.close();
        auto s = m_loop->activate(QStringLiteral("v2"));
        QVERIFY(!s.ok());
        QVERIFY2(s.error().message.contains(QStringLiteral("corrupt")), qPrintable(s.error().message));
        QCOMPARE(m_loop->activeVersion(), live);
        QCOMPARE(m_ws->models().active().value()->version, live);
    }

    void correctionGivesAWarmStartedVersion()
    {
        STEP(trainFirst());
        const QString parent = m_loop->activeVersion();
        const ImageRecord image = m_ws->images().value().first();
        QVERIFY(m_ws->labels().add(image.id, QStringLiteral("samoyed"), LabelOrigin::Curator, QStringLiteral("test")).ok());
        TrainRequest request = quick();
        request.kind = TrainRequest::Kind::Incremental;
        request.trainer.maxEpochs = 3;
        auto outcome = m_loop->train(request);
        QVERIFY(outcome.ok());
        QCOMPARE(m_ws->models().find(outcome->version).value()->parent, parent);
        QVERIFY(outcome->result.epochs.size() <= 3);
        qInfo("incremental update: %.2f s (%s)", outcome->seconds, qPrintable(outcome->verdict));
    }

    void backgroundTrainingWhilePredicting()
    {
        test::SignalRecorder epochs(m_loop.get(), &LearningLoop::epochFinished);
        test::SignalRecorder finished(m_loop.get(), &LearningLoop::trainingFinished);
        Predictor predictor(test::backbone(), m_loop->activeModel());
        QVERIFY(m_loop->start(quick(3)));
        QVERIFY(!m_loop->start(quick(4))); // one at a time
        int predictions = 0;
        while (finished.isEmpty() && predictions < 100000) {
            auto p = predictor.predictFile(test::sampleImage(QStringLiteral("pug_112.jpg")));
            QVERIFY(p.ok());
            ++predictions;
            QCoreApplication::processEvents();
        }
        QVERIFY(finished.wait(60000) || !finished.isEmpty());
        QVERIFY(epochs.count() >= 1);
        QVERIFY(predictions >= 1);
        QVERIFY(!m_loop->isBusy());
    }

    void cancelKeepsTheActiveModel()
    {
        const QString live = m_loop->activeVersion();
        const int modelsBefore = int(m_ws->models().all().value().size());
        test::SignalRecorder finished(m_loop.get(), &LearningLoop::trainingFinished);
        connect(m_loop.get(), &LearningLoop::epochFinished, m_loop.get(), [this] { m_loop->cancel(); }, Qt::DirectConnection);
        QVERIFY(m_loop->start(quick(5)));
        QVERIFY(finished.wait(60000));
        disconnect(m_loop.get(), &LearningLoop::epochFinished, m_loop.get(), nullptr);
        const TrainOutcome outcome = finished.first().first().value<TrainOutcome>();
        QVERIFY(outcome.cancelled);
        QCOMPARE(m_loop->activeVersion(), live);
        QCOMPARE(int(m_ws->models().all().value().size()), modelsBefore);
        QCOMPARE(m_ws->runs().all().value().last().outcome, QStringLiteral("cancelled"));
    }

    void cancelBeforeTheStartCancelsThatRun()
    {
        // Hold the loop's thread inside a request (a slot on activeModelChanged, which it emits on
        // that thread), so the training below is queued, and cancel it before it can start.
        QSemaphore entered, release;
        auto hold = connect(m_loop.get(), &LearningLoop::activeModelChanged, m_loop.get(), [&] {
            entered.release();
            release.acquire();
        }, Qt::DirectConnection);
        m_loop->activateAsync(LearningLoop::zeroShotVersion(), this, {});
        QVERIFY(entered.tryAcquire(1, 60000));
        test::SignalRecorder finished(m_loop.get(), &LearningLoop::trainingFinished);
        QVERIFY(m_loop->start(quick(5)));
        QVERIFY(m_loop->isBusy());
        m_loop->cancel();
        disconnect(hold);
        release.release();
        QVERIFY(finished.wait(60000));
        const TrainOutcome outcome = finished.first().first().value<TrainOutcome>();
        QVERIFY(outcome.cancelled);
        QVERIFY(outcome.version.isEmpty());
        QVERIFY(m_ws->models().all().value().isEmpty());
        QCOMPARE(m_loop->activeVersion(), QStringLiteral("zero-shot"));
        // The Cancel was for the runs asked before it: the next one trains.
        auto next = m_loop->train(quick());
        QVERIFY(next.ok());
        QVERIFY(!next->cancelled);
        QCOMPARE(next->version, QStringLiteral("v1"));
    }

    void requestsFromFourThreadsKeepTheDatabaseAndTheLiveModelTogether()
    {
        // Activate, roll back and train (short runs) at random from 4 threads. After each request
        // that completed, with none in flight (a request holds `inFlight` shared, a check holds it
        // alone), the live model must be the one the database marks active. Each training must
        // get a version of its own (concurrent runs used to share the embeddings and the next
        // version number).
        STEP(trainFirstAndAWeakCandidate());
        constexpr int kThreads = 4, kRequestsPerThread = 12;
        std::shared_mutex inFlight;
        QMutex failuresMutex;
        QStringList failures, trained;
        std::atomic_int trainings{0}, activations{0}, rollbacks{0};
        auto check = [&](const QString& after) {
            std::unique_lock alone(inFlight);
            const QString live = m_loop->activeVersion(), stored = storedActiveVersion(*m_ws);
            if (live != stored) {
                QMutexLocker lock(&failuresMutex);
                failures << QStringLiteral("after %1: live %2, database %3").arg(after, live, stored);
            }
        };
        std::vector<std::thread> threads;
        for (int t = 0; t < kThreads; ++t)
            threads.emplace_back([&, t] {
                QRandomGenerator random(quint32(1000 + t)); // fixed seeds: the same mix every run
                for (int i = 0; i < kRequestsPerThread; ++i) {
                    QString what;
                    {
                        std::shared_lock request(inFlight);
                        switch (random.bounded(3)) {
                        case 0: {
                            TrainRequest r = quick(random.generate());
                            r.trainer.maxEpochs = 3;
                            auto outcome = m_loop->train(r);
                            what = QStringLiteral("train → %1").arg(outcome ? outcome->version : outcome.error().message);
                            if (outcome && !outcome->version.isEmpty()) {
                                QMutexLocker lock(&failuresMutex);
                                trained << outcome->version;
                            } else {
                                // Every short run on this workspace trains a version of its own.
                                QMutexLocker lock(&failuresMutex);
                                failures << what;
                            }
                            ++trainings;
                            break;
                        }
                        case 1: {
                            QStringList versions{LearningLoop::zeroShotVersion()};
                            for (auto all = m_ws->models().all().value(); const ModelRecord& m : all)
                                versions << m.version;
                            const QString v = versions.at(random.bounded(int(versions.size())));
                            auto s = m_loop->activate(v);
                            what = QStringLiteral("activate %1%2").arg(v, s ? QString() : QStringLiteral(" (%1)").arg(s.error().message));
                            ++activations;
                            break;
                        }
                        default: {
                            auto back = m_loop->rollback();
                            what = QStringLiteral("rollback → %1").arg(back ? *back : back.error().message);
                            ++rollbacks;
                        }
                        }
                    }
                    check(what);
                }
            });
        for (std::thread& t : threads)
            t.join();
        check(QStringLiteral("the end"));
        qInfo("%d trainings, %d activations, %d rollbacks from %d threads", trainings.load(), activations.load(), rollbacks.load(), kThreads);
        QVERIFY2(failures.isEmpty(), qPrintable(failures.join(QStringLiteral("; "))));
        QVERIFY(trainings > 0 && activations > 0 && rollbacks > 0);
        // One version per training, none lost or shared: the two from the start plus each run's.
        QCOMPARE(QSet<QString>(trained.cbegin(), trained.cend()).size(), trained.size());
        QCOMPARE(int(m_ws->models().all().value().size()), 2 + int(trained.size()));
        // And a fresh loop on the same folder serves what the database says.
        LearningLoop again(m_ws, test::backbone());
        QCOMPARE(again.activeVersion(), m_loop->activeVersion());
    }

    void activateAndRollBackWithoutWaiting()
    {
        STEP(trainFirstAndAWeakCandidate());
        std::optional<Status<>> activated;
        m_loop->activateAsync(QStringLiteral("v2"), this, [&](const Status<>& s) { activated = s; });
        QTRY_VERIFY_WITH_TIMEOUT(activated.has_value(), 60000);
        QVERIFY(activated->ok());
        QCOMPARE(m_loop->activeVersion(), QStringLiteral("v2"));
        QCOMPARE(storedActiveVersion(*m_ws), QStringLiteral("v2"));
        std::optional<Expected<QString>> back;
        m_loop->rollbackAsync(this, [&](const Expected<QString>& r) { back = r; });
        QTRY_VERIFY_WITH_TIMEOUT(back.has_value(), 60000);
        QVERIFY(back->ok());
        QCOMPARE(**back, QStringLiteral("v1"));
        QCOMPARE(m_loop->activeVersion(), QStringLiteral("v1"));
        std::optional<Status<>> missing;
        m_loop->activateAsync(QStringLiteral("v99"), this, [&](const Status<>& s) { missing = s; });
        QTRY_VERIFY_WITH_TIMEOUT(missing.has_value(), 60000);
        QVERIFY(!missing->ok());
        QVERIFY2(missing->error().message.contains(QStringLiteral("v99")), qPrintable(missing->error().message));
    }

    void fineTunedBackboneIsAVersionOfItsOwn()
    {
        STEP(trainFirst());
        // Slow on CPU, so one block for one epoch: it must work end to end, not be good.
        const QString live = m_loop->activeVersion();
        TrainRequest request = quick(7);
        request.fineTuneBlocks = 1;
        request.trainer.maxEpochs = 1;
        auto outcome = m_loop->train(request);
        QVERIFY2(outcome.ok(), outcome.ok() ? "" : qPrintable(outcome.error().message));
        QVERIFY(!outcome->version.isEmpty());
        const auto record = m_ws->models().find(outcome->version).value();
        QVERIFY(record.has_value());
        // Whatever the gate said, the bundle carries the tuned block and loads with it.
        QVERIFY(m_loop->activate(outcome->version).ok());
        const auto snapshot = m_loop->activeModel()->snapshot();
        QVERIFY(snapshot->backbone);
        QVERIFY(snapshot->backbone->weightsHash() != test::backbone()->weightsHash());
        auto p = Predictor(test::backbone(), m_loop->activeModel()).predictFile(test::sampleImage(QStringLiteral("pug_112.jpg")));
        QVERIFY(p.ok());
        QCOMPARE(p->model, outcome->version);
        qInfo("fine-tune of the last block: %.1f s, val accuracy %.3f (%s)", outcome->seconds, outcome->result.validation.top1,
              qPrintable(outcome->verdict));
        if (live != QStringLiteral("zero-shot")) {
            auto back = m_loop->rollback();
            QVERIFY(back.ok());
            QCOMPARE(*back, live);
        }
    }

    void centreViewsFirstThenATrainingOnEveryView()
    {
        // A fresh import: a first model on centre views, the augmented views in the background,
        // then a second training on every view, queued only once they are all there.
        auto ws = freshImport();
        LearningLoop loop(ws, test::backbone());
        QMutex mutex;
        QStringList events;
        bool everyViewWhenReady = false;
        qint64 viewsReported = 0;
        std::optional<TrainOutcome> followUp;
        connect(&loop, &LearningLoop::augmentedViewsReady, &loop, [&](qint64 views, double) {
            const QHash<qint64, int> counts = viewCounts(*ws); // on the fill's thread, before the training is queued
            QMutexLocker lock(&mutex);
            events << QStringLiteral("views ready");
            everyViewWhenReady = counts.size() == 69 && std::all_of(counts.cbegin(), counts.cend(), [](int n) { return n == 2; });
            viewsReported = views;
        }, Qt::DirectConnection);
        connect(&loop, &LearningLoop::trainingFinished, &loop, [&](const TrainOutcome& o) {
            QMutexLocker lock(&mutex);
            events << QStringLiteral("trained ") + o.version;
            followUp = o;
        }, Qt::DirectConnection);
        connect(&loop, &LearningLoop::trainingFailed, &loop, [&](const QString& message) {
            QMutexLocker lock(&mutex);
            events << QStringLiteral("failed: ") + message;
        }, Qt::DirectConnection);

        TrainRequest request = quick();
        request.centreFirstMinImages = 1;
        request.onlyIfNew = true; // as the automatic runs ask: the second run has the same labels
        auto first = loop.train(request);
        QVERIFY2(first.ok(), first.ok() ? "" : qPrintable(first.error().message));
        QVERIFY(first->centreViewsOnly);
        QCOMPARE(first->version, QStringLiteral("v1"));
        QVERIFY2(first->activated, qPrintable(first->verdict));
        QCOMPARE(first->viewsEmbedded, 69); // one view each
        QCOMPARE(loop.activeVersion(), QStringLiteral("v1"));
        QVERIFY(ws->runs().all().value().last().params[QStringLiteral("centre_views_only")].toBool());

        loop.waitForIdle();
        QMutexLocker lock(&mutex);
        QCOMPARE(events, (QStringList{QStringLiteral("views ready"), QStringLiteral("trained v2")}));
        QVERIFY(everyViewWhenReady);
        QCOMPARE(viewsReported, 69); // the augmented one of each photo; the centre views were not computed again
        QVERIFY(followUp.has_value());
        QVERIFY(!followUp->centreViewsOnly);
        QCOMPARE(followUp->viewsEmbedded, 0);
        QCOMPARE(followUp->trainImages, first->trainImages);
        const TrainingRunRecord run = ws->runs().all().value().last();
        QCOMPARE(run.params[QStringLiteral("reason")].toString(), QStringLiteral("augmented views ready"));
        QVERIFY(!run.params[QStringLiteral("centre_views_only")].toBool());
        QCOMPARE(run.modelVersion, QStringLiteral("v2"));
        QVERIFY(!loop.isBusy());
    }

    void cancelStopsTheAugmentedViewsAndTheirTraining()
    {
        auto ws = freshImport();
        LearningLoop loop(ws, test::backbone());
        test::SignalRecorder ready(&loop, &LearningLoop::augmentedViewsReady);
        test::SignalRecorder finished(&loop, &LearningLoop::trainingFinished);
        // Cancel as the first photos' augmented views come in (on the fill's thread).
        connect(&loop, &LearningLoop::augmentedViewsProgress, &loop, [&loop] { loop.cancel(); }, Qt::DirectConnection);
        TrainRequest request = quick();
        request.centreFirstMinImages = 1;
        auto first = loop.train(request);
        QVERIFY(first.ok());
        QVERIFY(first->centreViewsOnly);
        loop.waitForIdle();
        disconnect(&loop, &LearningLoop::augmentedViewsProgress, &loop, nullptr);
        QCoreApplication::processEvents(); // what the loop's threads emitted is recorded now
        QCOMPARE(ready.count(), 0);
        QCOMPARE(finished.count(), 0); // no second training
        QCOMPARE(int(ws->models().all().value().size()), 1);
        QCOMPARE(loop.activeVersion(), QStringLiteral("v1"));
        QHash<qint64, int> counts = viewCounts(*ws);
        QCOMPARE(counts.size(), 69);
        int whole = 0;
        for (int n : counts) {
            QVERIFY2(n == 1 || n == 2, qPrintable(QString::number(n)));
            whole += n == 2;
        }
        QVERIFY2(whole < 69, "the cancel came after the last photo");
        QVERIFY(ws->checkIntegrity().ok());

        // A training that waits for every view completes them, and trains once; even one that
        // needs news: the same labels with every view are news after a model on centre views.
        request.centreViewsFirst = false;
        request.onlyIfNew = true;
        auto next = loop.train(request);
        QVERIFY2(next.ok(), next.ok() ? "" : qPrintable(next.error().message));
        QVERIFY(!next->cancelled);
        QCOMPARE(next->version, QStringLiteral("v2"));
        QVERIFY(!next->centreViewsOnly);
        QCOMPARE(next->viewsEmbedded, 69 - whole);
        counts = viewCounts(*ws);
        QVERIFY(std::all_of(counts.cbegin(), counts.cend(), [](int n) { return n == 2; }));
        loop.waitForIdle();
        QCoreApplication::processEvents();
        QCOMPARE(finished.count(), 0);
        QCOMPARE(int(ws->models().all().value().size()), 2);
    }

    void reopenedWorkspaceServesTheSameModel()
    {
        STEP(trainFirst());
        LearningLoop again(m_ws, test::backbone());
        QCOMPARE(again.activeVersion(), m_loop->activeVersion());
    }

    void backToZeroShotSurvivesAReopen()
    {
        STEP(trainFirst());
        const QString live = m_loop->activeVersion();
        QVERIFY(live != QStringLiteral("zero-shot"));
        QVERIFY(m_loop->activate(QStringLiteral("zero-shot")).ok());
        QCOMPARE(m_loop->activeVersion(), QStringLiteral("zero-shot"));
        QVERIFY(!m_ws->models().active().value().has_value());
        for (auto all = m_ws->models().all().value(); const ModelRecord& m : all)
            QVERIFY(m.state != ModelState::Active);
        // A relaunch: a new handle on the folder and a new loop.
        {
            auto reopened = Workspace::open(m_ws->dir());
            QVERIFY(reopened.ok());
            LearningLoop again(*reopened, test::backbone());
            QCOMPARE(again.activeVersion(), QStringLiteral("zero-shot"));
            auto p = Predictor(test::backbone(), again.activeModel()).predictFile(test::sampleImage(QStringLiteral("pug_112.jpg")));
            QVERIFY(p.ok());
            QCOMPARE(p->model, QStringLiteral("zero-shot"));
        }
        auto back = m_loop->rollback();
        QVERIFY(back.ok());
        QCOMPARE(*back, live);
        QCOMPARE(m_ws->models().active().value()->version, live);
    }

    void thePolicyChoosesTheTrainingSetAndIsRecorded()
    {
        // Five images relabelled by a curator, one more waiting for review (it never trains).
        const QVector<ImageRecord> images = m_ws->images().value();
        for (int i = 0; i < 5; ++i) {
            const QString now = m_ws->labels().current(images[i].id).value()->breed;
            const QString other = now == QStringLiteral("pug") ? QStringLiteral("beagle") : QStringLiteral("pug");
            QVERIFY(m_ws->labels().add(images[i].id, other, LabelOrigin::Curator, QStringLiteral("ann")).ok());
        }
        QVERIFY(m_ws->labels().add(images[5].id, QStringLiteral("pug"), LabelOrigin::Curator, QStringLiteral("bob"), ReviewStatus::Pending).ok());

        QHash<QString, TrainOutcome> outcomes;
        for (const QString& policy : {QStringLiteral("all"), QStringLiteral("origins=dataset"), QStringLiteral("approved")}) {
            TrainRequest r = quick();
            r.trainer.maxEpochs = 5;
            r.policy = TrainingLabelSelection::fromSpec(policy).value();
            auto o = m_loop->train(r);
            QVERIFY2(o.ok(), o.ok() ? "" : qPrintable(o.error().message));
            QCOMPARE(o->policy, policy);
            // The model and its run both name the policy.
            QCOMPARE(m_ws->models().find(o->version).value()->metrics.value(QStringLiteral("policy")).toString(), policy);
            const TrainingRunRecord run = m_ws->runs().all().value().constLast();
            QCOMPARE(run.modelVersion, o->version);
            QCOMPARE(run.params.value(QStringLiteral("policy")).toString(), policy);
            outcomes.insert(policy, *o);
        }
        auto size = [&](const QString& policy) { return outcomes[policy].trainImages + outcomes[policy].validationImages; };
        QCOMPARE(size(QStringLiteral("all")), 68);             // 69 less the pending one
        QCOMPARE(size(QStringLiteral("origins=dataset")), 63); // less the curator's five
        QCOMPARE(size(QStringLiteral("approved")), 63);        // the curator's, not approved by a server
        QVERIFY(outcomes[QStringLiteral("all")].trainImages > outcomes[QStringLiteral("origins=dataset")].trainImages);

        // No policy in the request: the workspace's stored one.
        QVERIFY(TrainingLabelSelection::fromSpec(QStringLiteral("origins=dataset")).value().save(*m_ws).ok());
        auto stored = m_loop->train(quick());
        QVERIFY(stored.ok());
        QCOMPARE(stored->policy, QStringLiteral("origins=dataset"));
        QCOMPARE(stored->trainImages + stored->validationImages, 63);

        // A policy that selects nothing says which policy it was, on one line.
        TrainRequest none = quick();
        none.policy = TrainingLabelSelection::fromSpec(QStringLiteral("origins=server")).value();
        auto refused = m_loop->train(none);
        QVERIFY(!refused.ok());
        QCOMPARE(refused.error().message,
                 QStringLiteral("no labelled images to train on under the training-set policy 'origins=server' (labels of origin server): "
                                "change the policy or label some images"));
    }
};

QTEST_GUILESS_MAIN(TestLearningLoop)
#include "TestLearningLoop.moc"
