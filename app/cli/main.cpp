// petcurator-cli: the PetCurator engine without a display, for scripts, cron and CI.
#include "Command.h"
#include "model/MemoryPolicy.h"

#include <QCoreApplication>

using namespace pc::cli;

static void printUsage(const std::vector<std::unique_ptr<Command>>& commands)
{
    out() << "Usage: petcurator-cli COMMAND [options]\n\nCommands:\n";
    for (const auto& c : commands)
        out() << "  " << c->name().leftJustified(14) << c->summary() << "\n";
    out() << "\nRun 'petcurator-cli COMMAND --help' for a command's options.\n"
             "Options: --help, --version\n";
}

int main(int argc, char** argv)
{
    pc::applyMemoryPolicy(); // before any thread: see model/MemoryPolicy.h
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("petcurator"));
    QCoreApplication::setOrganizationName(QStringLiteral("PetCurator"));
    QCoreApplication::setApplicationVersion(QStringLiteral(PETCURATOR_VERSION));

    const auto commands = allCommands();
    const QStringList args = app.arguments();
    if (args.size() < 2 || args[1] == QStringLiteral("--help") || args[1] == QStringLiteral("-h")
        || args[1] == QStringLiteral("help")) {
        printUsage(commands);
        return args.size() < 2 ? BadArguments : Success;
    }
    if (args[1] == QStringLiteral("--version") || args[1] == QStringLiteral("-v")) {
        out() << versionText() << "\n";
        return Success;
    }
    for (const auto& c : commands) {
        if (c->name() != args[1])
            continue;
        QCommandLineParser parser;
        parser.setApplicationDescription(c->summary());
        parser.addHelpOption();
        c->configure(parser);
        QStringList rest = args.mid(1);
        rest[0] = QStringLiteral("petcurator-cli ") + c->name();
        if (!parser.parse(rest)) {
            err() << "petcurator-cli " << c->name() << ": " << parser.errorText() << "\n";
            return BadArguments;
        }
        if (parser.isSet(QStringLiteral("help"))) {
            out() << parser.helpText();
            return Success;
        }
        return c->run(parser);
    }
    err() << "petcurator-cli: unknown command '" << args[1] << "'; run petcurator-cli --help\n";
    return BadArguments;
}
