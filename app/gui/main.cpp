// petcurator: the desktop app. Argument parsing and start-up only; everything else is in ui/ and core/.
#include "AppSettings.h"
#include "MainWindow.h"
#include "SingleInstance.h"
#include "StopSignals.h"
#include "model/Backbone.h"
#include "model/BlasThreads.h"
#include "model/MemoryPolicy.h"
#include "training/LearningLoop.h"
#include "workspace/Workspace.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QLoggingCategory>
#include <QDir>
#include <QFutureWatcher>
#include <QtConcurrent/QtConcurrentRun>
#include <QIcon>
#include <QMessageBox>

#include <cstdio>
#include <QTimer>

// A start-up failure: one line on stderr (scripts and terminals see why), and a dialog when there is a
// screen to show it on. Offscreen or minimal, a modal box would wait for a click that never comes.
static int startupError(const QString& message, int status)
{
    std::fprintf(stderr, "petcurator: %s\n", qPrintable(message));
    const QString platform = QGuiApplication::platformName();
    if (platform != QStringLiteral("offscreen") && platform != QStringLiteral("minimal"))
        QMessageBox::critical(nullptr, QStringLiteral("PetCurator"), message);
    return status;
}

int main(int argc, char** argv)
{
    pc::applyMemoryPolicy(); // before any thread: see model/MemoryPolicy.h
    pc::useOneBlasThread();  // predictions run at idle priority: see model/BlasThreads.h
    QApplication app(argc, argv);
    // From here on SIGTERM/SIGINT wait for the event loop (connected below) instead of killing us
    // half-way through a database write.
    pc::app::StopSignals stopSignals;
    // Photos with slightly malformed ICC profiles are common; Qt's warning about each is noise here.
    QLoggingCategory::setFilterRules(QStringLiteral("qt.gui.icc.warning=false"));
    QApplication::setApplicationName(QStringLiteral("petcurator"));
    QApplication::setApplicationDisplayName(QStringLiteral("PetCurator"));
    QApplication::setOrganizationName(QStringLiteral("PetCurator"));
    QApplication::setApplicationVersion(QStringLiteral(PETCURATOR_VERSION));
    QApplication::setDesktopFileName(QStringLiteral("io.petcurator.PetCurator"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Curate pet photos by breed, and teach the model your labels."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption workspaceOption(QStringLiteral("workspace"),
                                             QStringLiteral("Workspace folder (default: the one in Preferences, else %1).")
                                                 .arg(pc::Workspace::defaultLocation()),
                                             QStringLiteral("DIR"));
    const QCommandLineOption threadsOption(QStringLiteral("threads"), QStringLiteral("Compute threads (default: Preferences, else all cores)."),
                                           QStringLiteral("N"));
    const QCommandLineOption weightsOption(QStringLiteral("weights"),
                                           QStringLiteral("Folder with the EfficientNet-B0 weights (default: $PETCURATOR_WEIGHTS_DIR, the user cache, then the installed ones)."),
                                           QStringLiteral("DIR"));
    const QCommandLineOption precisionOption(QStringLiteral("precision"),
                                             QStringLiteral("Backbone number format: auto (bf16 where the CPU has native bfloat16, else fp32), fp32 or bf16 (default: Preferences, else auto)."),
                                             QStringLiteral("auto|fp32|bf16"));
    parser.addOption(workspaceOption);
    parser.addOption(precisionOption);
    parser.addOption(threadsOption);
    parser.addOption(weightsOption);
    parser.addPositionalArgument(QStringLiteral("PATH"), QStringLiteral("Images or folders to import and predict, like a drop."),
                                 QStringLiteral("[PATH...]"));
    parser.process(app);

    if (parser.isSet(threadsOption)) {
        bool ok = false;
        const int n = parser.value(threadsOption).toInt(&ok);
        if (!ok || n < 1 || n > 256) {
            return startupError(QStringLiteral("--threads must be a number from 1 to 256"), 2);
        }
        pc::AppSettings::setThreadsOverride(n);
    }
    pc::Backbone::setThreads(pc::AppSettings::effectiveThreads());
    // --precision is checked here and refused with a message; a saved bf16 that this CPU can't run
    // (settings carried over from another machine) falls back to fp32, and About says which is used.
    pc::Precision precision = pc::Precision::Fp32;
    if (parser.isSet(precisionOption)) {
        const auto choice = pc::parsePrecisionChoice(parser.value(precisionOption));
        const auto resolved = choice ? pc::resolvePrecision(*choice) : pc::Expected<pc::Precision>(choice.error());
        if (!resolved) {
            return startupError(resolved.error().message, 2);
        }
        pc::AppSettings::setPrecisionOverride(parser.value(precisionOption));
        precision = *resolved;
    } else {
        const auto choice = pc::parsePrecisionChoice(pc::AppSettings::effectivePrecision());
        const auto resolved = pc::resolvePrecision(choice ? *choice : pc::PrecisionChoice::Auto);
        precision = resolved ? *resolved : pc::Precision::Fp32;
    }

    QString dir = parser.value(workspaceOption);
    if (dir.isEmpty())
        dir = pc::AppSettings::workspaceDir();
    if (dir.isEmpty())
        dir = pc::Workspace::defaultLocation();
    dir = QDir(dir).absolutePath();
    // One app per workspace: a second launch hands its files to the first and leaves.
    pc::SingleInstance instance(dir);
    switch (instance.claim(parser.positionalArguments())) {
    case pc::SingleInstance::Role::HandedOver:
        return 0;
    case pc::SingleInstance::Role::Refused:
        return startupError(QStringLiteral("Cannot open the workspace: %1").arg(instance.error()), 1);
    case pc::SingleInstance::Role::Primary:
        break;
    }
    auto workspace = pc::Workspace::open(dir);
    if (!workspace) {
        return startupError(QStringLiteral("The workspace %1 could not be opened: %2").arg(dir, workspace.error().message), 1);
    }

    // Shutdown is an order (ARCHITECTURE.md "Threads"): the event loop ends; the loader, the
    // learning loop and the window's workers are cancelled and joined; then the window, the loop,
    // the network and the workspace's database connections go, in that order; QApplication last.
    int status = 0;
    {
        // The window comes first, with the workspace as stored; the network (hash check, graph import,
        // TorchScript freeze, first forward pass: seconds on a cold start) loads behind it.
        std::unique_ptr<pc::LearningLoop> loop;
        pc::MainWindow window(*workspace);
        // SIGTERM/SIGINT (logout, kill, Ctrl+C in a terminal) close the window like File > Quit.
        QObject::connect(&stopSignals, &pc::app::StopSignals::stopRequested, &window, [&window] {
            if (!window.close()) // a modal dialog may hold the window: end the event loop anyway
                QApplication::quit();
        });
        QObject::connect(&instance, &pc::SingleInstance::filesHandedOver, &window, [&window](const QStringList& files) {
            window.showNormal();
            window.raise();
            window.activateWindow();
            if (!files.isEmpty())
                window.intake(files, QStringLiteral("second launch"));
        });
        window.show();
        if (!parser.positionalArguments().isEmpty())
            window.intake(parser.positionalArguments(), QStringLiteral("command line"));

        QFutureWatcher<pc::Expected<std::shared_ptr<pc::Backbone>>> loading;
        QObject::connect(&loading, &QFutureWatcherBase::finished, &window, [&] {
            const auto backbone = loading.result();
            if (!backbone) {
                QApplication::exit(startupError(QStringLiteral("The pretrained weights could not be loaded: %1").arg(backbone.error().message), 1));
                return;
            }
            loop = std::make_unique<pc::LearningLoop>(*workspace, *backbone);
            window.attachEngine(*backbone, loop.get());
        });
        const QString weights = parser.isSet(weightsOption) ? parser.value(weightsOption) : pc::Backbone::defaultWeightsDir();
        loading.setFuture(QtConcurrent::run([weights, precision] { return pc::Backbone::load(weights, precision); }));
        status = app.exec();
        loading.waitForFinished(); // quit while loading: the loader must end before what it uses
        if (loop)
            loop->cancel();
        window.shutdown(); // cancel and join the window's workers while the loop still exists
        if (loop)
            loop->waitForIdle();
    } // the window, then the loop (and with it the last reference to the network)
    return status; // then the workspace (its database connections), then QApplication

}
