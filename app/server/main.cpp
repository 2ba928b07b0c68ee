// petcurator-server: the team label server (issue 7), and the commands that administer it.
#include "Commands.h"
#include "ServerContext.h"

#include <QCoreApplication>

using namespace pc::server_app;

static void printUsage()
{
    out() << "Usage: petcurator-server [serve] [options]     run the server (see 'petcurator-server serve --help')\n"
             "       petcurator-server user add NAME --role admin|reviewer|curator [--scope read] [--days N]\n"
             "       petcurator-server user list\n"
             "       petcurator-server token add NAME [--scope read] [--days N]\n"
             "       petcurator-server token list [NAME]\n"
             "       petcurator-server token revoke ID\n"
             "       petcurator-server key show\n"
             "Every command takes --data-dir DIR and --database URL. 'user add' and 'token add' print the new\n"
             "token alone on stdout, once; the server keeps only its hash.\n";
}

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("petcurator-server"));
    QCoreApplication::setOrganizationName(QStringLiteral("PetCurator"));
    QCoreApplication::setApplicationVersion(QStringLiteral(PETCURATOR_VERSION));

    QStringList args = app.arguments();
    const QString first = args.value(1);
    if (first == QLatin1String("--help") || first == QLatin1String("-h") || first == QLatin1String("help")) {
        printUsage();
        return Success;
    }
    if (first == QLatin1String("--version") || first == QLatin1String("-v")) {
        out() << "petcurator-server " << PETCURATOR_VERSION << "\n";
        return Success;
    }
    if (first == QLatin1String("user"))
        return runUserCommand(args.mid(2));
    if (first == QLatin1String("token"))
        return runTokenCommand(args.mid(2));
    if (first == QLatin1String("key"))
        return runKeyCommand(args.mid(2));
    if (first == QLatin1String("serve"))
        return runServe(args.mid(2));
    if (first.isEmpty() || first.startsWith(QLatin1Char('-')))
        return runServe(args.mid(1));
    err() << "petcurator-server: unknown command '" << first << "'; run petcurator-server --help\n";
    return BadArguments;
}
