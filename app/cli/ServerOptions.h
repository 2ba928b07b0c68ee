#pragma once
// --server and --token-file for the commands that talk to the team server, and where their
// defaults come from: the option, else $PETCURATOR_SERVER / $PETCURATOR_TOKEN, else the app's
// settings (the token from the keychain or its 0600 file).
#include "Command.h"

#include "Expected.h"
#include "sync/ClientSettings.h"

namespace pc::cli {

void addServerOptions(QCommandLineParser& parser);

struct ServerTarget {
    QString url;
    QString token;
};

// On failure, prints a one-line error and gives the exit code.
Expected<ServerTarget, int> resolveServer(const QCommandLineParser& parser, const sync::ClientSettings& settings, const QString& command);

} // namespace pc::cli
