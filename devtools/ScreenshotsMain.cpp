// petcurator-screenshots: opens the real main window on a workspace and lets ScreenshotTour show
// each view and save it as a PNG. A developer tool (scripts/screenshots.sh), not shipped.
#include "MainWindow.h"
#include "ScreenshotTour.h"
#include "model/Backbone.h"
#include "model/MemoryPolicy.h"
#include "training/LearningLoop.h"
#include "workspace/Workspace.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QLoggingCategory>
#include <QTextStream>

int main(int argc, char** argv)
{
    pc::applyMemoryPolicy();
    QApplication app(argc, argv);
    QLoggingCategory::setFilterRules(QStringLiteral("qt.gui.icc.warning=false"));
    QApplication::setApplicationName(QStringLiteral("petcurator"));
    QApplication::setApplicationDisplayName(QStringLiteral("PetCurator"));
    QApplication::setOrganizationName(QStringLiteral("PetCurator"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Save screenshots of PetCurator's main views to OUT."));
    parser.addHelpOption();
    const QCommandLineOption workspaceOpt(QStringLiteral("workspace"), QStringLiteral("Workspace folder."), QStringLiteral("DIR"));
    const QCommandLineOption sampleOpt(QStringLiteral("sample"), QStringLiteral("Oxford-IIIT Pet folder imported when the workspace is empty."),
                                       QStringLiteral("DIR"));
    const QCommandLineOption quickOpt(QStringLiteral("quick"), QStringLiteral("The gallery only."));
    parser.addOptions({workspaceOpt, sampleOpt, quickOpt});
    parser.addPositionalArgument(QStringLiteral("OUT"), QStringLiteral("Folder for the PNG files."));
    parser.process(app);
    QTextStream err(stderr);
    if (parser.positionalArguments().size() != 1 || !parser.isSet(workspaceOpt)) {
        err << "petcurator-screenshots: give --workspace DIR and one OUT folder\n";
        return 2;
    }

    auto workspace = pc::Workspace::open(QDir(parser.value(workspaceOpt)).absolutePath());
    if (!workspace) {
        err << "petcurator-screenshots: " << workspace.error().message << '\n';
        return 1;
    }
    auto backbone = pc::Backbone::load();
    if (!backbone) {
        err << "petcurator-screenshots: " << backbone.error().message << '\n';
        return 1;
    }
    pc::LearningLoop loop(*workspace, *backbone);
    int status = 0;
    {
        pc::MainWindow window(*workspace);
        window.resize(1400, 900);
        pc::ScreenshotTour tour(&window, parser.positionalArguments().constFirst(), parser.value(sampleOpt));
        tour.setQuick(parser.isSet(quickOpt));
        QObject::connect(&tour, &pc::ScreenshotTour::finished, &app, [](bool ok) { QApplication::exit(ok ? 0 : 1); });
        window.show();
        window.attachEngine(*backbone, &loop);
        tour.start();
        status = app.exec();
        // Shutdown in order: cancel, join the window's workers, then the loop's; the window goes at
        // the end of this block, then the loop, the network, the workspace and QApplication.
        loop.cancel();
        window.shutdown();
        loop.waitForIdle();
    }
    return status;
}
