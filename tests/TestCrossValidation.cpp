// Stratified k-fold cross-validation of the training recipes behind `petcurator-cli bench-cv`.
#include "Blobs.h"
#include "training/CrossValidation.h"

#include <QTest>
#include <opencv2/core.hpp>
#include <map>
#include <random>

using namespace pc;

namespace {

// Four Gaussian blobs in 16 dimensions, overlapping: apart enough to beat chance.
LabelledEmbeddings blobs(int perClass, quint64 seed)
{
    Blobs b;
    b.dim = 16;
    b.separation = 1.0;
    b.seed = seed;
    return b.make({perClass, perClass, perClass, perClass});
}

} // namespace

class TestCrossValidation : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void foldsAreStratifiedAndSeeded()
    {
        std::vector<int> labels;
        for (int i = 0; i < 53; ++i)
            labels.push_back(i % 3 == 0 ? 0 : (i % 3 == 1 ? 1 : 2));
        std::mt19937 a(4), b(4), c(5);
        const std::vector<int> folds = stratifiedFolds(labels, 5, a);
        QCOMPARE(folds, stratifiedFolds(labels, 5, b));
        QVERIFY(folds != stratifiedFolds(labels, 5, c));
        std::map<std::pair<int, int>, int> count; // (class, fold) → rows
        for (size_t i = 0; i < labels.size(); ++i) {
            QVERIFY(folds[i] >= 0 && folds[i] < 5);
            ++count[{labels[i], folds[i]}];
        }
        for (int cls = 0; cls < 3; ++cls) {
            int lo = 1000, hi = 0;
            for (int f = 0; f < 5; ++f) {
                lo = std::min(lo, count[{cls, f}]);
                hi = std::max(hi, count[{cls, f}]);
            }
            QVERIFY2(hi - lo <= 1, "a class is spread unevenly over the folds");
        }
    }

    void everyRecipeScoresTheSameFolds()
    {
        const LabelledEmbeddings data = blobs(25, 4);
        CrossValidationOptions o;
        o.folds = 4;
        o.repeats = 2;
        o.trainer.maxEpochs = 20;
        o.trainer.learningRate = 0.05; // a hundred images learn in a few steps
        for (TrainingRecipe recipe : {TrainingRecipe::NoValidation, TrainingRecipe::EarlyStopped, TrainingRecipe::Refit, TrainingRecipe::HeldOutFixed}) {
            int calls = 0;
            o.progress = [&](int done, int total) {
                ++calls;
                QCOMPARE(total, 8);
                QCOMPARE(done, calls);
            };
            const auto r = crossValidate(data, classList(4), recipe, o);
            QVERIFY2(r.ok(), r.ok() ? "" : qPrintable(r.error().message));
            QCOMPARE(int(r->folds.size()), 8);
            QCOMPARE(calls, 8);
            for (const FoldScore& f : r->folds) {
                QVERIFY2(f.top1 > 0.25 && f.top1 <= 1, qPrintable(QStringLiteral("%1 %2").arg(toString(recipe)).arg(f.top1))); // above chance
                QVERIFY(f.meanPerClass > 0.25 && f.meanPerClass <= 1);
                QVERIFY(f.epochs >= 1 && f.epochs <= 20);
            }
            QVERIFY(r->meanPerClassSd() >= 0);
            // The same options give the same scores, to the bit.
            o.progress = nullptr;
            const auto again = crossValidate(data, classList(4), recipe, o);
            QVERIFY(again.ok());
            for (size_t i = 0; i < r->folds.size(); ++i)
                QCOMPARE(again->folds[i].meanPerClass, r->folds[i].meanPerClass);
        }
        QCOMPARE(toString(TrainingRecipe::Refit), QStringLiteral("refit"));
    }

    void badOptionsAndCancelAreErrors()
    {
        const LabelledEmbeddings data = blobs(5, 5);
        CrossValidationOptions o;
        o.folds = 1;
        QVERIFY(!crossValidate(data, classList(4), TrainingRecipe::Refit, o).ok());
        o.folds = 11; // 20 images
        QVERIFY(!crossValidate(data, classList(4), TrainingRecipe::Refit, o).ok());
        o.folds = 2;
        o.repeats = 0;
        QVERIFY(!crossValidate(data, classList(4), TrainingRecipe::Refit, o).ok());
        o.repeats = 1;
        std::atomic_bool cancel{true};
        o.cancel = &cancel;
        const auto r = crossValidate(data, classList(4), TrainingRecipe::Refit, o);
        QVERIFY(!r.ok());
        QVERIFY(r.error().message.contains(QStringLiteral("cancelled")));
    }
};

QTEST_GUILESS_MAIN(TestCrossValidation)
#include "TestCrossValidation.moc"
