#include "Runtime.h"

#include "model/Backbone.h"
#include "model/BreedCatalog.h"
#include "model/ZeroShotHead.h"
#include "training/ContentOrder.h"
#include "training/EmbeddingCache.h"
#include "training/LearningLoop.h"
#include "workspace/DatasetImporter.h"
#include "workspace/Workspace.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QThread>
#include <csignal>

namespace pc::cli {

namespace {
std::atomic_bool g_interrupted{false};
extern "C" void onInterrupt(int) { g_interrupted = true; }
} // namespace

const std::atomic_bool& interruptFlag() { return g_interrupted; }

std::optional<CentreEmbeddings> centreEmbeddingsFor(const Runtime& runtime, const QVector<qint64>& imageIds, const QString& command)
{
    catchInterrupts();
    EmbeddingCacheOptions cache;
    cache.cancel = &interruptFlag();
    cache.progress = progressLines(QStringLiteral("embedding"));
    auto embeddings = computeCentreEmbeddings(*runtime.workspace, *runtime.backbone, imageIds, cache);
    if (!embeddings) {
        err() << "petcurator-cli " << command << ": " << embeddings.error().message << "\n";
        return std::nullopt;
    }
    return std::move(*embeddings);
}

void addSampleOption(QCommandLineParser& parser)
{
    parser.addOption({QStringLiteral("oxford"), QStringLiteral("Oxford-IIIT Pet folder (default: $PETCURATOR_SAMPLE_DIR, or the shared sample beside a source checkout)."), QStringLiteral("DIR")});
}

std::optional<QString> sampleOption(const QCommandLineParser& parser, const QString& command)
{
    const QString oxford = parser.isSet(QStringLiteral("oxford")) ? parser.value(QStringLiteral("oxford")) : defaultSampleDir();
    if (oxford.isEmpty()) {
        err() << "petcurator-cli " << command << ": no sample to learn from: give --oxford DIR, or set PETCURATOR_SAMPLE_DIR to an Oxford-IIIT Pet folder\n";
        return std::nullopt;
    }
    if (!QFileInfo(oxford).isDir()) {
        err() << "petcurator-cli " << command << ": " << oxford << " is not a folder\n";
        return std::nullopt;
    }
    return oxford;
}

std::optional<SampleEmbeddings> labelledSampleEmbeddings(const Runtime& runtime, const QString& oxford, const QString& workspaceDir,
                                                         bool centreOnly, const QString& command)
{
    auto fail = [&](const QString& why) -> std::optional<SampleEmbeddings> {
        err() << "petcurator-cli " << command << ": " << why << "\n";
        return std::nullopt;
    };
    catchInterrupts();
    auto ws = Workspace::open(workspaceDir);
    if (!ws)
        return fail(ws.error().message);
    const ImportReport imported = importOxford(**ws, oxford);
    if (imported.labelled == 0)
        return fail(QStringLiteral("%1 gave no labelled images%2").arg(oxford, imported.issues.isEmpty() ? QString() : QStringLiteral(": ") + imported.issues.constFirst().reason));
    EmbeddingCacheOptions cacheOptions;
    cacheOptions.views = centreOnly ? EmbeddingCacheOptions::Views::CentreOnly : EmbeddingCacheOptions::Views::All;
    cacheOptions.cancel = &interruptFlag();
    cacheOptions.progress = progressLines(QStringLiteral("embedding"));
    auto cached = updateEmbeddingCache(**ws, *runtime.backbone, cacheOptions);
    if (!cached)
        return fail(cached.error().message);
    if (cached->cancelled)
        return fail(QStringLiteral("interrupted"));
    const auto embeddings = (*ws)->embeddings().all(runtime.backbone->weightsHash());
    const auto labels = (*ws)->labels().currentByImage();
    if (!embeddings || !labels)
        return fail(embeddings ? labels.error().message : embeddings.error().message);
    auto ids = inContentOrder(**ws, labels->keys());
    if (!ids)
        return fail(ids.error().message);
    const BreedCatalog& breeds = BreedCatalog::oxford();
    SampleEmbeddings sample;
    sample.embeddingSeconds = cached->seconds;
    for (qint64 id : std::as_const(*ids))
        if (embeddings->contains(id))
            sample.data.add(centreOnly ? embeddings->value(id).row(0) : embeddings->value(id), breeds.indexOf(labels->value(id).breed), id);
    return sample;
}

std::function<void(int, int)> progressLines(const QString& what)
{
    return [what, shown = -1](int done, int total) mutable {
        const int step = total > 0 ? done * 20 / total : 0;
        if (total <= 0 || (step == shown && done != total))
            return;
        shown = step;
        err() << what << " " << done << "/" << total << "\n";
        err().flush();
    };
}

void catchInterrupts()
{
    std::signal(SIGINT, onInterrupt);
    std::signal(SIGTERM, onInterrupt);
}

QString defaultSampleDir()
{
    const auto isSample = [](const QString& dir) { return QFileInfo::exists(dir + QStringLiteral("/annotations/list.txt")); };
    const QString fromEnv = qEnvironmentVariable("PETCURATOR_SAMPLE_DIR");
    if (!fromEnv.isEmpty())
        return isSample(fromEnv) ? QDir(fromEnv).absolutePath() : QString();
    QDir dir(QCoreApplication::applicationDirPath());
    for (int up = 0; up < 5 && dir.cdUp(); ++up) {
        const QString candidate = dir.filePath(QStringLiteral("shared/datasets/oxford-iiit-pet-sample"));
        if (isSample(candidate))
            return QDir(candidate).canonicalPath();
    }
    return {};
}

void addRuntimeOptions(QCommandLineParser& p)
{
    p.addOption({QStringLiteral("workspace"), QStringLiteral("Workspace folder (default: $PETCURATOR_WORKSPACE or the app data folder)."), QStringLiteral("DIR")});
    p.addOption({QStringLiteral("weights"), QStringLiteral("Folder with the EfficientNet-B0 weights (default: $PETCURATOR_WEIGHTS_DIR or the cache)."), QStringLiteral("DIR")});
    p.addOption({QStringLiteral("threads"), QStringLiteral("Compute threads (default: all cores)."), QStringLiteral("N")});
    p.addOption({QStringLiteral("precision"),
                 QStringLiteral("Backbone number format: auto (bf16 where the CPU has native bfloat16, else fp32), fp32 or bf16 (default auto)."),
                 QStringLiteral("auto|fp32|bf16"), QStringLiteral("auto")});
    p.addOption({QStringLiteral("max-pixels"), QStringLiteral("Refuse images with more pixels than this (default 100000000)."), QStringLiteral("N")});
}

Expected<Precision, int> precisionOption(const QCommandLineParser& p)
{
    const auto choice = parsePrecisionChoice(p.value(QStringLiteral("precision")));
    if (!choice) {
        err() << "petcurator-cli: " << choice.error().message << "\n";
        return int(BadArguments);
    }
    const auto precision = resolvePrecision(*choice);
    if (!precision) {
        err() << "petcurator-cli: " << precision.error().message << "\n";
        return int(BadArguments);
    }
    return *precision;
}

QString Runtime::workspaceDir(const QCommandLineParser& p)
{
    return p.isSet(QStringLiteral("workspace")) ? p.value(QStringLiteral("workspace")) : Workspace::defaultLocation();
}

Expected<Runtime, int> Runtime::open(const QCommandLineParser& p, WorkspaceUse use)
{
    Runtime r;
    if (p.isSet(QStringLiteral("threads"))) {
        bool ok = false;
        const int n = p.value(QStringLiteral("threads")).toInt(&ok);
        if (!ok || n < 1 || n > 256) {
            err() << "petcurator-cli: --threads must be a number from 1 to 256\n";
            return int(BadArguments);
        }
        Backbone::setThreads(n);
    } else {
        Backbone::setThreads(QThread::idealThreadCount());
    }
    if (p.isSet(QStringLiteral("max-pixels"))) {
        bool ok = false;
        r.limits.maxPixels = p.value(QStringLiteral("max-pixels")).toLongLong(&ok);
        if (!ok || r.limits.maxPixels < 1) {
            err() << "petcurator-cli: --max-pixels must be a positive number\n";
            return int(BadArguments);
        }
    }
    const auto precision = precisionOption(p);
    if (!precision)
        return precision.error();
    auto backbone = Backbone::load(p.isSet(QStringLiteral("weights")) ? p.value(QStringLiteral("weights")) : Backbone::defaultWeightsDir(),
                                   *precision);
    if (!backbone) {
        err() << "petcurator-cli: " << backbone.error().message << "\n";
        return int(Failure);
    }
    r.backbone = *backbone;

    const QString dir = workspaceDir(p);
    const bool wanted = use == WorkspaceUse::Required
        || (use == WorkspaceUse::IfExists && QFileInfo::exists(dir + QStringLiteral("/workspace.sqlite")));
    if (wanted) {
        auto ws = Workspace::open(dir);
        if (!ws) {
            err() << "petcurator-cli: " << ws.error().message << "\n";
            return int(Failure);
        }
        r.workspace = *ws;
        r.loop = std::make_shared<LearningLoop>(r.workspace, r.backbone);
        r.active = r.loop->activeModel();
    } else {
        r.active = std::make_shared<ActiveModel>(std::make_shared<const ModelSnapshot>(
            ModelSnapshot{QStringLiteral("zero-shot"), makeZeroShotHead(*r.backbone), nullptr}));
    }
    r.predictor = std::make_shared<Predictor>(r.backbone, r.active, r.limits);
    return r;
}

} // namespace pc::cli
