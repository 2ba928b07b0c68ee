// Prediction from known embeddings (core/model/BatchPredictor) and the one top-k it shares with
// Predictor: the same answers as a full prediction, only learned classes, and torch's worker
// threads taking the priority of the thread that lowers its own.
#include "TestSupport.h"

#include "concurrency/ThreadPriority.h"
#include "imaging/ImageDecoder.h"
#include "model/BatchPredictor.h"
#include "model/BreedCatalog.h"
#include "model/Predictor.h"
#include "model/ZeroShotHead.h"

#include <ATen/Parallel.h>
#include <QMutex>
#include <QSet>
#include <thread>

using namespace pc;

class TestBatchPredictor : public QObject {
    Q_OBJECT

    static std::shared_ptr<const ModelSnapshot> zeroShot()
    {
        return std::make_shared<const ModelSnapshot>(ModelSnapshot{QStringLiteral("zero-shot"), makeZeroShotHead(*test::backbone()), nullptr});
    }

private Q_SLOTS:
    void answersAsAFullPredictionDoes()
    {
        const auto model = zeroShot();
        const Predictor predictor(test::backbone(), std::make_shared<ActiveModel>(model));
        std::vector<cv::Mat> embeddings;
        std::vector<Prediction> full;
        for (const char* name : {"Bombay_10.jpg", "pug_112.jpg", "Persian_106.jpg", "samoyed_108.jpg", "beagle_10.jpg"}) {
            auto p = predictor.predictFile(test::sampleImage(QString::fromLatin1(name)), 3);
            QVERIFY2(p.ok(), name);
            embeddings.push_back(p->embedding);
            full.push_back(*p);
        }
        const BatchPredictor batch(model, 3);
        for (const cv::Mat& e : embeddings)
            QVERIFY(batch.accepts(e));
        const BatchPredictor::Answers answers = batch.predict(embeddings);
        QCOMPARE(answers.top.size(), full.size());
        for (size_t i = 0; i < full.size(); ++i) {
            QCOMPARE(answers.top[i].size(), size_t(3));
            for (size_t j = 0; j < 3; ++j) {
                QCOMPARE(answers.top[i][j].label, full[i].top[j].label);
                QVERIFY(std::abs(answers.top[i][j].p - full[i].top[j].p) < 1e-5f);
            }
            const std::vector<Guess> one = batch.predictOne(embeddings[i]);
            QCOMPARE(one.front().label, full[i].top.front().label);
        }
    }

    void onlyLearnedClassesAreGuessed()
    {
        const ClassifierHead zs = makeZeroShotHead(*test::backbone());
        std::vector<bool> learned(size_t(zs.classes().size()), false);
        const QStringList only{QStringLiteral("pug"), QStringLiteral("samoyed")};
        for (const QString& b : only)
            learned[size_t(BreedCatalog::oxford().indexOf(b))] = true;
        const ClassifierHead head(zs.classes(), zs.layers(), learned);
        // A row where every unlearned class beats the learned ones.
        std::vector<float> p(size_t(head.classes().size()), 0.5f);
        for (const QString& b : only)
            p[size_t(BreedCatalog::oxford().indexOf(b))] = 0.1f;
        const std::vector<Guess> top = topBreeds(head, p.data(), 5);
        QCOMPARE(top.size(), size_t(2)); // k is cut to what was learned
        for (const Guess& g : top)
            QVERIFY(only.contains(g.label));
        QCOMPARE(top.front().name, BreedCatalog::oxford().at(BreedCatalog::oxford().indexOf(top.front().label)).name);
    }

    void aModelWithItsOwnBackboneNeedsAForwardPass()
    {
        auto own = std::make_shared<ModelSnapshot>(*zeroShot());
        own->backbone = test::backbone();
        const cv::Mat e(1, Backbone::kEmbeddingSize, CV_32F, cv::Scalar(0.1f));
        QVERIFY(BatchPredictor(zeroShot()).accepts(e));
        QVERIFY(!BatchPredictor(own).accepts(e));
        QVERIFY(!BatchPredictor(zeroShot()).accepts(cv::Mat(1, 10, CV_32F, cv::Scalar(0.f))));
    }

    void torchWorkersTakeTheLoweredPriority()
    {
#ifndef __linux__
        QSKIP("thread priorities are per thread on Linux only");
#endif
        if (currentThreadPriority() != ThreadPriority::Normal) // e.g. the whole suite run under nice
            QSKIP("this process started below normal priority, so there is no normal priority to compare with");
        Backbone::setThreads(2); // a team of two, whatever this machine's default
        QMutex mutex;
        QSet<int> priorities;
        QSet<std::thread::id> threads;
        std::thread training([&] {
            Backbone::lowerThreadPriorityHere(ThreadPriority::Background);
            for (int round = 0; round < 3; ++round) // later regions reuse the same team
                at::parallel_for(0, 64, 1, [&](int64_t, int64_t) {
                    QMutexLocker lock(&mutex);
                    priorities.insert(int(currentThreadPriority()));
                    threads.insert(std::this_thread::get_id());
                });
        });
        training.join();
        QVERIFY(threads.size() >= 2);
        QCOMPARE(priorities, QSet<int>{int(ThreadPriority::Background)});
        QCOMPARE(currentThreadPriority(), ThreadPriority::Normal); // the test's own thread is untouched
    }
};

QTEST_GUILESS_MAIN(TestBatchPredictor)
#include "TestBatchPredictor.moc"
