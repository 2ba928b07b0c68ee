// petcurator: the desktop app.
#include "MainWindow.h"

#include "model/Backbone.h"
#include "model/ZeroShotHead.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QMessageBox>

int main(int argc, char** argv)
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("petcurator"));
    QApplication::setOrganizationName(QStringLiteral("PetCurator"));
    QApplication::setApplicationVersion(QStringLiteral(PETCURATOR_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Curate and learn pet breed labels."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("PATH"), QStringLiteral("Images or folders to open."), QStringLiteral("[PATH...]"));
    parser.process(app);

    auto backbone = pc::Backbone::load();
    if (!backbone) {
        QMessageBox::critical(nullptr, QStringLiteral("PetCurator"), backbone.error().message);
        return 1;
    }
    std::shared_ptr<const pc::Backbone> b = *backbone;
    auto active = std::make_shared<pc::ActiveModel>(std::make_shared<const pc::ModelSnapshot>(
        pc::ModelSnapshot{QStringLiteral("zero-shot"), pc::makeZeroShotHead(*b)}));
    pc::MainWindow window(std::make_shared<pc::Predictor>(b, active));
    window.show();
    if (!parser.positionalArguments().isEmpty())
        window.predictFiles(parser.positionalArguments());
    return app.exec();
}
