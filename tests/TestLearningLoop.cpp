#include "TestSupport.h"

#include "model/Predictor.h"
#include "training/LearningLoop.h"
#include "workspace/DatasetImporter.h"
#include "workspace/Workspace.h"

#include <QDir>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTextStream>

using namespace pc;


class TestLearningLoop : public QObject {
    Q_OBJECT

    QTemporaryDir m_tmp;
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

private Q_SLOTS:
    void initTestCase()
    {
        const QString data = test::makeOxfordSubset(m_tmp.filePath(QStringLiteral("data")),
                                                    {QStringLiteral("pug"), QStringLiteral("samoyed"), QStringLiteral("Persian"),
                                                     QStringLiteral("Bombay"), QStringLiteral("beagle"), QStringLiteral("Abyssinian")},
                                                    12);
        auto ws = Workspace::open(m_tmp.filePath(QStringLiteral("ws")));
        QVERIFY(ws.ok());
        m_ws = *ws;
        const ImportReport report = importOxford(*m_ws, data);
        QCOMPARE(report.added, 69); // 12 a breed, but pug has 10 and beagle 11 in the sample
        m_loop = std::make_unique<LearningLoop>(m_ws, test::backbone());
        QCOMPARE(m_loop->activeVersion(), QStringLiteral("zero-shot"));
    }

    void firstModelGoesLive()
    {
        QSignalSpy changed(m_loop.get(), &LearningLoop::activeModelChanged);
        auto outcome = m_loop->train(quick());
        QVERIFY2(outcome.ok(), outcome.ok() ? "" : qPrintable(outcome.error().message));
        QCOMPARE(outcome->version, QStringLiteral("v1"));
        QVERIFY2(outcome->activated, qPrintable(outcome->verdict));
        QCOMPARE(m_loop->activeVersion(), QStringLiteral("v1"));
        QCOMPARE(changed.count(), 1);
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
        QCOMPARE(m_loop->activeVersion(), QStringLiteral("v1"));
        QSignalSpy changed(m_loop.get(), &LearningLoop::activeModelChanged);
        auto back = m_loop->rollback();
        QVERIFY2(back.ok(), back.ok() ? "" : qPrintable(back.error().message));
        QCOMPARE(*back, QStringLiteral("zero-shot"));
        QCOMPARE(m_loop->activeVersion(), QStringLiteral("zero-shot"));
        QVERIFY(!m_ws->models().active().value().has_value());
        QCOMPARE(changed.count(), 1);
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
        TrainRequest bad = quick();
        bad.trainer.maxEpochs = 1;
        bad.trainer.learningRate = 1e-7;
        auto outcome = m_loop->train(bad);
        QVERIFY(outcome.ok());
        QVERIFY2(!outcome->activated, qPrintable(outcome->verdict));
        QVERIFY(outcome->verdict.contains(QLatin1Char('<')));
        QCOMPARE(m_loop->activeVersion(), QStringLiteral("v1"));
        QVERIFY(m_ws->models().find(outcome->version).value()->state == ModelState::Candidate);
        QCOMPARE(m_ws->models().find(outcome->version).value()->gateVerdict, outcome->verdict);
    }

    void asGoodGoesLiveOnTheSameSplit()
    {
        const QString split = m_ws->split().get().value()->id;
        auto outcome = m_loop->train(quick());
        QVERIFY(outcome.ok());
        QVERIFY2(outcome->activated, qPrintable(outcome->verdict)); // same seed: equal accuracy passes (≥)
        QCOMPARE(m_ws->split().get().value()->id, split);
        QCOMPARE(m_ws->models().find(outcome->version).value()->metrics.value(QStringLiteral("split_id")).toString(), split);
    }

    void manualActivateAndRollback()
    {
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
        QSignalSpy epochs(m_loop.get(), &LearningLoop::epochFinished);
        QSignalSpy finished(m_loop.get(), &LearningLoop::trainingFinished);
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
        QSignalSpy finished(m_loop.get(), &LearningLoop::trainingFinished);
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

    void fineTunedBackboneIsAVersionOfItsOwn()
    {
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

    void reopenedWorkspaceServesTheSameModel()
    {
        LearningLoop again(m_ws, test::backbone());
        QCOMPARE(again.activeVersion(), m_loop->activeVersion());
    }

    void backToZeroShotSurvivesAReopen()
    {
        const QString live = m_loop->activeVersion();
        QVERIFY(live != QStringLiteral("zero-shot"));
        QVERIFY(m_loop->activate(QStringLiteral("zero-shot")).ok());
        QCOMPARE(m_loop->activeVersion(), QStringLiteral("zero-shot"));
        QVERIFY(!m_ws->models().active().value().has_value());
        for (auto mList = m_ws->models().all().value(); const ModelRecord& m : mList)
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
};

QTEST_GUILESS_MAIN(TestLearningLoop)
#include "TestLearningLoop.moc"
