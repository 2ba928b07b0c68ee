// A child process for TestCrashSafety: does real work on a workspace and prints a line for every
// step it has committed, so the parent can SIGKILL it at any moment and check nothing committed
// was lost. Usage: crash-child MODE WORKSPACE [ARG]
//   import DIR   – import an Oxford-IIIT Pet folder
//   label        – label images forever, printing "label <event> <image> <breed>"
//   train        – train models forever, printing "model <version> <activated 0|1>"
//   activate     – switch the active model between the existing versions forever
#include "model/Backbone.h"
#include "model/BreedCatalog.h"
#include "training/LearningLoop.h"
#include "workspace/DatasetImporter.h"
#include "workspace/Workspace.h"

#include <QCoreApplication>
#include <QTextStream>
#include <random>

using namespace pc;

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    if (args.size() < 3)
        return 2;
    QTextStream out(stdout);
    auto ws = Workspace::open(args[2]);
    if (!ws) {
        out << "error " << ws.error().message << Qt::endl;
        return 1;
    }
    const QString mode = args[1];
    std::mt19937 rng(uint32_t(QCoreApplication::applicationPid()));

    if (mode == QStringLiteral("import")) {
        ImportOptions options;
        options.progress = [&out](int done, int) { out << "imported " << done << Qt::endl; };
        importOxford(**ws, args.value(3), options);
        out << "done" << Qt::endl;
        return 0;
    }
    if (mode == QStringLiteral("label")) {
        const QVector<ImageRecord> images = (*ws)->images().value();
        const BreedCatalog& breeds = BreedCatalog::oxford();
        for (;;) {
            const ImageRecord& image = images[qsizetype(rng() % images.size())];
            const QString breed = breeds.at(int(rng() % uint32_t(breeds.size()))).id;
            auto event = (*ws)->labels().add(image.id, breed, LabelOrigin::Curator, QStringLiteral("crash-child"));
            if (event)
                out << "label " << *event << " " << image.id << " " << breed << Qt::endl;
        }
    }

    auto backbone = Backbone::load();
    if (!backbone) {
        out << "error " << backbone.error().message << Qt::endl;
        return 1;
    }
    LearningLoop loop(*ws, *backbone);
    if (mode == QStringLiteral("train")) {
        for (quint64 seed = rng();; ++seed) {
            TrainRequest request;
            request.trainer.maxEpochs = 4;
            request.trainer.seed = seed;
            request.augmentedViews = 1;
            auto outcome = loop.train(request);
            if (outcome)
                out << "model " << outcome->version << " " << int(outcome->activated) << Qt::endl;
            else
                out << "error " << outcome.error().message << Qt::endl;
        }
    }
    if (mode == QStringLiteral("activate")) {
        const QVector<ModelRecord> models = (*ws)->models().all().value();
        for (;;) {
            const QString version = models[qsizetype(rng() % models.size())].version;
            if (loop.activate(version))
                out << "active " << version << Qt::endl;
        }
    }
    return 2;
}
