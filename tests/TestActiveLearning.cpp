// The simulated curator behind `petcurator-cli bench-active`: least-confident-first ordering,
// the learning curves' shape, determinism and bad options.
#include "Blobs.h"
#include "training/ActiveLearning.h"

#include <QTest>
#include <opencv2/core.hpp>
#include <random>

using namespace pc;

namespace {

// Four Gaussian blobs in 16 dimensions, overlapping: hard enough that more labels help.
LabelledEmbeddings blobs(int perClass, quint64 seed)
{
    Blobs b;
    b.dim = 16;
    b.separation = 0.6;
    b.seed = seed;
    return b.make({perClass, perClass, perClass, perClass});
}

bool sameCurve(const std::vector<LearningCurvePoint>& a, const std::vector<LearningCurvePoint>& b)
{
    if (a.size() != b.size())
        return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (a[i].labels != b[i].labels || a[i].top1 != b[i].top1 || a[i].meanPerClass != b[i].meanPerClass)
            return false;
    return true;
}

} // namespace

class TestActiveLearning : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void leastConfidentComesFirst()
    {
        // Identity logits over two classes: the closer the two scores, the less sure.
        cv::Mat w = cv::Mat::eye(2, 2, CV_32F), b = cv::Mat::zeros(1, 2, CV_32F);
        const ClassifierHead head({QStringLiteral("x"), QStringLiteral("y")}, {DenseLayer{w, b}});
        const cv::Mat rows = (cv::Mat_<float>(4, 2) << 6, 0, 0.2f, 0, 0, 3, 1, 1);
        const std::vector<size_t> order = leastConfidentFirst(head, rows);
        QCOMPARE(order, (std::vector<size_t>{3, 1, 2, 0}));
        QVERIFY(leastConfidentFirst(head, cv::Mat(0, 2, CV_32F)).empty());
    }

    void curvesHaveOnePointPerRoundAndRepeat()
    {
        const LabelledEmbeddings data = blobs(30, 1);
        ActiveLearningOptions o;
        o.seeds = 2;
        o.folds = 3;
        o.startPerClass = 2;
        o.roundSize = 10;
        o.rounds = 4;
        o.trainer.maxEpochs = 15;
        int progressCalls = 0, lastDone = 0, lastTotal = 0;
        o.progress = [&](int done, int total) {
            ++progressCalls;
            lastDone = done;
            lastTotal = total;
        };
        const auto r = simulateActiveLearning(data, classList(4), o);
        QVERIFY2(r.ok(), r.ok() ? "" : qPrintable(r.error().message));
        QCOMPARE(r->runs, 6);
        QCOMPARE(progressCalls, 12);
        QCOMPARE(lastDone, lastTotal);
        for (const auto* curve : {&r->random, &r->leastConfident}) {
            QCOMPARE(int(curve->size()), 5);
            for (size_t i = 0; i < curve->size(); ++i) {
                QCOMPARE((*curve)[i].labels, 8.0 + 10.0 * double(i)); // 2 per class, then 10 a round
                QVERIFY((*curve)[i].top1 >= 0 && (*curve)[i].top1 <= 1);
                QVERIFY((*curve)[i].meanPerClass >= 0 && (*curve)[i].meanPerClass <= 1);
                QVERIFY((*curve)[i].top1Sd >= 0);
            }
            // Both start from the same labels, and 48 labels beat 8 on these blobs.
            QVERIFY(curve->back().top1 > curve->front().top1);
        }
        QCOMPARE(r->random.front().top1, r->leastConfident.front().top1);
        const auto again = simulateActiveLearning(data, classList(4), o);
        QVERIFY(again.ok());
        QVERIFY(sameCurve(r->random, again->random));
        QVERIFY(sameCurve(r->leastConfident, again->leastConfident));
        o.trainer.seed = 2;
        const auto other = simulateActiveLearning(data, classList(4), o);
        QVERIFY(other.ok());
        QVERIFY(!sameCurve(r->random, other->random));
    }

    void runningOutOfImagesStopsAtThePool()
    {
        // 20 images, 5 per class: the two folds leave pools of 8 and 12 images.
        const LabelledEmbeddings data = blobs(5, 2);
        ActiveLearningOptions o;
        o.seeds = 1;
        o.folds = 2;
        o.startPerClass = 1;
        o.roundSize = 4;
        o.rounds = 10;
        o.trainer.maxEpochs = 5;
        const auto r = simulateActiveLearning(data, classList(4), o);
        QVERIFY(r.ok());
        // 4 labels, then 8: one pool is used up; the other goes on to 12. The mean of 8 and 12 is 10.
        QCOMPARE(int(r->random.size()), 3);
        QCOMPARE(r->random[1].labels, 8.0);
        QCOMPARE(r->random.back().labels, 10.0);
    }

    void badOptionsAndCancelAreErrors()
    {
        const LabelledEmbeddings data = blobs(10, 3);
        ActiveLearningOptions o;
        o.folds = 1;
        QVERIFY(!simulateActiveLearning(data, classList(4), o).ok());
        o.folds = 5;
        o.roundSize = 0;
        QVERIFY(!simulateActiveLearning(data, classList(4), o).ok());
        o.roundSize = 10;
        QVERIFY(!simulateActiveLearning(blobs(1, 3), classList(4), o).ok()); // 4 images, 5 folds
        std::atomic_bool cancel{true};
        o.cancel = &cancel;
        const auto cancelled = simulateActiveLearning(data, classList(4), o);
        QVERIFY(!cancelled.ok());
        QVERIFY(cancelled.error().message.contains(QStringLiteral("cancelled")));
    }
};

QTEST_GUILESS_MAIN(TestActiveLearning)
#include "TestActiveLearning.moc"
