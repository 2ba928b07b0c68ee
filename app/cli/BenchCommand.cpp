#include "model/ProcessMemory.h"
#include "Command.h"
#include "Runtime.h"

#include "imaging/CollectFiles.h"
#include "model/Backbone.h"
#include "model/BatchEmbedder.h"

#include <QElapsedTimer>
#include <QFileInfo>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QThread>

namespace pc::cli {

namespace {

double percentile(std::vector<double> v, double q)
{
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    return v[size_t(std::clamp(q * double(v.size() - 1), 0.0, double(v.size() - 1)) + 0.5)];
}

class BenchCommand : public Command {
public:
    QString name() const override { return QStringLiteral("bench"); }
    QString summary() const override { return QStringLiteral("Latency, throughput and memory of the model on real images"); }

    void configure(QCommandLineParser& p) const override
    {
        p.addOption({QStringLiteral("images"), QStringLiteral("Folder of images (default: the images of $PETCURATOR_SAMPLE_DIR, or of the shared Oxford-IIIT Pet sample beside a source checkout)."),
                     QStringLiteral("DIR")});
        p.addOption({QStringLiteral("latency-images"), QStringLiteral("Images timed one at a time (default 100)."), QStringLiteral("N"), QStringLiteral("100")});
        p.addOption({QStringLiteral("json"), QStringLiteral("Print one JSON object.")});
        addRuntimeOptions(p);
    }

    int run(const QCommandLineParser& p) const override
    {
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

        // Throughput: every image, decoded on a pool, embedded in batches.
        timer.restart();
        BatchEmbedOptions options;
        options.limits = runtime->limits;
        const auto embedded = embedFiles(*runtime->backbone, files, options);
        const double seconds = double(timer.nsecsElapsed()) / 1e9;
        const auto ok = std::count_if(embedded.begin(), embedded.end(), [](const EmbeddedFile& e) { return !e.error; });

        const QJsonObject result{
            {QStringLiteral("threads"), Backbone::threads()},
            {QStringLiteral("model_load_ms"), std::round(loadMs)},
            {QStringLiteral("latency_images"), int(ms.size())},
            {QStringLiteral("latency_p50_ms"), std::round(percentile(ms, 0.5) * 10) / 10},
            {QStringLiteral("latency_p95_ms"), std::round(percentile(ms, 0.95) * 10) / 10},
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
            out() << "threads                 " << result[QStringLiteral("threads")].toInt() << "\n"
                  << "model load              " << loadMs << " ms\n"
                  << "latency (" << ms.size() << " images)    p50 " << percentile(ms, 0.5) << " ms, p95 " << percentile(ms, 0.95)
                  << " ms  (decode + preprocess + forward + head)\n"
                  << "embedding throughput    " << double(ok) / seconds << " img/s (" << ok << " images, " << QThread::idealThreadCount() << " workers)\n"
                  << "RSS with model loaded   " << rssLoaded << " MB\n"
                  << "peak RSS                " << processMemoryMb("VmHWM") << " MB\n";
        }
        return Success;
    }
};

} // namespace

std::unique_ptr<Command> makeBenchCommand() { return std::make_unique<BenchCommand>(); }

} // namespace pc::cli
