#include "model/ProcessMemory.h"
#include "Command.h"
#include "Runtime.h"

#include "imaging/CollectFiles.h"
#include "imaging/ImageDecoder.h"
#include "imaging/Preprocess.h"
#include "model/ActiveModel.h"
#include "model/Backbone.h"
#include "model/BatchEmbedder.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QThread>
#include <ctime>

namespace pc::cli {

namespace {

double percentile(std::vector<double> v, double q)
{
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    return v[size_t(std::clamp(q * double(v.size() - 1), 0.0, double(v.size() - 1)) + 0.5)];
}

// CPU seconds this process has used: on a shared machine, work per image is steadier than wall time.
double processCpuSeconds()
{
    timespec t{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return double(t.tv_sec) + double(t.tv_nsec) / 1e9;
}

// The 1-minute load average: figures from a shared machine mean little without it.
double loadAverage()
{
    QFile f(QStringLiteral("/proc/loadavg"));
    return f.open(QIODevice::ReadOnly) ? f.readLine().split(' ').value(0).toDouble() : -1;
}

class BenchCommand : public Command {
public:
    QString name() const override { return QStringLiteral("bench"); }
    QString summary() const override { return QStringLiteral("Latency, throughput and memory of the model on real images, per precision"); }

    void configure(QCommandLineParser& p) const override
    {
        p.addOption({QStringLiteral("images"), QStringLiteral("Folder of images (default: the images of $PETCURATOR_SAMPLE_DIR, or of the shared Oxford-IIIT Pet sample beside a source checkout)."),
                     QStringLiteral("DIR")});
        p.addOption({QStringLiteral("latency-images"), QStringLiteral("Images timed one at a time (default 100)."), QStringLiteral("N"), QStringLiteral("100")});
        p.addOption({QStringLiteral("view-images"), QStringLiteral("Images whose centre + 4 augmented views are embedded, as for the training cache (default 100)."),
                     QStringLiteral("N"), QStringLiteral("100")});
        p.addOption({QStringLiteral("views-per-forward"),
                     QStringLiteral("Views per forward pass, in the throughput run and the view cache (default 0: the fastest for the precision, as the app and the other commands use)."), QStringLiteral("N"),
                     QStringLiteral("0")});
        p.addOption({QStringLiteral("json"), QStringLiteral("Print one JSON object.")});
        addRuntimeOptions(p);
    }

    // Without --precision: every precision this CPU runs, each in a process of its own (so that
    // each RSS is its own), one after the other, side by side. With it: that one, here.
    int run(const QCommandLineParser& p) const override
    {
        if (p.isSet(QStringLiteral("precision")))
            return runOne(p);
        std::vector<Precision> precisions{Precision::Fp32};
        if (cpuHasBf16())
            precisions.push_back(Precision::Bf16);
        QJsonObject all;
        for (Precision precision : precisions) {
            QProcess child;
            child.setProcessChannelMode(QProcess::ForwardedErrorChannel);
            child.start(QCoreApplication::applicationFilePath(),
                        QCoreApplication::arguments().mid(1) + QStringList{QStringLiteral("--precision"), precisionName(precision), QStringLiteral("--json")});
            if (!child.waitForFinished(-1) || child.exitStatus() != QProcess::NormalExit || child.exitCode() != Success)
                return child.exitCode() == BadArguments ? BadArguments : Failure;
            const QByteArray lastLine = child.readAllStandardOutput().trimmed().split('\n').constLast();
            all.insert(precisionName(precision), QJsonDocument::fromJson(lastLine).object());
        }
        if (!cpuHasBf16())
            all.insert(QStringLiteral("bf16"), QJsonObject{{QStringLiteral("skipped"), QStringLiteral("no native bf16 on this CPU (%1)").arg(bf16Evidence())}});
        if (p.isSet(QStringLiteral("json"))) {
            out() << QJsonDocument(all).toJson(QJsonDocument::Compact) << "\n";
            return Success;
        }
        printSideBySide(all);
        return Success;
    }

    static void printSideBySide(const QJsonObject& all)
    {
        const QJsonObject f = all[QStringLiteral("fp32")].toObject(), b = all[QStringLiteral("bf16")].toObject();
        auto row = [&](const QString& label, const char* key, const QString& unit, const QString& target, int decimals = 1) {
            auto cell = [&](const QJsonObject& o) {
                return o.contains(QLatin1String(key)) ? QString::number(o[QLatin1String(key)].toDouble(), 'f', decimals) : QStringLiteral("-");
            };
            out() << label.leftJustified(42) << cell(f).rightJustified(9) << cell(b).rightJustified(9) << "  " << unit.leftJustified(9)
                  << target << "\n";
        };
        out() << QString().leftJustified(42) << QStringLiteral("fp32").rightJustified(9) << QStringLiteral("bf16").rightJustified(9) << "\n";
        row(QStringLiteral("throughput, decode + embed (2 workers)"), "throughput_img_per_s", QStringLiteral("img/s"), QStringLiteral("target >= 130"));
        row(QStringLiteral("one image, decode to top-3: p50"), "latency_p50_ms", QStringLiteral("ms"), QStringLiteral("target <= 10"));
        row(QStringLiteral("one image, decode to top-3: p95"), "latency_p95_ms", QStringLiteral("ms"), QString());
        row(QStringLiteral("  decode, p50"), "decode_p50_ms", QStringLiteral("ms"), QStringLiteral("the same images, by stage"), 2);
        row(QStringLiteral("  preprocess (resize, crop), p50"), "preprocess_p50_ms", QStringLiteral("ms"), QString(), 2);
        row(QStringLiteral("  forward pass, p50"), "forward_p50_ms", QStringLiteral("ms"), QString(), 2);
        row(QStringLiteral("  breed head, p50"), "head_p50_ms", QStringLiteral("ms"), QString(), 2);
        row(QStringLiteral("augmented-view cache (centre + 4 views)"), "views_per_s", QStringLiteral("views/s"), QStringLiteral("target >= 100"));
        row(QStringLiteral("CPU time per image, throughput run"), "throughput_cpu_ms_per_img", QStringLiteral("ms"), QStringLiteral("steadier under load"));
        row(QStringLiteral("CPU time per view, view cache"), "views_cpu_ms_per_view", QStringLiteral("ms"), QString());
        row(QStringLiteral("RSS with the model loaded"), "rss_model_loaded_mb", QStringLiteral("MB"), QStringLiteral("target <= 300"));
        row(QStringLiteral("peak RSS"), "peak_rss_mb", QStringLiteral("MB"), QString());
        row(QStringLiteral("model load"), "model_load_ms", QStringLiteral("ms"), QString());
        row(QStringLiteral("load average (1 min) at the end"), "load_average", QString(), QString());
        if (b.contains(QStringLiteral("skipped")))
            out() << "bf16 skipped: " << b[QStringLiteral("skipped")].toString() << "\n";
        out() << "images: " << f[QStringLiteral("throughput_images")].toInt() << " for throughput, " << f[QStringLiteral("latency_images")].toInt()
              << " for latency, " << f[QStringLiteral("view_images")].toInt() << " for views; " << f[QStringLiteral("threads")].toInt()
              << " torch threads for latency\n";
    }

    int runOne(const QCommandLineParser& p) const
    {
        bool perForwardOk = false;
        const int viewsPerForward = p.value(QStringLiteral("views-per-forward")).toInt(&perForwardOk);
        if (!perForwardOk || viewsPerForward < 0 || viewsPerForward > 64) {
            err() << "petcurator-cli bench: --views-per-forward must be a number from 0 to 64\n";
            return BadArguments;
        }
        const double rssBefore = processMemoryMb("VmRSS");
        QElapsedTimer timer;
        timer.start();
        auto runtime = Runtime::open(p);
        if (!runtime)
            return runtime.error();
        const double loadMs = double(timer.nsecsElapsed()) / 1e6;
        const double rssLoaded = processMemoryMb("VmRSS");

        QString imagesDir = p.value(QStringLiteral("images"));
        if (imagesDir.isEmpty()) {
            const QString sample = defaultSampleDir();
            if (sample.isEmpty()) {
                err() << "petcurator-cli bench: no images to time: give --images DIR, or set PETCURATOR_SAMPLE_DIR to an Oxford-IIIT Pet folder\n";
                return BadArguments;
            }
            imagesDir = sample + QStringLiteral("/images");
        }
        if (!QFileInfo(imagesDir).isDir()) {
            err() << "petcurator-cli bench: " << imagesDir << " is not a folder\n";
            return BadArguments;
        }
        const QStringList files = collectFiles({imagesDir});
        if (files.isEmpty()) {
            err() << "petcurator-cli bench: no files in " << imagesDir << "\n";
            return BadArguments;
        }
        const int latencyImages = std::min<int>(p.value(QStringLiteral("latency-images")).toInt(), int(files.size()));

        // Single-image latency: decode + preprocess + forward + head, one image at a time.
        for (int i = 0; i < std::min<int>(5, int(files.size())); ++i)
            if (auto r = runtime->predictor->predictFile(files[i]); !r)
                err() << "petcurator-cli bench: warm-up skips " << files[i] << ": " << r.error().message << "\n";
        std::vector<double> ms;
        for (int i = 0; i < latencyImages; ++i) {
            QElapsedTimer t;
            t.start();
            if (runtime->predictor->predictFile(files[i]))
                ms.push_back(double(t.nsecsElapsed()) / 1e6);
        }
        const double rssAfterLatency = processMemoryMb("VmRSS");

        // Where that time goes: the same images again, one stage at a time.
        std::vector<double> decodeMs, preprocessMs, forwardMs, headMs;
        const ImageDecoder decoder(runtime->limits);
        const std::shared_ptr<const ModelSnapshot> snapshot = runtime->active->snapshot();
        for (int i = 0; i < latencyImages && snapshot; ++i) {
            QElapsedTimer t;
            t.start();
            const auto image = decoder.decodeFile(files[i]);
            if (!image)
                continue;
            decodeMs.push_back(double(t.nsecsElapsed()) / 1e6);
            t.restart();
            const cv::Mat view = preprocessCenter(image->rgb);
            preprocessMs.push_back(double(t.nsecsElapsed()) / 1e6);
            t.restart();
            const Embeddings e = runtime->backbone->embed({view});
            forwardMs.push_back(double(t.nsecsElapsed()) / 1e6);
            t.restart();
            snapshot->head.probabilities(e.embedding);
            headMs.push_back(double(t.nsecsElapsed()) / 1e6);
        }

        // Throughput: every image, decoded on a pool, embedded in batches.
        timer.restart();
        double cpu = processCpuSeconds();
        BatchEmbedOptions options;
        options.limits = runtime->limits;
        options.viewsPerForward = viewsPerForward;
        const auto embedded = embedFiles(*runtime->backbone, files, options);
        const double seconds = double(timer.nsecsElapsed()) / 1e9;
        const double cpuMsPerImage = (processCpuSeconds() - cpu) * 1000;
        const auto ok = std::count_if(embedded.begin(), embedded.end(), [](const EmbeddedFile& e) { return !e.error; });

        // The training cache: centre + 4 augmented views per image, batched as the cache does it.
        const int viewImages = std::clamp(p.value(QStringLiteral("view-images")).toInt(), 1, int(files.size()));
        BatchEmbedOptions viewOptions = options;
        viewOptions.augmentedViews = 4;
        viewOptions.viewsPerForward = viewsPerForward;
        const int perForward = viewOptions.viewsPerForward > 0 ? viewOptions.viewsPerForward : fastestViewsPerForward(runtime->backbone->precision());
        timer.restart();
        cpu = processCpuSeconds();
        const auto viewed = embedFiles(*runtime->backbone, files.mid(0, viewImages), viewOptions);
        const double viewSeconds = double(timer.nsecsElapsed()) / 1e9;
        const double cpuMsPerView = (processCpuSeconds() - cpu) * 1000;
        const auto viewedOk = std::count_if(viewed.begin(), viewed.end(), [](const EmbeddedFile& e) { return !e.error; });
        const double viewsPerSecond = double(viewedOk) * (1 + viewOptions.augmentedViews) / viewSeconds;

        const QJsonObject result{
            {QStringLiteral("precision"), precisionName(runtime->backbone->precision())},
            {QStringLiteral("view_images"), int(viewedOk)},
            {QStringLiteral("views_per_s"), std::round(viewsPerSecond * 10) / 10},
            {QStringLiteral("views_per_forward"), perForward},
            {QStringLiteral("throughput_cpu_ms_per_img"), std::round(cpuMsPerImage / std::max<double>(1, ok) * 10) / 10},
            {QStringLiteral("views_cpu_ms_per_view"), std::round(cpuMsPerView / std::max<double>(1, viewedOk * 5) * 10) / 10},
            {QStringLiteral("load_average"), loadAverage()},
            {QStringLiteral("threads"), Backbone::threads()},
            {QStringLiteral("model_load_ms"), std::round(loadMs)},
            {QStringLiteral("latency_images"), int(ms.size())},
            {QStringLiteral("latency_p50_ms"), std::round(percentile(ms, 0.5) * 10) / 10},
            {QStringLiteral("latency_p95_ms"), std::round(percentile(ms, 0.95) * 10) / 10},
            {QStringLiteral("decode_p50_ms"), std::round(percentile(decodeMs, 0.5) * 100) / 100},
            {QStringLiteral("preprocess_p50_ms"), std::round(percentile(preprocessMs, 0.5) * 100) / 100},
            {QStringLiteral("forward_p50_ms"), std::round(percentile(forwardMs, 0.5) * 100) / 100},
            {QStringLiteral("head_p50_ms"), std::round(percentile(headMs, 0.5) * 100) / 100},
            {QStringLiteral("throughput_images"), int(ok)},
            {QStringLiteral("throughput_workers"), QThread::idealThreadCount()},
            {QStringLiteral("throughput_img_per_s"), std::round(double(ok) / seconds * 10) / 10},
            {QStringLiteral("rss_start_mb"), std::round(rssBefore)},
            {QStringLiteral("rss_model_loaded_mb"), std::round(rssLoaded)},
            {QStringLiteral("rss_after_latency_mb"), std::round(rssAfterLatency)},
            {QStringLiteral("peak_rss_mb"), std::round(processMemoryMb("VmHWM"))},
        };
        if (p.isSet(QStringLiteral("json"))) {
            out() << QJsonDocument(result).toJson(QJsonDocument::Compact) << "\n";
        } else {
            out() << "precision               " << precisionName(runtime->backbone->precision()) << "\n"
                  << "threads                 " << result[QStringLiteral("threads")].toInt() << "\n"
                  << "model load              " << loadMs << " ms\n"
                  << "latency (" << ms.size() << " images)    p50 " << percentile(ms, 0.5) << " ms, p95 " << percentile(ms, 0.95)
                  << " ms  (decode + preprocess + forward + head)\n"
                  << "  by stage, p50         decode " << percentile(decodeMs, 0.5) << ", preprocess " << percentile(preprocessMs, 0.5)
                  << ", forward " << percentile(forwardMs, 0.5) << ", head " << percentile(headMs, 0.5) << " ms\n"
                  << "embedding throughput    " << double(ok) / seconds << " img/s (" << ok << " images, " << QThread::idealThreadCount() << " workers)\n"
                  << "augmented-view cache    " << viewsPerSecond << " views/s (" << viewedOk << " images × 5 views, " << perForward << " a pass)\n"
                  << "RSS with model loaded   " << rssLoaded << " MB\n"
                  << "peak RSS                " << processMemoryMb("VmHWM") << " MB\n"
                  << "load average            " << loadAverage() << "\n";
        }
        return Success;
    }
};

} // namespace

std::unique_ptr<Command> makeBenchCommand() { return std::make_unique<BenchCommand>(); }

} // namespace pc::cli
