#include "Command.h"

namespace pc::cli {

std::unique_ptr<Command> makePredictCommand();
std::unique_ptr<Command> makeBenchCommand();

std::vector<std::unique_ptr<Command>> allCommands()
{
    std::vector<std::unique_ptr<Command>> c;
    c.push_back(makePredictCommand());
    c.push_back(makeBenchCommand());
    return c;
}

} // namespace pc::cli
