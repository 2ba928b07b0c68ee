// petcurator-bench-ui: how responsive is the UI thread while the app works?
// Drives a real MainWindow (offscreen unless a display is set) through the sample's Oxford import
// with predictions, scrolling the gallery, labelling with the keyboard, a full fine-tune (embedding
// cache + training + hot swap) and manual model swaps, a synthetic 10,000-image gallery, then
// 10,000 new real photos (the sample's, re-saved with one pixel changed so each has its own hash)
// imported and predicted through the app's own PredictionService.
// A 5 ms precise timer on the UI thread records the gaps between its ticks; a gap is the longest
// time the event loop could not run. Prints max / p99 per phase, and the process's RSS (now and the
// phase's peak, from /proc/self/status); exit status 1 when a gap > 50 ms.
#include "model/ProcessMemory.h"
#include "AppSettings.h"
#include "gallery/GalleryFilterModel.h"
#include "gallery/GalleryModel.h"
#include "gallery/GalleryView.h"
#include "intake/ImportController.h"
#include "gallery/PredictionService.h"
#include "MainWindow.h"
#include "gallery/NearDuplicateFinder.h"
#include "models/ModelHistoryView.h"
#include "StallMonitor.h"
#include "gallery/ThumbnailLoader.h"
#include "training/TrainingDashboard.h"
#include "model/Backbone.h"
#include "model/BlasThreads.h"
#include "model/MemoryPolicy.h"
#include "training/LearningLoop.h"
#include "workspace/Workspace.h"

#include <QApplication>
#include <QDir>
#include <QFile>
#include <QCommandLineParser>
#include <QLoggingCategory>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QKeyEvent>
#include <QScrollBar>
#include <QSettings>
#include <QTemporaryDir>
#include <QTextStream>
#include <QTimer>
#include <atomic>
#include <cstdio>
#include <opencv2/imgcodecs.hpp>
#include <thread>

using namespace pc;

namespace {

QTextStream& out()
{
    static QTextStream s(stdout);
    return s;
}

// Runs the event loop (sleeping in it, not spinning) until cond() or the timeout.
bool waitFor(const std::function<bool()>& cond, int timeoutMs)
{
    QElapsedTimer t;
    t.start();
    while (!cond()) {
        if (t.elapsed() > timeoutMs)
            return false;
        QEventLoop loop;
        QTimer::singleShot(20, &loop, &QEventLoop::quit);
        loop.exec();
    }
    return true;
}

void pause(int ms)
{
    waitFor([] { return false; }, ms);
}

struct Memory {
    double rssMb = 0, peakMb = 0;
};

struct Phase {
    QString name;
    StallMonitor::Stats stats;
    double seconds = 0;
    QString note;
    Memory memory;
};

// n photos in dir: the sample's photos in turn, each with one pixel changed (a different one per
// copy) and written as JPEG, so every file has its own hash. Two threads; returns the paths.
QStringList makeDistinctPhotos(const QString& sampleImages, const QString& dir, int n)
{
    QStringList sources;
    for (const QString& name : QDir(sampleImages).entryList({QStringLiteral("*.jpg"), QStringLiteral("*.jpeg")}, QDir::Files, QDir::Name))
        sources << QDir(sampleImages).filePath(name);
    if (sources.isEmpty() || n <= 0)
        return {};
    QDir().mkpath(dir);
    std::vector<QString> paths(static_cast<size_t>(n));
    std::atomic_int next{0};
    auto work = [&] {
        for (int i = next++; i < n; i = next++) {
            cv::Mat image = cv::imread(sources[i % sources.size()].toStdString(), cv::IMREAD_COLOR);
            const QString path = QDir(dir).filePath(QStringLiteral("photo_%1.jpg").arg(i, 5, 10, QLatin1Char('0')));
            if (image.empty())
                continue;
            // A change JPEG's quantisation can't erase: half the range, in a pixel of its own per copy.
            const int copy = i / int(sources.size());
            cv::Vec3b& px = image.at<cv::Vec3b>((copy * 8) % image.rows, ((copy * 8) / image.rows * 8) % image.cols);
            px = cv::Vec3b(uchar(px[0] ^ 0x80), uchar(px[1] ^ 0x80), uchar(px[2] ^ 0x80));
            if (cv::imwrite(path.toStdString(), image, {cv::IMWRITE_JPEG_QUALITY, 92}))
                paths[size_t(i)] = path;
        }
    };
    std::thread helper(work);
    work();
    helper.join();
    QStringList out;
    for (const QString& p : paths)
        if (!p.isEmpty())
            out << p;
    return out;
}

class Bench {
public:
    Bench(StallMonitor* monitor) : m_monitor(monitor) {}

    // What happened when, to explain long gaps.
    void mark(const QString& what)
    {
        if (m_marks.size() < 20000)
            m_marks.append({m_monitor->elapsedMs(), what});
    }

    void begin(const QString& name)
    {
        m_name = name;
        resetPeakMemory();
        m_clock.start();
        m_monitor->reset();
        out() << "[bench-ui] " << name << " …\n";
        out().flush();
    }
    void end(const QString& note = {})
    {
        Phase p{m_name, m_monitor->stats(), double(m_clock.elapsed()) / 1000.0, note,
                Memory{processMemoryMb("VmRSS"), processMemoryMb("VmHWM")}};
        out() << "[bench-ui] " << p.name << ": " << QString::number(p.seconds, 'f', 1) << " s, " << StallMonitor::format(p.stats)
              << (note.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(note))
              << QStringLiteral("; RSS %1 MB, phase peak %2 MB").arg(p.memory.rssMb, 0, 'f', 0).arg(p.memory.peakMb, 0, 'f', 0) << "\n";
        for (const StallMonitor::LongGap& g : m_monitor->longGaps()) {
            QString last;
            for (const auto& m : m_marks)
                if (m.first <= g.atMs + g.wallMs)
                    last = QStringLiteral("%1 (%2 ms before the gap ended)").arg(m.second).arg(g.atMs + g.wallMs - m.first, 0, 'f', 0);
            out() << QStringLiteral("           gap %1 ms at %2 s: UI thread busy %3 ms, preempted %4×, blocked %5×; last event: %6\n")
                         .arg(g.wallMs, 0, 'f', 1)
                         .arg(g.atMs / 1000, 0, 'f', 2)
                         .arg(g.busyMs, 0, 'f', 1)
                         .arg(g.preempted)
                         .arg(g.waited)
                         .arg(last);
        }
        out().flush();
        m_phases << p;
    }
    const QList<Phase>& phases() const { return m_phases; }

private:
    StallMonitor* m_monitor;
    QString m_name;
    QElapsedTimer m_clock;
    QList<Phase> m_phases;
    QList<QPair<double, QString>> m_marks;
};

void scrollThrough(GalleryView* view, int stepPx, int frameMs)
{
    QScrollBar* bar = view->verticalScrollBar();
    for (int v = 0; v <= bar->maximum(); v += stepPx) {
        bar->setValue(v);
        pause(frameMs);
    }
    bar->setValue(bar->maximum());
    pause(200);
    for (int v = bar->maximum(); v >= 0; v -= stepPx * 4) {
        bar->setValue(v);
        pause(frameMs);
    }
}

} // namespace

int main(int argc, char** argv)
{
    const int arenas = pc::applyMemoryPolicy(); // before any thread: see model/MemoryPolicy.h
    pc::useOneBlasThread();                     // as the app does: see model/BlasThreads.h
    if (qEnvironmentVariableIsEmpty("DISPLAY") && qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY") &&
        qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    // Photos with slightly malformed ICC profiles are common; Qt's warning about each is noise here.
    QLoggingCategory::setFilterRules(QStringLiteral("qt.gui.icc.warning=false"));
    QApplication::setApplicationName(QStringLiteral("petcurator-bench-ui"));
    QApplication::setOrganizationName(QStringLiteral("PetCuratorBench"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Measures UI-thread stalls of the desktop app under load."));
    parser.addHelpOption();
    const QCommandLineOption sampleOpt(QStringLiteral("sample"), QStringLiteral("Oxford-IIIT Pet folder."), QStringLiteral("DIR"),
                                       QStringLiteral(PC_SAMPLE_DIR));
    const QCommandLineOption workspaceOpt(QStringLiteral("workspace"), QStringLiteral("Workspace (default: a fresh temporary one)."),
                                          QStringLiteral("DIR"));
    const QCommandLineOption threadsOpt(QStringLiteral("threads"), QStringLiteral("Compute threads."), QStringLiteral("N"));
    const QCommandLineOption skipTrainOpt(QStringLiteral("skip-training"), QStringLiteral("Skip the fine-tune and swap phases."));
    const QCommandLineOption bigOpt(QStringLiteral("gallery-size"), QStringLiteral("Rows of the synthetic gallery (default 10000)."),
                                    QStringLiteral("N"), QStringLiteral("10000"));
    const QCommandLineOption photosOpt(QStringLiteral("photos"),
                                       QStringLiteral("New real photos to import and predict in the last phase (default 10000; 0 skips it)."),
                                       QStringLiteral("N"), QStringLiteral("10000"));
    const QCommandLineOption jsonOpt(QStringLiteral("json"), QStringLiteral("Also print one JSON object."));
    parser.addOptions({sampleOpt, workspaceOpt, threadsOpt, skipTrainOpt, bigOpt, photosOpt, jsonOpt});
    parser.process(app);

    QTemporaryDir tmp;
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, tmp.filePath(QStringLiteral("settings")));
    AutoTrainRules rules;
    rules.dailyEnabled = false;
    rules.afterLabelsEnabled = false; // the phases start their trainings themselves
    AppSettings::setAutoTrainRules(rules);
    if (parser.isSet(threadsOpt))
        AppSettings::setThreadsOverride(parser.value(threadsOpt).toInt());
    Backbone::setThreads(AppSettings::effectiveThreads());

    // The precision the app picks by default, so the figures are the app's.
    auto backbone = Backbone::load(Backbone::defaultWeightsDir(), *resolvePrecision(PrecisionChoice::Auto));
    if (!backbone) {
        fprintf(stderr, "petcurator-bench-ui: %s\n", qPrintable(backbone.error().message));
        return 2;
    }
    const QString wsDir = parser.isSet(workspaceOpt) ? parser.value(workspaceOpt) : tmp.filePath(QStringLiteral("workspace"));
    auto workspace = Workspace::open(wsDir);
    if (!workspace) {
        fprintf(stderr, "petcurator-bench-ui: %s\n", qPrintable(workspace.error().message));
        return 2;
    }

    // The photos for the last phase, made before the UI runs (it is not what we measure).
    const int photoCount = std::max(0, parser.value(photosOpt).toInt());
    QStringList photos;
    if (photoCount > 0) {
        QElapsedTimer t;
        t.start();
        out() << "[bench-ui] writing " << photoCount << " distinct photos from the sample …\n";
        out().flush();
        photos = makeDistinctPhotos(QDir(parser.value(sampleOpt)).filePath(QStringLiteral("images")), tmp.filePath(QStringLiteral("photos")), photoCount);
        out() << "[bench-ui] " << photos.size() << " photos written in " << QString::number(double(t.elapsed()) / 1000.0, 'f', 1) << " s\n";
        out().flush();
    }
    out() << QStringLiteral("[bench-ui] RSS with the model loaded: %1 MB (peak %2 MB); malloc arenas: %3\n")
                 .arg(processMemoryMb("VmRSS"), 0, 'f', 0).arg(processMemoryMb("VmHWM"), 0, 'f', 0)
                 .arg(arenas > 0 ? QString::number(arenas) : QStringLiteral("glibc default"));

    StallMonitor monitor(5);
    Bench bench(&monitor);
    int worst = 0;
    {
        LearningLoop loop(*workspace, *backbone);
        MainWindow window(*workspace, *backbone, &loop);
        window.resize(1400, 900);
        monitor.start();
        QObject::connect(&loop, &LearningLoop::stageChanged, &app, [&](const QString& stage, int done, int total) {
            bench.mark(QStringLiteral("stage %1 %2/%3").arg(stage).arg(done).arg(total));
        });
        QObject::connect(&loop, &LearningLoop::epochFinished, &app, [&](const EpochMetrics& m) { bench.mark(QStringLiteral("epoch %1").arg(m.epoch)); });
        QObject::connect(&loop, &LearningLoop::trainingFinished, &app, [&](const TrainOutcome& o) { bench.mark(QStringLiteral("training finished %1").arg(o.version)); });
        QObject::connect(&loop, &LearningLoop::activeModelChanged, &app, [&](const QString& v) { bench.mark(QStringLiteral("model %1 live").arg(v)); });
        QObject::connect(window.predictions(), &PredictionService::predicted, &app, [&](const QVector<GalleryModel::PredictionUpdate>& b) {
            bench.mark(QStringLiteral("%1 predictions delivered").arg(b.size()));
        });
        QObject::connect(window.imports(), &ImportController::progress, &app, [&](const QString&, int done, int total) {
            bench.mark(QStringLiteral("import %1/%2").arg(done).arg(total));
        });
        QObject::connect(window.imports(), &ImportController::finished, &app, [&] { bench.mark(QStringLiteral("import finished")); });
        QObject::connect(&window, &MainWindow::galleryLoaded, &app, [&] { bench.mark(QStringLiteral("gallery loaded")); });
        QObject::connect(window.nearDuplicateFinder(), &NearDuplicateFinder::found, &app, [&](const QVector<NearDuplicateImages>& pairs) {
            bench.mark(QStringLiteral("near-duplicates flagged (%1 pairs)").arg(pairs.size()));
        });

        bench.begin(QStringLiteral("startup"));
        window.show();
        waitFor([&] { return window.isGalleryLoaded(); }, 60000);
        pause(300);
        bench.end();

        bench.begin(QStringLiteral("oxford import + predictions"));
        const int before = window.galleryModel()->rowCount();
        window.importOxford(parser.value(sampleOpt));
        pause(100);
        const bool imported = waitFor([&] { return window.isIdle(); }, 20 * 60000);
        bench.end(QStringLiteral("%1 images, %2").arg(window.galleryModel()->rowCount() - before).arg(imported ? "done" : "TIMEOUT"));

        bench.begin(QStringLiteral("gallery scroll with thumbnails"));
        scrollThrough(window.galleryView(), 60, 16);
        bench.end();

        bench.begin(QStringLiteral("keyboard labelling (1/2/3, Enter)"));
        window.showView(MainWindow::View::Review);
        window.galleryView()->setFocus();
        if (const qint64 id = window.galleryFilter()->imageIdAt(0))
            window.selectImage(id);
        for (int i = 0; i < 40; ++i) {
            const int key = i % 4 == 3 ? -1 : Qt::Key_1 + (i % 3);
            if (key < 0)
                window.confirmAndNext();
            else
                window.acceptSuggestion(key - Qt::Key_1);
            pause(60);
        }
        waitFor([&] { return window.isIdle(); }, 60000);
        bench.end(QStringLiteral("40 labels"));

        // The models as stored; a failed read is logged and counts as none (the phase then says so).
        auto storedModels = [&]() -> QVector<ModelRecord> {
            auto models = (*workspace)->models().all();
            if (!models) {
                qWarning("bench-ui: %s", qPrintable(models.error().message));
                return {};
            }
            return *models;
        };
        if (!parser.isSet(skipTrainOpt)) {
            bench.begin(QStringLiteral("fine-tune: embedding cache + training + swap + refresh"));
            bool finished = false;
            bool centreViewsOnly = false;
            QString outcomeText;
            // The context of the two connections below: they write these locals, so they must end
            // with this block. (With &app as context they outlived it, and every incremental update
            // of the next phase wrote a dead QString on the stack: the heap corruption at exit.)
            QObject phaseScope;
            QObject::connect(&loop, &LearningLoop::trainingFinished, &phaseScope, [&](const TrainOutcome& o) {
                finished = true;
                centreViewsOnly = o.centreViewsOnly;
                outcomeText = QStringLiteral("%1 %2, %3 epochs, val %4%%5").arg(o.version, o.activated ? "activated" : "candidate")
                                  .arg(o.result.epochs.size()).arg(o.result.validation.top1 * 100, 0, 'f', 1)
                                  .arg(o.centreViewsOnly ? QStringLiteral(", centre views only") : QString());
            });
            QObject::connect(&loop, &LearningLoop::trainingFailed, &phaseScope, [&](const QString& m) {
                finished = true;
                outcomeText = QStringLiteral("failed: ") + m;
            });
            loop.waitForIdle(); // an incremental update from the labelling may be running
            waitFor([&] { return !loop.isBusy(); }, 10 * 60000);
            window.showView(MainWindow::View::Training);
            window.dashboard()->startTraining(QStringLiteral("bench"));
            waitFor([&] { return finished && !loop.isBusy(); }, 30 * 60000);
            waitFor([&] { return window.isIdle(); }, 10 * 60000);
            bench.end(outcomeText);

            if (centreViewsOnly) {
                // The loop fills the augmented views in the background, then trains on every view.
                bench.begin(QStringLiteral("augmented views in the background + training on every view + swap + refresh"));
                finished = false;
                waitFor([&] { return finished && !loop.isBusy(); }, 30 * 60000);
                waitFor([&] { return window.isIdle(); }, 10 * 60000);
                bench.end(outcomeText);
            }

            if (storedModels().size() < 2) {
                bench.begin(QStringLiteral("second fine-tune (embeddings cached) + swap + refresh"));
                finished = false;
                window.dashboard()->startTraining(QStringLiteral("bench, second model"));
                waitFor([&] { return finished && !loop.isBusy(); }, 30 * 60000);
                waitFor([&] { return window.isIdle(); }, 10 * 60000);
                bench.end(outcomeText);
            }
            bench.begin(QStringLiteral("model swaps (activate / roll back) + prediction refresh"));
            window.showView(MainWindow::View::Models);
            const QVector<ModelRecord> models = storedModels();
            int swaps = 0;
            if (models.size() >= 2) {
                for (int i = 0; i < 6; ++i) {
                    const QString target = models[i % 2 == 0 ? models.size() - 2 : models.size() - 1].version;
                    waitFor([&] { return !window.modelHistory()->isSwapping() && window.modelHistory()->selectVersion(target); }, 60000);
                    window.modelHistory()->activateSelected();
                    waitFor([&] { return loop.activeVersion() == target && !window.modelHistory()->isSwapping(); }, 60000);
                    waitFor([&] { return window.isIdle(); }, 60000);
                    ++swaps;
                }
            }
            bench.end(QStringLiteral("%1 swaps over %2 images").arg(swaps).arg(window.galleryModel()->rowCount()));
        }
        if (!parser.isSet(skipTrainOpt)) {
            // Corrections with a trained model: each label starts an incremental update (a new
            // version, gated, swapped in) while the curator keeps going.
            bench.begin(QStringLiteral("keyboard corrections with incremental updates"));
            window.showView(MainWindow::View::Review);
            window.galleryView()->setFocus();
            const int before = int(storedModels().size());
            if (const qint64 id = window.galleryFilter()->imageIdAt(0))
                window.selectImage(id);
            for (int i = 0; i < 20; ++i) {
                window.acceptSuggestion(1 + i % 2); // a correction: the 2nd or 3rd suggestion
                pause(150);
            }
            waitFor([&] { return !loop.isBusy() && window.isIdle(); }, 10 * 60000);
            pause(500);
            waitFor([&] { return !loop.isBusy() && window.isIdle(); }, 10 * 60000);
            bench.end(QStringLiteral("20 corrections, %1 new version(s)").arg(storedModels().size() - before));
        }
        window.showView(MainWindow::View::Review);

        // A 10,000-image gallery: the real delegate, proxy and loader, rows cycling over the sample's photos.
        const int n = parser.value(bigOpt).toInt();
        bench.begin(QStringLiteral("synthetic gallery of %1: fill, scroll, sort, filter, bulk update").arg(n));
        {
            const std::vector<GalleryItem> real = window.galleryModel()->items();
            if (!real.empty()) {
                ThumbnailLoader thumbs(*workspace);
                GalleryModel model;
                model.setThumbnailLoader(&thumbs);
                GalleryFilterModel filter;
                filter.setGalleryModel(&model);
                GalleryView view;
                view.resize(1000, 800);
                view.setModel(&filter);
                thumbs.setEdge(view.thumbnailDevicePixels());
                view.show();
                std::vector<GalleryItem> items;
                items.reserve(size_t(n));
                for (int i = 0; i < n; ++i) {
                    GalleryItem it = real[size_t(i) % real.size()];
                    it.id = 1'000'000 + i;
                    it.name = QStringLiteral("synthetic_%1.jpg").arg(i);
                    items.push_back(std::move(it));
                }
                // Filled in chunks, as a background load would deliver them.
                for (size_t start = 0; start < items.size(); start += 2000) {
                    std::vector<GalleryItem> chunk(items.begin() + long(start), items.begin() + long(std::min(items.size(), start + 2000)));
                    model.merge(std::move(chunk));
                    pause(30);
                }
                pause(500);
                scrollThrough(&view, 400, 16);
                for (auto order : {GalleryFilterModel::Order::Name, GalleryFilterModel::Order::NewestFirst, GalleryFilterModel::Order::LeastConfident}) {
                    filter.setOrder(order);
                    pause(100);
                }
                filter.setShow(GalleryFilterModel::Show::Unlabelled);
                pause(100);
                filter.setSearchText(QStringLiteral("synthetic_99"));
                pause(100);
                filter.setSearchText({});
                filter.setShow(GalleryFilterModel::Show::All);
                pause(100);
                // Every prediction changes at once (a model swap).
                QVector<GalleryModel::PredictionUpdate> updates;
                updates.reserve(n);
                for (const GalleryItem& it : model.items()) {
                    GalleryModel::PredictionUpdate u{it.id, it.top, QStringLiteral("bench"), 0.01, true};
                    if (!u.top.empty())
                        u.top.front().p *= 0.9f;
                    updates.append(u);
                }
                model.applyPredictions(updates);
                pause(300);
            }
        }
        bench.end();

        if (!photos.isEmpty()) {
            // New photos, as the curator would drop them: the real importer, then predictions for
            // every one of them through the app's PredictionService (decode, backbone, head, save).
            const int rowsBefore = window.galleryModel()->rowCount();
            int delivered = 0;
            auto counter = QObject::connect(window.predictions(), &PredictionService::predicted, &app,
                                            [&](const QVector<GalleryModel::PredictionUpdate>& b) { delivered += int(b.size()); });
            bench.begin(QStringLiteral("import of %1 new photos").arg(photos.size()));
            window.intake({QFileInfo(photos.front()).absolutePath()}, QStringLiteral("bench"));
            pause(100);
            waitFor([&] { return !window.imports()->isBusy() && window.galleryModel()->rowCount() > rowsBefore; }, 60 * 60000);
            bench.end(QStringLiteral("%1 images in the gallery").arg(window.galleryModel()->rowCount()));

            bench.begin(QStringLiteral("predictions for %1 new photos").arg(photos.size()));
            QElapsedTimer clock;
            clock.start();
            const int deliveredBefore = delivered;
            const bool done = waitFor([&] { return window.isIdle(); }, 60 * 60000);
            const double seconds = double(clock.elapsed()) / 1000.0;
            const int predicted = delivered - deliveredBefore;
            bench.end(QStringLiteral("%1 predictions, %2 img/s, %3").arg(predicted).arg(double(predicted) / std::max(seconds, 1e-3), 0, 'f', 1)
                          .arg(done ? "done" : "TIMEOUT"));

            // What the app keeps once it is done: idle, a few seconds on.
            bench.begin(QStringLiteral("idle after %1 new photos").arg(photos.size()));
            pause(5000);
            bench.end();
            QObject::disconnect(counter);
        }
        monitor.stop();
        // Shutdown in order: cancel, join the window's workers, then the loop's; the window, the
        // loop, the workspace, the network and QApplication are destroyed after, in that order.
        loop.cancel();
        window.shutdown();
        loop.waitForIdle();
    }

    StallMonitor::Stats overall;
    QJsonArray phases;
    double maxPeak = 0;
    for (const Phase& p : bench.phases()) {
        maxPeak = std::max(maxPeak, p.memory.peakMb);
        overall.maxMs = std::max(overall.maxMs, p.stats.maxMs);
        overall.p99Ms = std::max(overall.p99Ms, p.stats.p99Ms);
        overall.over50 += p.stats.over50;
        phases.append(QJsonObject{{QStringLiteral("phase"), p.name},
                                  {QStringLiteral("seconds"), p.seconds},
                                  {QStringLiteral("max_gap_ms"), p.stats.maxMs},
                                  {QStringLiteral("p99_gap_ms"), p.stats.p99Ms},
                                  {QStringLiteral("p999_gap_ms"), p.stats.p999Ms},
                                  {QStringLiteral("mean_gap_ms"), p.stats.meanMs},
                                  {QStringLiteral("gaps_over_50ms"), p.stats.over50},
                                  {QStringLiteral("ticks"), p.stats.ticks},
                                  {QStringLiteral("rss_mb"), p.memory.rssMb},
                                  {QStringLiteral("peak_rss_mb"), p.memory.peakMb},
                                  {QStringLiteral("note"), p.note}});
    }
    worst = overall.over50;
    out() << "[bench-ui] overall: max gap " << QString::number(overall.maxMs, 'f', 1) << " ms, worst phase p99 "
          << QString::number(overall.p99Ms, 'f', 1) << " ms, gaps > 50 ms: " << overall.over50 << "; peak RSS "
          << QString::number(maxPeak, 'f', 0) << " MB\n";
    if (parser.isSet(jsonOpt))
        out() << QJsonDocument(QJsonObject{{QStringLiteral("phases"), phases},
                                           {QStringLiteral("max_gap_ms"), overall.maxMs},
                                           {QStringLiteral("peak_rss_mb"), maxPeak},
                                           {QStringLiteral("gaps_over_50ms"), overall.over50}})
                     .toJson(QJsonDocument::Compact)
              << "\n";
    out().flush();
    return worst > 0 ? 1 : 0;
}
