// The embedding cache: centre views first and augmented views later, batched forward passes that
// give what one view per pass gave (same seeds, same augmentations), a cancel that leaves every
// image's entry whole, and the background fill the learning loop starts. Real photos, real weights.
#include "TestSupport.h"

#include "imaging/ImageDecoder.h"
#include "imaging/Preprocess.h"
#include "model/BatchEmbedder.h"
#include "model/Precision.h"
#include "training/BackgroundViews.h"
#include "training/EmbeddingCache.h"
#include "workspace/DatasetImporter.h"
#include "workspace/Workspace.h"

#include <QTemporaryDir>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <numeric>
#include <opencv2/core.hpp>

using namespace pc;

class TestEmbeddingCache : public QObject {
    Q_OBJECT

    static constexpr int kViews = 2; // augmented views per image in these tests
    QTemporaryDir m_tmp;
    QString m_data;
    int m_workspaces = 0;

    // A new workspace with the 12 test photos imported and nothing cached.
    std::shared_ptr<Workspace> freshWorkspace()
    {
        auto ws = Workspace::open(m_tmp.filePath(QStringLiteral("ws%1").arg(++m_workspaces)));
        if (!ws)
            qFatal("%s", qPrintable(ws.error().message));
        const ImportReport report = importOxford(**ws, m_data);
        if (report.added != 12)
            qFatal("expected 12 imported photos, got %d", report.added);
        return *ws;
    }

    static QString hash() { return test::backbone()->weightsHash(); }

    // What the cache computed before it batched: one decode, then one view per forward pass, the
    // augmented ones in the generator's order, seeded by (seed, image id).
    static cv::Mat viewsOneByOne(const Backbone& backbone, const QString& path, quint32 imageId, int augmented, cv::Mat* logits = nullptr)
    {
        auto image = ImageDecoder().decodeFile(path);
        if (!image)
            qFatal("cannot decode %s", qPrintable(path));
        cv::Mat out(1 + augmented, Backbone::kEmbeddingSize, CV_32F);
        std::mt19937 rng(EmbeddingCacheOptions{}.seed * 1000003u + imageId);
        for (int v = 0; v <= augmented; ++v) {
            const Embeddings e = backbone.embed({v == 0 ? preprocessCenter(image->rgb) : preprocessAugmented(image->rgb, rng)}, Backbone::Outputs::EmbeddingAndLogits);
            e.embedding.copyTo(out.row(v));
            if (v == 0 && logits)
                *logits = e.logits.clone();
        }
        return out;
    }

    // Largest |a − b| relative to |b| (with a floor, for values near zero).
    static double maxRelativeError(const cv::Mat& a, const cv::Mat& b)
    {
        cv::Mat diff, scale;
        cv::absdiff(a, b, diff);
        scale = cv::max(cv::abs(b), 0.05);
        cv::divide(diff, scale, diff);
        double worst = 0;
        cv::minMaxLoc(diff, nullptr, &worst);
        return worst;
    }

    static bool sameBits(const cv::Mat& a, const cv::Mat& b)
    {
        return a.size == b.size && a.type() == b.type() && a.isContinuous() && b.isContinuous()
            && std::memcmp(a.data, b.data, a.total() * a.elemSize()) == 0;
    }

    // Every stored entry against the one-view-per-pass reference, within float16's rounding.
    static void compareWithOneByOne(Workspace& ws, int augmented)
    {
        const auto images = ws.images();
        QVERIFY(images.ok());
        for (const ImageRecord& image : *images) {
            const auto stored = ws.embeddings().views(image.id, hash());
            QVERIFY(stored.ok() && stored->has_value());
            QCOMPARE((*stored)->rows, 1 + augmented);
            const cv::Mat reference = viewsOneByOne(*test::backbone(), ws.storedImagePath(image.sha256), augmentationSeed(image.sha256), augmented);
            const double err = maxRelativeError(**stored, reference);
            QVERIFY2(err < 2e-3, qPrintable(QStringLiteral("image %1: %2").arg(image.id).arg(err)));
        }
    }

    static QHash<qint64, int> viewCounts(const Workspace& ws)
    {
        const auto counts = ws.embeddings().viewCounts(hash());
        if (!counts)
            qFatal("%s", qPrintable(counts.error().message));
        return *counts;
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_data = test::makeOxfordSubset(m_tmp.filePath(QStringLiteral("data")),
                                        {QStringLiteral("Bengal"), QStringLiteral("pug"), QStringLiteral("samoyed")}, 4);
    }

    void centreViewsFirstThenAugmentedViews()
    {
        auto ws = freshWorkspace();
        auto gaps = embeddingCacheGaps(*ws, hash(), kViews);
        QVERIFY(gaps.ok());
        QCOMPARE(gaps->withoutViews.size(), 12);

        EmbeddingCacheOptions centre;
        centre.views = EmbeddingCacheOptions::Views::CentreOnly;
        centre.augmentedViews = kViews;
        const auto first = updateEmbeddingCache(*ws, *test::backbone(), centre);
        QVERIFY2(first.ok(), first.ok() ? "" : qPrintable(first.error().message));
        QCOMPARE(first->computed, 12);
        QCOMPARE(first->views, 12);
        for (int views : viewCounts(*ws))
            QCOMPARE(views, 1);
        gaps = embeddingCacheGaps(*ws, hash(), kViews);
        QCOMPARE(gaps->withoutViews.size(), 0);
        QCOMPARE(gaps->withoutAugmentedViews.size(), 12);
        // Asked again for centre views: nothing to do.
        QCOMPARE(updateEmbeddingCache(*ws, *test::backbone(), centre)->computed, 0);
        const QHash<qint64, cv::Mat> centres = ws->embeddings().all(hash()).value();

        EmbeddingCacheOptions all;
        all.augmentedViews = kViews;
        const auto second = updateEmbeddingCache(*ws, *test::backbone(), all);
        QVERIFY(second.ok());
        QCOMPARE(second->computed, 12);
        QCOMPARE(second->views, 12 * kViews); // the centre views are not computed again…
        const QHash<qint64, cv::Mat> full = ws->embeddings().all(hash()).value();
        QCOMPARE(full.size(), 12);
        for (auto it = full.cbegin(); it != full.cend(); ++it) {
            QCOMPARE(it->rows, 1 + kViews);
            QVERIFY(sameBits(it->row(0).clone(), centres.value(it.key()))); // …but kept as they were
        }
        QCOMPARE(embeddingCacheGaps(*ws, hash(), kViews)->complete, 12);
        const auto third = updateEmbeddingCache(*ws, *test::backbone(), all);
        QCOMPARE(third->computed, 0);
        QCOMPARE(third->alreadyCached, 12);
        compareWithOneByOne(*ws, kViews);
    }

    void batchedViewsEqualOneViewPerPass_data()
    {
        QTest::addColumn<bool>("bf16");
        QTest::newRow("fp32") << false;
        QTest::newRow("bf16") << true;
    }

    void batchedViewsEqualOneViewPerPass()
    {
        QFETCH(bool, bf16);
        if (bf16 && !cpuHasBf16())
            QSKIP(qPrintable(QStringLiteral("bf16 not run: this CPU has no native bf16 (%1)").arg(bf16Evidence())));
        std::shared_ptr<const Backbone> backbone = test::backbone();
        if (bf16) {
            auto loaded = Backbone::load(Backbone::defaultWeightsDir(), Precision::Bf16);
            QVERIFY2(loaded.ok(), loaded.ok() ? "" : qPrintable(loaded.error().message));
            backbone = *loaded;
        }
        const QStringList paths{test::sampleImage(QStringLiteral("Abyssinian_1.jpg")), test::sampleImage(QStringLiteral("Bombay_10.jpg")),
                                test::sampleImage(QStringLiteral("no_such_photo.jpg")), test::sampleImage(QStringLiteral("pug_112.jpg")),
                                test::sampleImage(QStringLiteral("samoyed_108.jpg"))};
        // bf16 rounds each layer's activations: a view's result may move a little with its batch.
        const double tolerance = bf16 ? 0.05 : 1e-4;
        std::vector<cv::Mat> references(size_t(paths.size())), referenceLogits(size_t(paths.size()));
        const QVector<quint32> seeds{11, 12, 13, 14, 15};
        for (size_t i : {0, 1, 3, 4})
            references[i] = viewsOneByOne(*backbone, paths[qsizetype(i)], seeds[qsizetype(i)], 4, &referenceLogits[i]);
        // The cache's batch for this precision, and two photos' views a pass.
        for (const int perForward : {0, 10}) {
            BatchEmbedOptions options;
            options.augmentedViews = 4;
            options.viewsPerForward = perForward;
            options.workers = 2;
            options.seeds = seeds;
            options.imagenetLogits = true;
            const std::vector<EmbeddedFile> batched = embedFiles(*backbone, paths, options);
            QCOMPARE(batched.size(), size_t(5));
            QVERIFY(batched[2].error.has_value());
            QVERIFY(batched[2].embedding.empty());
            for (size_t i : {0, 1, 3, 4}) {
                QVERIFY2(!batched[i].error, qPrintable(paths[qsizetype(i)]));
                QCOMPARE(batched[i].embedding.rows, 5);
                const double err = maxRelativeError(batched[i].embedding, references[i]);
                QVERIFY2(err < tolerance, qPrintable(QStringLiteral("%1 (%2 a pass): %3").arg(paths[qsizetype(i)]).arg(perForward).arg(err)));
                QVERIFY2(maxRelativeError(batched[i].logits, referenceLogits[i]) < tolerance * 10, qPrintable(paths[qsizetype(i)]));
            }
            // The same photos in the same order give the same bits, whichever worker took which batch.
            // Without the logits asked for: the same embeddings, and no logits.
            options.imagenetLogits = false;
            const std::vector<EmbeddedFile> again = embedFiles(*backbone, paths, options);
            for (size_t i : {0, 1, 3, 4}) {
                QVERIFY2(sameBits(again[i].embedding, batched[i].embedding), qPrintable(paths[qsizetype(i)]));
                QVERIFY(again[i].logits.empty());
            }
            // The augmented views alone are the same views: the centre view takes nothing from the generator.
            options.centreView = false;
            const std::vector<EmbeddedFile> augmented = embedFiles(*backbone, paths, options);
            for (size_t i : {0, 1, 3, 4}) {
                QCOMPARE(augmented[i].embedding.rows, 4);
                QVERIFY(augmented[i].logits.empty());
                QVERIFY(maxRelativeError(augmented[i].embedding, references[i].rowRange(1, 5)) < tolerance);
            }
        }
    }

    // Progress comes one call at a time and counts up by one, whichever worker finished: the CLI
    // prints it to a stream that two calls at once garbled and corrupted (bench-cv aborted).
    void progressComesOneCallAtATimeInOrder()
    {
        QStringList paths;
        for (const char* name : {"Abyssinian_1.jpg", "Bombay_10.jpg", "pug_112.jpg", "samoyed_108.jpg", "beagle_10.jpg", "Persian_106.jpg"})
            paths << test::sampleImage(QString::fromLatin1(name));
        paths << paths; // 12 files, one a pass: each worker reports many times
        BatchEmbedOptions options;
        options.workers = 2;
        options.viewsPerForward = 1;
        // The first call waits (2 s at most) for a second one to come in beside it: with calls one
        // at a time none can, so the wait ends empty; with calls at once the other worker's next
        // file arrives within milliseconds.
        std::atomic_int inside{0};
        std::atomic_bool overlapped{false}, first{true};
        std::mutex mutex;
        std::condition_variable entered;
        QVector<int> seen; // under mutex
        options.progress = [&](int done, int total) {
            if (inside.fetch_add(1) != 0)
                overlapped = true;
            entered.notify_all();
            std::unique_lock lock(mutex);
            if (first.exchange(false))
                entered.wait_for(lock, std::chrono::seconds(2), [&] { return overlapped.load(); });
            seen.push_back(total == 12 ? done : -done); // a wrong total shows as a negative count
            inside.fetch_sub(1);
        };
        const std::vector<EmbeddedFile> files = embedFiles(*test::backbone(), paths, options);
        QCOMPARE(files.size(), size_t(12));
        QVERIFY(!overlapped);
        QVector<int> expected(12);
        std::iota(expected.begin(), expected.end(), 1);
        QCOMPARE(seen, expected);
    }

    void cancelMidwayLeavesEveryEntryWhole()
    {
        auto ws = freshWorkspace();
        std::atomic_bool cancel{false};
        EmbeddingCacheOptions options;
        options.augmentedViews = kViews;
        options.workers = 1;
        options.viewsPerForward = 4; // centre views: 4 photos a pass; all views: one photo a pass
        options.cancel = &cancel;
        options.progress = [&cancel](int done, int) {
            if (done >= 4)
                cancel = true;
        };

        options.views = EmbeddingCacheOptions::Views::CentreOnly;
        auto report = updateEmbeddingCache(*ws, *test::backbone(), options);
        QVERIFY(report.ok());
        QVERIFY(report->cancelled);
        QVERIFY2(report->computed >= 4 && report->computed < 12, qPrintable(QString::number(report->computed)));
        QHash<qint64, int> counts = viewCounts(*ws);
        QCOMPARE(counts.size(), report->computed);
        for (int views : counts)
            QCOMPARE(views, 1);

        // Centre views for the rest, then the augmented ones, cancelled halfway.
        cancel = false;
        options.progress = {};
        QVERIFY(updateEmbeddingCache(*ws, *test::backbone(), options).ok());
        QCOMPARE(viewCounts(*ws).size(), 12);
        options.views = EmbeddingCacheOptions::Views::All;
        options.progress = [&cancel](int done, int) {
            if (done >= 5)
                cancel = true;
        };
        report = updateEmbeddingCache(*ws, *test::backbone(), options);
        QVERIFY(report.ok());
        QVERIFY(report->cancelled);
        QVERIFY2(report->computed >= 5 && report->computed < 12, qPrintable(QString::number(report->computed)));
        counts = viewCounts(*ws);
        QCOMPARE(counts.size(), 12);
        int whole = 0;
        for (int views : counts) {
            QVERIFY2(views == 1 || views == 1 + kViews, qPrintable(QString::number(views))); // never a part of the views
            whole += views == 1 + kViews;
        }
        QCOMPARE(whole, report->computed);
        QVERIFY(ws->checkIntegrity().ok());

        // Resumed: every image complete, and the same views as an uninterrupted fill.
        cancel = false;
        options.progress = {};
        report = updateEmbeddingCache(*ws, *test::backbone(), options);
        QVERIFY(report.ok());
        QVERIFY(!report->cancelled);
        QCOMPARE(report->computed, 12 - whole);
        for (int views : viewCounts(*ws))
            QCOMPARE(views, 1 + kViews);
        compareWithOneByOne(*ws, kViews);
    }

    void centreViewNeverReplacesAWholeEntry()
    {
        auto ws = freshWorkspace();
        const qint64 id = ws->images()->first().id;
        cv::Mat full(1 + kViews, Backbone::kEmbeddingSize, CV_32F), centre(1, Backbone::kEmbeddingSize, CV_32F);
        cv::randu(full, 0.0f, 1.0f);
        cv::randu(centre, 2.0f, 3.0f);
        QVERIFY(ws->embeddings().put(id, hash(), full).ok());
        const auto added = ws->embeddings().putIfAbsent(id, hash(), centre);
        QVERIFY(added.ok());
        QVERIFY(!*added);
        QCOMPARE(ws->embeddings().views(id, hash()).value()->rows, 1 + kViews);
        const qint64 other = ws->images()->last().id;
        QVERIFY(ws->embeddings().putIfAbsent(other, hash(), centre).value());
        QCOMPARE(ws->embeddings().views(other, hash()).value()->rows, 1);
        QVERIFY(!ws->embeddings().putIfAbsent(424242, hash(), centre).ok()); // no such image: an error, not "present"
        QCOMPARE(viewCounts(*ws), (QHash<qint64, int>{{id, 1 + kViews}, {other, 1}}));
    }

    void backgroundViewsFillWhatIsMissingAndStopOnCancel()
    {
        auto ws = freshWorkspace();
        EmbeddingCacheOptions centre;
        centre.views = EmbeddingCacheOptions::Views::CentreOnly;
        QVERIFY(updateEmbeddingCache(*ws, *test::backbone(), centre).ok());

        BackgroundViews views(ws, test::backbone());
        std::atomic_int reports{0};
        Expected<EmbeddingCacheReport> last = Error{QStringLiteral("not finished")};
        std::atomic_int progressCalls{0};
        QVERIFY(views.start(kViews, [&](const Expected<EmbeddingCacheReport>& r) {
            last = r;
            ++reports;
        }, [&](int, int) { ++progressCalls; }));
        QVERIFY(!views.start(kViews, {})); // the one running stands for it
        QVERIFY(views.wait());
        QCOMPARE(reports.load(), 1);
        QVERIFY2(last.ok(), last.ok() ? "" : qPrintable(last.error().message));
        QVERIFY(!last->cancelled);
        QCOMPARE(last->computed, 12);
        QCOMPARE(last->views, 12 * kViews);
        QVERIFY(progressCalls.load() >= 12);
        for (int n : viewCounts(*ws))
            QCOMPARE(n, 1 + kViews);
        QVERIFY(!views.wait()); // none running

        // One more view per image, cancelled as soon as it starts: what it stored is whole.
        QVERIFY(views.start(kViews + 1, [&](const Expected<EmbeddingCacheReport>& r) {
            last = r;
            ++reports;
        }));
        views.cancel();
        QVERIFY(views.wait());
        QCOMPARE(reports.load(), 2);
        QVERIFY(last.ok());
        QVERIFY(last->cancelled);
        for (int n : viewCounts(*ws))
            QVERIFY(n == 1 + kViews || n == 2 + kViews);

        views.close();
        QVERIFY(!views.start(kViews + 1, {})); // closed: its owner is going
        QVERIFY(!views.isRunning());
    }
};

QTEST_GUILESS_MAIN(TestEmbeddingCache)
#include "TestEmbeddingCache.moc"
