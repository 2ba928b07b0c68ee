#pragma once
// The petcurator-server subcommands. Each parses its own options and returns the exit status.
#include <QStringList>

namespace pc::server_app {

int runServe(const QStringList& args);        // petcurator-server [serve] [options]
int runUserCommand(const QStringList& args);  // user add NAME --role R | user list
int runTokenCommand(const QStringList& args); // token add NAME | token list [NAME] | token revoke ID
int runKeyCommand(const QStringList& args);   // key show

} // namespace pc::server_app
