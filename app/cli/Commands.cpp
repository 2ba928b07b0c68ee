#include "Command.h"

namespace pc::cli {

std::unique_ptr<Command> makePredictCommand();
std::unique_ptr<Command> makeImportCommand();
std::unique_ptr<Command> makeLabelCommand();
std::unique_ptr<Command> makeTrainCommand();
std::unique_ptr<Command> makeEvalCommand();
std::unique_ptr<Command> makeModelsCommand();
std::unique_ptr<Command> makeBenchCommand();
std::unique_ptr<Command> makeBenchLearnCommand();
std::unique_ptr<Command> makeSyncCommand();
std::unique_ptr<Command> makeServerStatusCommand();
std::unique_ptr<Command> makeGroupsCommand();
std::unique_ptr<Command> makeDuplicatesCommand();
std::unique_ptr<Command> makeBenchGroupsCommand();
std::unique_ptr<Command> makeBenchActiveCommand();
std::unique_ptr<Command> makeBenchCvCommand();
std::unique_ptr<Command> makeExportCommand();

std::vector<std::unique_ptr<Command>> allCommands()
{
    std::vector<std::unique_ptr<Command>> c;
    c.push_back(makePredictCommand());
    c.push_back(makeImportCommand());
    c.push_back(makeLabelCommand());
    c.push_back(makeGroupsCommand());
    c.push_back(makeDuplicatesCommand());
    c.push_back(makeExportCommand());
    c.push_back(makeTrainCommand());
    c.push_back(makeEvalCommand());
    c.push_back(makeModelsCommand());
    c.push_back(makeBenchCommand());
    c.push_back(makeBenchLearnCommand());
    c.push_back(makeBenchGroupsCommand());
    c.push_back(makeBenchActiveCommand());
    c.push_back(makeBenchCvCommand());
    c.push_back(makeSyncCommand());
    c.push_back(makeServerStatusCommand());
    return c;
}

} // namespace pc::cli
