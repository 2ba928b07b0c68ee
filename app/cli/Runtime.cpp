#include "Runtime.h"

#include "model/Backbone.h"
#include "model/ZeroShotHead.h"
#include "training/LearningLoop.h"
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
