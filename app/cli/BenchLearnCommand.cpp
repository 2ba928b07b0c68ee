#include "model/ProcessMemory.h"
#include "Command.h"
#include "Runtime.h"

#include "model/Backbone.h"
#include "model/BreedCatalog.h"
#include "training/LearningLoop.h"
#include "workspace/DatasetImporter.h"
#include "workspace/Workspace.h"

#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <opencv2/core.hpp>
#include <optional>
#include <random>

namespace pc::cli {

namespace {

double secondsSince(const QElapsedTimer& t) { return double(t.nsecsElapsed()) / 1e9; }

class BenchLearnCommand : public Command {
public:
    QString name() const override { return QStringLiteral("bench-learn"); }
    QString summary() const override { return QStringLiteral("Learning-loop figures: 5-fold accuracy on the sample, import-to-model time, incremental update at 7,000 images"); }

    void configure(QCommandLineParser& p) const override
    {
        addSampleOption(p);
        p.addOption({QStringLiteral("folds"), QStringLiteral("Cross-validation folds (default 5)."), QStringLiteral("N"), QStringLiteral("5")});
        p.addOption({QStringLiteral("repeats"), QStringLiteral("Cross-validations, each with its own random split (default 3)."), QStringLiteral("N"), QStringLiteral("3")});
        p.addOption({QStringLiteral("scale"), QStringLiteral("Images in the synthetic workspace for the incremental update (default 7000)."), QStringLiteral("N"), QStringLiteral("7000")});
        p.addOption({QStringLiteral("json"), QStringLiteral("Print one JSON object.")});
        addRuntimeOptions(p);
    }

    int run(const QCommandLineParser& p) const override
    {
        const auto sampleDir = sampleOption(p, name());
        if (!sampleDir)
            return BadArguments;
        const QString& oxford = *sampleDir;
        auto runtime = Runtime::open(p);
        if (!runtime)
            return runtime.error();
        const Backbone& backbone = *runtime->backbone;
        const BreedCatalog& breeds = BreedCatalog::oxford();
        QTemporaryDir tmp;
        QJsonObject result;
        auto say = [&](const QString& line) {
            if (!p.isSet(QStringLiteral("json")))
                out() << line << Qt::endl;
        };

        // 1. Import → embedding cache → trained, active model, on the real sample.
        auto ws = Workspace::open(tmp.filePath(QStringLiteral("sample")));
        if (!ws) {
            err() << "petcurator-cli bench-learn: " << ws.error().message << "\n";
            return Failure;
        }
        // Memory per step: the RSS after it and its own peak (VmHWM reset before each step).
        const double rssLoaded = processMemoryMb("VmRSS");
        QJsonObject memory{{QStringLiteral("model_loaded_rss_mb"), rssLoaded}};
        auto stepMemory = [&](const QString& step) {
            const double rss = processMemoryMb("VmRSS"), peak = processMemoryMb("VmHWM");
            memory.insert(step + QStringLiteral("_rss_mb"), rss);
            memory.insert(step + QStringLiteral("_peak_rss_mb"), peak);
            resetPeakMemory();
            return QStringLiteral("%1 MB, peak %2 MB").arg(rss, 0, 'f', 0).arg(peak, 0, 'f', 0);
        };
        QElapsedTimer total, t;
        total.start();
        t.start();
        resetPeakMemory();
        const ImportReport imported = importOxford(**ws, oxford);
        const double importSeconds = secondsSince(t);
        const QString importMemory = stepMemory(QStringLiteral("import"));
        // As the app does it: centre views and a first model; the augmented views in the background,
        // then a second training on every view. (The app fills them at idle priority, which on a
        // quiet machine is as fast as the CLI's normal one used here.)
        LearningLoop loop(*ws, runtime->backbone);
        qint64 augmentedViews = 0;
        double augmentedSeconds = 0;
        std::optional<TrainOutcome> followUp;
        QString followUpError;
        QObject::connect(&loop, &LearningLoop::augmentedViewsReady, &loop, [&](qint64 views, double seconds) {
            augmentedViews = views;
            augmentedSeconds = seconds;
        }, Qt::DirectConnection);
        QObject::connect(&loop, &LearningLoop::trainingFinished, &loop, [&](const TrainOutcome& o) { followUp = o; }, Qt::DirectConnection);
        QObject::connect(&loop, &LearningLoop::trainingFailed, &loop, [&](const QString& m) { followUpError = m; }, Qt::DirectConnection);
        t.restart();
        TrainRequest request;
        request.centreFirstMinImages = 1; // whatever the sample's size: the figures are the app's way
        auto firstModel = loop.train(request);
        if (!firstModel) {
            err() << "petcurator-cli bench-learn: " << firstModel.error().message << "\n";
            return Failure;
        }
        const double firstTrainSeconds = secondsSince(t);
        const double firstModelSeconds = secondsSince(total);
        const QString firstMemory = stepMemory(QStringLiteral("first_model"));
        t.restart();
        loop.waitForIdle();
        const double followUpSeconds = secondsSince(t);
        const double allViewsModelSeconds = secondsSince(total);
        const QString augmentedMemory = stepMemory(QStringLiteral("augmented"));
        if (!firstModel->centreViewsOnly || !followUp || followUp->centreViewsOnly) {
            err() << "petcurator-cli bench-learn: the sample did not train on centre views first, then on every view"
                  << (followUpError.isEmpty() ? QString() : QStringLiteral(": ") + followUpError) << "\n";
            return Failure;
        }
        const double sessionPeak = std::max({memory[QStringLiteral("import_peak_rss_mb")].toDouble(),
                                             memory[QStringLiteral("first_model_peak_rss_mb")].toDouble(),
                                             memory[QStringLiteral("augmented_peak_rss_mb")].toDouble()});
        memory.insert(QStringLiteral("sample_session_peak_rss_mb"), sessionPeak);
        const int sampleImages = imported.added + imported.duplicates;
        const double centreViewsPerSecond = double(firstModel->viewsEmbedded) / std::max(firstModel->embeddingSeconds, 1e-9);
        const double augmentedViewsPerSecond = double(augmentedViews) / std::max(augmentedSeconds, 1e-9);
        const double cacheSeconds = firstModel->embeddingSeconds + augmentedSeconds;
        const double cacheViewsPerSecond = double(firstModel->viewsEmbedded + augmentedViews) / std::max(cacheSeconds, 1e-9);
        result.insert(QStringLiteral("sample_images"), sampleImages);
        result.insert(QStringLiteral("import_s"), importSeconds);
        result.insert(QStringLiteral("centre_views"), firstModel->viewsEmbedded);
        result.insert(QStringLiteral("centre_views_s"), firstModel->embeddingSeconds);
        result.insert(QStringLiteral("centre_views_per_s"), centreViewsPerSecond);
        result.insert(QStringLiteral("first_train_s"), firstTrainSeconds - firstModel->embeddingSeconds);
        result.insert(QStringLiteral("import_to_active_model_s"), firstModelSeconds); // the first model, on centre views
        result.insert(QStringLiteral("first_model_activated"), firstModel->activated);
        result.insert(QStringLiteral("augmented_views"), augmentedViews);
        result.insert(QStringLiteral("augmented_views_s"), augmentedSeconds);
        result.insert(QStringLiteral("augmented_views_per_s"), augmentedViewsPerSecond);
        result.insert(QStringLiteral("embedding_s"), cacheSeconds);
        result.insert(QStringLiteral("embedding_views_per_image"), 5);
        result.insert(QStringLiteral("embedding_views_per_s"), cacheViewsPerSecond);
        result.insert(QStringLiteral("embedding_img_per_s"), double(sampleImages) / std::max(cacheSeconds, 1e-9));
        result.insert(QStringLiteral("follow_up_train_s"), followUpSeconds - augmentedSeconds);
        result.insert(QStringLiteral("import_to_all_views_model_s"), allViewsModelSeconds);
        result.insert(QStringLiteral("all_views_model_activated"), followUp->activated);
        say(QStringLiteral("import %1 images %2 s; centre views %3 s (%4 views/s), training %5 s; import → first active model %6 s")
                .arg(sampleImages).arg(importSeconds, 0, 'f', 1).arg(firstModel->embeddingSeconds, 0, 'f', 1).arg(centreViewsPerSecond, 0, 'f', 1)
                .arg(firstTrainSeconds - firstModel->embeddingSeconds, 0, 'f', 1).arg(firstModelSeconds, 0, 'f', 1));
        say(QStringLiteral("augmented views (4 per image, background) %1 s = %2 views/s; whole cache (centre + 4 views) %3 s = %4 views/s; "
                           "second training %5 s (%6); import → model on every view %7 s")
                .arg(augmentedSeconds, 0, 'f', 1).arg(augmentedViewsPerSecond, 0, 'f', 1).arg(cacheSeconds, 0, 'f', 1).arg(cacheViewsPerSecond, 0, 'f', 1)
                .arg(followUpSeconds - augmentedSeconds, 0, 'f', 1)
                .arg(followUp->activated ? QStringLiteral("%1 activated").arg(followUp->version) : QStringLiteral("%1 kept as a candidate: %2").arg(followUp->version, followUp->verdict))
                .arg(allViewsModelSeconds, 0, 'f', 1));
        say(QStringLiteral("memory (RSS after each step, and its peak): model loaded %1 MB; import %2; first model %3; augmented views and second training %4; "
                           "peak over import → model %5 MB")
                .arg(rssLoaded, 0, 'f', 0).arg(importMemory, firstMemory, augmentedMemory).arg(sessionPeak, 0, 'f', 0));

        // 2. Repeated stratified k-fold cross-validation on the same cached embeddings.
        const int folds = std::max(2, p.value(QStringLiteral("folds")).toInt());
        const int repeats = std::max(1, p.value(QStringLiteral("repeats")).toInt());
        const auto embeddingsRead = (*ws)->embeddings().all(backbone.weightsHash());
        const auto labelsRead = (*ws)->labels().currentByImage();
        for (const Error* e : {embeddingsRead ? nullptr : &embeddingsRead.error(), labelsRead ? nullptr : &labelsRead.error()})
            if (e) {
                err() << "petcurator-cli bench-learn: " << e->message << "\n";
                return Failure;
            }
        const QHash<qint64, cv::Mat>& embeddings = *embeddingsRead;
        const QHash<qint64, LabelEvent>& labels = *labelsRead;
        QMap<int, QVector<qint64>> byClass;
        for (auto it = labels.cbegin(); it != labels.cend(); ++it)
            if (embeddings.contains(it.key()))
                byClass[breeds.indexOf(it->breed)].append(it.key());
        std::mt19937 rng(7);
        cv::Mat pooled = cv::Mat::zeros(breeds.size(), breeds.size(), CV_32S);
        double sumTop1 = 0, sumMean = 0;
        std::vector<double> repeatMeans;
        for (int repeat = 0; repeat < repeats; ++repeat) {
            QHash<qint64, int> foldOf;
            for (auto it = byClass.begin(); it != byClass.end(); ++it) {
                std::sort(it->begin(), it->end());
                std::shuffle(it->begin(), it->end(), rng);
                for (qsizetype i = 0; i < it->size(); ++i)
                    foldOf.insert((*it)[i], int(i % folds));
            }
            double repeatMean = 0;
            for (int f = 0; f < folds; ++f) {
                LabelledEmbeddings train, test;
                for (auto it = foldOf.cbegin(); it != foldOf.cend(); ++it) {
                    const int label = breeds.indexOf(labels[it.key()].breed);
                    if (it.value() == f)
                        test.add(embeddings[it.key()].row(0), label, it.key());
                    else
                        train.add(embeddings[it.key()], label, it.key());
                }
                // No validation data inside the fold: the held-out fold is only for measuring.
                auto r = trainHead(train, {}, breeds.ids(), TrainerOptions{});
                if (!r) {
                    err() << "petcurator-cli bench-learn: " << r.error().message << "\n";
                    return Failure;
                }
                const Evaluation e = evaluate(r->head, test);
                sumTop1 += e.top1;
                sumMean += e.meanPerClass;
                repeatMean += e.meanPerClass / folds;
                pooled += e.confusion;
                say(QStringLiteral("  split %1, fold %2: top-1 %3%, mean per-class %4% (%5 held out)").arg(repeat + 1).arg(f + 1)
                        .arg(e.top1 * 100, 0, 'f', 1).arg(e.meanPerClass * 100, 0, 'f', 1).arg(e.count));
            }
            repeatMeans.push_back(repeatMean);
        }
        double spread = 0;
        for (double m : repeatMeans)
            spread += (m - sumMean / (folds * repeats)) * (m - sumMean / (folds * repeats));
        spread = repeats > 1 ? std::sqrt(spread / (repeats - 1)) : 0;
        double pooledMean = 0;
        int classes = 0;
        for (int c = 0; c < pooled.rows; ++c) {
            const int n = int(cv::sum(pooled.row(c))[0]);
            if (n > 0) {
                pooledMean += double(pooled.at<int>(c, c)) / n;
                ++classes;
            }
        }
        pooledMean /= std::max(1, classes);
        result.insert(QStringLiteral("precision"), precisionName(backbone.precision()));
        result.insert(QStringLiteral("cv_folds"), folds);
        result.insert(QStringLiteral("cv_repeats"), repeats);
        result.insert(QStringLiteral("cv_top1"), sumTop1 / (folds * repeats));
        result.insert(QStringLiteral("cv_mean_per_class"), sumMean / (folds * repeats));
        result.insert(QStringLiteral("cv_mean_per_class_sd"), spread);
        result.insert(QStringLiteral("cv_pooled_mean_per_class"), pooledMean);
        say(QStringLiteral("%1 × %2-fold cross-validation, backbone in %3: top-1 %4%, mean per-class %5% (sd over splits %6 pt; pooled over folds %7%)")
                .arg(repeats).arg(folds).arg(precisionName(backbone.precision())).arg(sumTop1 / (folds * repeats) * 100, 0, 'f', 2)
                .arg(sumMean / (folds * repeats) * 100, 0, 'f', 2).arg(spread * 100, 0, 'f', 2).arg(pooledMean * 100, 0, 'f', 1));

        // 3. One correction → incremental update → gate → activation, at workspace scale.
        const int scale = std::max(100, p.value(QStringLiteral("scale")).toInt());
        auto big = Workspace::open(tmp.filePath(QStringLiteral("scale")));
        if (!big) {
            err() << "petcurator-cli bench-learn: " << big.error().message << "\n";
            return Failure;
        }
        t.restart();
        // Synthetic vectors with the real embeddings' statistics: each class a centroid from the
        // sample plus noise, so the head has something real-sized to learn.
        std::normal_distribution<float> noise(0.0f, 0.35f);
        QVector<cv::Mat> centroids(breeds.size());
        for (auto it = byClass.cbegin(); it != byClass.cend(); ++it) {
            cv::Mat mean = cv::Mat::zeros(1, Backbone::kEmbeddingSize, CV_32F);
            for (qint64 id : *it)
                mean += embeddings[id].row(0);
            centroids[it.key()] = mean / double(it->size());
        }
        QVector<qint64> ids;
        // The breeds the sample has (all 37 in the Oxford sample; a smaller --oxford folder has fewer).
        const QList<int> present = byClass.keys();
        for (int i = 0; i < scale; ++i) {
            const int c = present[i % present.size()];
            const QByteArray bytes = QByteArray("synthetic image ") + QByteArray::number(i);
            auto added = (*big)->addImage(bytes, QStringLiteral("synthetic/%1.jpg").arg(i), 224, 224, QStringLiteral("synthetic"));
            if (!added) {
                err() << "petcurator-cli bench-learn: " << added.error().message << "\n";
                return Failure;
            }
            cv::Mat views(5, Backbone::kEmbeddingSize, CV_32F);
            for (int v = 0; v < 5; ++v)
                for (int d = 0; d < views.cols; ++d)
                    views.at<float>(v, d) = std::max(0.0f, centroids[c].at<float>(0, d) + noise(rng));
            if (auto s = (*big)->embeddings().put(added->id, backbone.weightsHash(), views); !s) {
                err() << "petcurator-cli bench-learn: " << s.error().message << "\n";
                return Failure;
            }
            if (auto s = (*big)->labels().add(added->id, breeds.at(c).id, LabelOrigin::Dataset, QStringLiteral("bench")); !s) {
                err() << "petcurator-cli bench-learn: " << s.error().message << "\n";
                return Failure;
            }
            ids << added->id;
        }
        const double setupSeconds = secondsSince(t);
        LearningLoop bigLoop(*big, runtime->backbone);
        t.restart();
        auto first = bigLoop.train({});
        const double fullSeconds = secondsSince(t);
        if (!first) {
            err() << "petcurator-cli bench-learn: " << first.error().message << "\n";
            return Failure;
        }
        std::vector<double> updates;
        QString lastVerdict;
        for (int k = 0; k < 3; ++k) {
            const qint64 id = ids[qsizetype(rng() % ids.size())];
            if (auto s = (*big)->labels().add(id, breeds.at(int(rng() % breeds.size())).id, LabelOrigin::Curator, QStringLiteral("bench")); !s) {
                err() << "petcurator-cli bench-learn: " << s.error().message << "\n";
                return Failure;
            }
            TrainRequest request;
            request.kind = TrainRequest::Kind::Incremental;
            request.trainer.maxEpochs = 3;
            t.restart();
            auto update = bigLoop.train(request);
            updates.push_back(secondsSince(t));
            if (!update) {
                err() << "petcurator-cli bench-learn: " << update.error().message << "\n";
                return Failure;
            }
            lastVerdict = update->verdict;
        }
        std::sort(updates.begin(), updates.end());
        result.insert(QStringLiteral("scale_images"), scale);
        result.insert(QStringLiteral("scale_full_train_s"), fullSeconds);
        result.insert(QStringLiteral("incremental_update_s_median"), updates[1]);
        result.insert(QStringLiteral("incremental_update_s_max"), updates.back());
        say(QStringLiteral("%1 images (synthetic embeddings, set up in %2 s): full training %3 s; one correction → new version gated and activated: median %4 s, max %5 s (last verdict: %6)")
                .arg(scale).arg(setupSeconds, 0, 'f', 1).arg(fullSeconds, 0, 'f', 1).arg(updates[1], 0, 'f', 2).arg(updates.back(), 0, 'f', 2).arg(lastVerdict));
        say(QStringLiteral("memory over the cross-validation and the %1-image trainings: %2").arg(scale).arg(stepMemory(QStringLiteral("scale"))));
        result.insert(QStringLiteral("memory"), memory);
        if (p.isSet(QStringLiteral("json")))
            out() << QJsonDocument(result).toJson(QJsonDocument::Compact) << "\n";
        return Success;
    }
};

} // namespace

std::unique_ptr<Command> makeBenchLearnCommand() { return std::make_unique<BenchLearnCommand>(); }

} // namespace pc::cli
