#include "Command.h"
#include "Runtime.h"

#include "curation/EmbeddingClusters.h"
#include "curation/ImageGroups.h"
#include "curation/NearDuplicates.h"
#include "model/ProcessMemory.h"
#include "training/EmbeddingCache.h"
#include "workspace/DatasetImporter.h"
#include "workspace/Workspace.h"

#include <QElapsedTimer>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <opencv2/core.hpp>

#include <random>

namespace pc::cli {

namespace {

double secondsOf(const QElapsedTimer& t) { return double(t.nsecsElapsed()) / 1e9; }

// Share of images whose group's most common breed (by their labels) is their own.
double purity(const ImageGrouping& grouping, const QHash<qint64, LabelEvent>& labels)
{
    int agreeing = 0, total = 0;
    for (const ImageGroup& g : grouping.groups) {
        QHash<QString, int> count;
        for (qint64 id : g.imageIds)
            ++count[labels.value(id).breed];
        agreeing += *std::max_element(count.cbegin(), count.cend());
        total += int(g.imageIds.size());
    }
    return total ? double(agreeing) / total : 0;
}

class BenchGroupsCommand : public Command {
public:
    QString name() const override { return QStringLiteral("bench-groups"); }
    QString summary() const override { return QStringLiteral("Benchmark grouping and near-duplicate search (the sample, then 10,000 rows)"); }

    void configure(QCommandLineParser& p) const override
    {
        p.addOption({QStringLiteral("sample"), QStringLiteral("Oxford-IIIT Pet folder (default: the shared sample)."), QStringLiteral("DIR")});
        p.addOption({QStringLiteral("rows"), QStringLiteral("Rows of the scale test (default 10000)."), QStringLiteral("N")});
        p.addOption({QStringLiteral("json"), QStringLiteral("Print JSON.")});
        addRuntimeOptions(p);
    }

    int run(const QCommandLineParser& p) const override
    {
        int rows = 10000;
        if (!intOption(p, name(), QStringLiteral("rows"), 100, 1000000, rows))
            return BadArguments;
        const QString sample = p.isSet(QStringLiteral("sample")) ? p.value(QStringLiteral("sample")) : defaultSampleDir();
        if (sample.isEmpty() || !QFileInfo::exists(sample + QStringLiteral("/annotations/list.txt"))) {
            err() << "petcurator-cli bench-groups: no Oxford-IIIT Pet folder (give --sample DIR)\n";
            return BadArguments;
        }
        auto runtime = Runtime::open(p, Runtime::WorkspaceUse::None);
        if (!runtime)
            return runtime.error();
        QTemporaryDir tmp;
        auto ws = Workspace::open(tmp.filePath(QStringLiteral("ws")));
        if (!tmp.isValid() || !ws) {
            err() << "petcurator-cli bench-groups: cannot create a scratch workspace" << (ws ? QString() : QStringLiteral(": ") + ws.error().message) << "\n";
            return Failure;
        }
        catchInterrupts();
        ImportOptions import;
        import.cancel = &interruptFlag();
        const ImportReport imported = importOxford(**ws, sample, import);
        auto labels = (*ws)->labels().currentByImage();
        auto ids = imagesIn(**ws, ImageScope::All);
        if (!labels || !ids) {
            err() << "petcurator-cli bench-groups: " << (!labels ? labels.error() : ids.error()).message << "\n";
            return Failure;
        }
        EmbeddingCacheOptions cache;
        cache.cancel = &interruptFlag();
        cache.progress = progressLines(QStringLiteral("embedding"));
        QElapsedTimer timer;
        timer.start();
        auto embeddings = computeCentreEmbeddings(**ws, *runtime->backbone, *ids, cache);
        if (!embeddings) {
            err() << "petcurator-cli bench-groups: " << embeddings.error().message << "\n";
            return Failure;
        }
        const double embedSeconds = secondsOf(timer);
        const int n = embeddings->rows.rows;

        QJsonObject result{{QStringLiteral("sample_images"), n}, {QStringLiteral("imported"), imported.added},
                           {QStringLiteral("embed_seconds"), embedSeconds}};
        // The sample itself: groups against the breeds, and its near-duplicates. The automatic k
        // is the app's: the breeds the model (the zero-shot head here) sees among the photos.
        const auto model = runtime->active->snapshot();
        const QStringList predicted = model ? topBreeds(model->head, embeddings->rows) : QStringList();
        for (int k : {0, 37}) {
            ClusterOptions options;
            options.k = k;
            timer.restart();
            auto g = groupImages(*embeddings, predicted, options);
            if (!g) {
                err() << "petcurator-cli bench-groups: " << g.error().message << "\n";
                return Failure;
            }
            const QString key = k == 0 ? QStringLiteral("sample_auto") : QStringLiteral("sample_k37");
            result.insert(key, QJsonObject{{QStringLiteral("k"), g->k}, {QStringLiteral("seconds"), secondsOf(timer)},
                                           {QStringLiteral("purity"), purity(*g, *labels)}});
        }
        // The embeddings' own choice, without predictions (simplified silhouette).
        timer.restart();
        const int silhouetteK = automaticK(embeddings->rows);
        result.insert(QStringLiteral("sample_silhouette_k"), silhouetteK);
        result.insert(QStringLiteral("sample_silhouette_seconds"), secondsOf(timer));
        QJsonObject duplicates;
        for (float threshold : {0.90f, 0.95f, 0.97f, 0.99f}) {
            auto pairs = findNearDuplicates(embeddings->rows, threshold);
            duplicates.insert(QString::number(double(threshold), 'f', 2), pairs ? int(pairs->size()) : -1);
        }
        result.insert(QStringLiteral("sample_near_duplicate_pairs"), duplicates);

        // Scale: `rows` rows made of the sample's real embeddings, each repeat with its own noise
        // (about 0.8 cosine to the original), so the groups are as hard as the real ones and no
        // repeat is a near-duplicate of another.
        cv::Mat big(rows, embeddings->rows.cols, CV_32F);
        std::mt19937 rng(1);
        std::normal_distribution<float> noise(0.f, 1.f);
        for (int i = 0; i < rows; ++i) {
            const cv::Mat source = embeddings->rows.row(i % n);
            cv::Mat row = big.row(i);
            source.copyTo(row);
            if (i >= n) {
                const float scale = float(0.75 * cv::norm(source) / std::sqrt(double(source.cols)));
                for (int d = 0; d < row.cols; ++d)
                    row.at<float>(0, d) += scale * noise(rng);
            }
        }
        CentreEmbeddings scaled;
        scaled.rows = big;
        for (int i = 0; i < rows; ++i)
            scaled.imageIds << i;
        resetPeakMemory();
        timer.restart();
        const QStringList scaledPredicted = model ? topBreeds(model->head, big) : QStringList();
        auto automatic = groupImages(scaled, scaledPredicted, {});
        const double autoSeconds = secondsOf(timer);
        ClusterOptions fixed;
        fixed.k = 37;
        timer.restart();
        auto k37 = clusterEmbeddings(big, fixed);
        const double fixedSeconds = secondsOf(timer);
        timer.restart();
        auto pairs = findNearDuplicates(big, kDefaultNearDuplicateThreshold);
        const double pairSeconds = secondsOf(timer);
        if (!automatic || !k37 || !pairs) {
            err() << "petcurator-cli bench-groups: grouping failed\n";
            return Failure;
        }
        result.insert(QStringLiteral("rows"), rows);
        result.insert(QStringLiteral("auto_seconds"), autoSeconds);
        result.insert(QStringLiteral("auto_k"), automatic->k);
        result.insert(QStringLiteral("k37_seconds"), fixedSeconds);
        result.insert(QStringLiteral("near_duplicates_seconds"), pairSeconds);
        result.insert(QStringLiteral("peak_rss_mb"), processMemoryMb("VmHWM"));

        if (p.isSet(QStringLiteral("json"))) {
            out() << QJsonDocument(result).toJson(QJsonDocument::Compact) << "\n";
            return Success;
        }
        const QJsonObject sa = result[QStringLiteral("sample_auto")].toObject(), sk = result[QStringLiteral("sample_k37")].toObject();
        out() << QStringLiteral("sample: %1 photos, centre embeddings in %2 s\n").arg(n).arg(embedSeconds, 0, 'f', 1);
        out() << QStringLiteral("  groups, automatic k (breeds the zero-shot head sees): k=%1 in %2 s, purity %3 % (share of photos in a group whose most common breed is theirs)\n")
                     .arg(sa[QStringLiteral("k")].toInt()).arg(sa[QStringLiteral("seconds")].toDouble(), 0, 'f', 3)
                     .arg(100 * sa[QStringLiteral("purity")].toDouble(), 0, 'f', 1);
        out() << QStringLiteral("  groups, k=37: %1 s, purity %2 %\n").arg(sk[QStringLiteral("seconds")].toDouble(), 0, 'f', 3)
                     .arg(100 * sk[QStringLiteral("purity")].toDouble(), 0, 'f', 1);
        out() << QStringLiteral("  the embeddings' own k (simplified silhouette, no predictions): %1, in %2 s\n")
                     .arg(silhouetteK).arg(result[QStringLiteral("sample_silhouette_seconds")].toDouble(), 0, 'f', 2);
        out() << "  near-duplicate pairs:";
        for (auto it = duplicates.begin(); it != duplicates.end(); ++it)
            out() << " " << it.value().toInt() << " at cosine ≥ " << it.key() << ";";
        out() << "\n";
        out() << QStringLiteral("%1 rows (the sample's embeddings, repeated with noise):\n").arg(rows);
        out() << QStringLiteral("  groups, automatic k: k=%1 in %2 s, predictions from the embeddings included (target ≤ 2 s)\n").arg(automatic->k).arg(autoSeconds, 0, 'f', 2);
        out() << QStringLiteral("  groups, k=37: %1 s\n").arg(fixedSeconds, 0, 'f', 2);
        out() << QStringLiteral("  near-duplicates (all pairs): %1 s\n").arg(pairSeconds, 0, 'f', 2);
        out() << QStringLiteral("  peak RSS %1 MB\n").arg(processMemoryMb("VmHWM"), 0, 'f', 0);
        return Success;
    }
};

} // namespace

std::unique_ptr<Command> makeBenchGroupsCommand() { return std::make_unique<BenchGroupsCommand>(); }

} // namespace pc::cli
