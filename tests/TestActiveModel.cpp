// The hot swap: predictions take a snapshot of the active model, so swaps never block, fail or
// mix two models. 4 predicting threads run while 100+ swaps happen; 0 errors allowed.
#include "TestSupport.h"

#include "imaging/ImageDecoder.h"
#include "model/BreedCatalog.h"
#include "model/Predictor.h"
#include "model/ZeroShotHead.h"

#include <QThread>
#include <atomic>
#include <thread>

using namespace pc;

class TestActiveModel : public QObject {
    Q_OBJECT

    // A head that can only ever answer `breed`: every prediction it makes is that breed.
    static std::shared_ptr<const ModelSnapshot> onlyBreed(const QString& version, const QString& breed)
    {
        ClassifierHead zeroShot = makeZeroShotHead(*test::backbone());
        std::vector<bool> learned(size_t(zeroShot.classes().size()), false);
        learned[size_t(BreedCatalog::oxford().indexOf(breed))] = true;
        return std::make_shared<const ModelSnapshot>(ModelSnapshot{version, ClassifierHead(zeroShot.classes(), zeroShot.layers(), learned), nullptr});
    }

private Q_SLOTS:
    void swapIsAtomicUnderLoad()
    {
        const auto a = onlyBreed(QStringLiteral("A"), QStringLiteral("pug"));
        const auto b = onlyBreed(QStringLiteral("B"), QStringLiteral("samoyed"));
        auto active = std::make_shared<ActiveModel>(a);
        Predictor predictor(test::backbone(), active);
        auto image = ImageDecoder().decodeFile(test::sampleImage(QStringLiteral("Bombay_10.jpg")));
        QVERIFY(image.ok());
        const cv::Mat rgb = image->rgb;

        std::atomic_bool stop{false};
        std::atomic_int predictions{0}, errors{0}, sawA{0}, sawB{0};
        std::vector<std::thread> readers;
        for (int t = 0; t < 4; ++t) {
            readers.emplace_back([&] {
                Backbone::useOneThreadHere();
                while (!stop) {
                    const Prediction p = predictor.predictImage(rgb, 1);
                    ++predictions;
                    // A mixed model would answer with the other model's breed.
                    const bool okA = p.model == QStringLiteral("A") && p.top.size() == 1 && p.top[0].label == QStringLiteral("pug");
                    const bool okB = p.model == QStringLiteral("B") && p.top.size() == 1 && p.top[0].label == QStringLiteral("samoyed");
                    if (!okA && !okB)
                        ++errors;
                    (p.model == QStringLiteral("A") ? sawA : sawB)++;
                }
            });
        }
        // Until enough of both happened, however long that takes (a sanitizer build predicts ~15×
        // slower; ctest's timeout catches a hang): no wall-clock limit that a slow machine fails.
        int swaps = 0;
        while (swaps < 100 || predictions < 40 || sawA == 0 || sawB == 0) {
            active->swap(swaps % 2 ? a : b);
            ++swaps;
            QThread::usleep(2000);
        }
        stop = true;
        for (std::thread& t : readers)
            t.join();
        qInfo("%d swaps, %d predictions on 4 threads, %d errors", swaps, predictions.load(), errors.load());
        QVERIFY(swaps >= 100);
        QVERIFY(predictions >= 40);
        QCOMPARE(errors.load(), 0);
        QVERIFY(sawA > 0 && sawB > 0);
    }

    void snapshotOutlivesTheSwap()
    {
        auto active = std::make_shared<ActiveModel>(onlyBreed(QStringLiteral("old"), QStringLiteral("pug")));
        const std::shared_ptr<const ModelSnapshot> held = active->snapshot();
        active->swap(onlyBreed(QStringLiteral("new"), QStringLiteral("samoyed")));
        QCOMPARE(held->version, QStringLiteral("old"));
        QCOMPARE(active->snapshot()->version, QStringLiteral("new"));
        QVERIFY(held->head.isValid());
    }
};

QTEST_GUILESS_MAIN(TestActiveModel)
#include "TestActiveModel.moc"
