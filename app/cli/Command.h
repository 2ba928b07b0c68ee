#pragma once
// One petcurator-cli subcommand (as in KeePassXC's cli/): its name, a one-line summary, and run().
#include <QCommandLineParser>
#include <QStringList>
#include <QTextStream>
#include <memory>
#include <vector>

namespace pc::cli {

QTextStream& out();
QTextStream& err();

class Command {
public:
    virtual ~Command() = default;
    virtual QString name() const = 0;
    virtual QString summary() const = 0;
    // Adds the command's options and positional arguments.
    virtual void configure(QCommandLineParser& parser) const = 0;
    // Runs after parsing; returns the process exit status.
    virtual int run(const QCommandLineParser& parser) const = 0;
};

std::vector<std::unique_ptr<Command>> allCommands();

// Exit statuses shared by every command.
enum ExitCode { Success = 0, Failure = 1, BadArguments = 2 };

QString versionText();

// An integer option from lo to hi: true when unset (value unchanged) or valid; else prints
// "petcurator-cli COMMAND: --NAME must be a number from lo to hi" and returns false.
bool intOption(const QCommandLineParser& parser, const QString& command, const QString& name, int lo, int hi, int& value);

} // namespace pc::cli
