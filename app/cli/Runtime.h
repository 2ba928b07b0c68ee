#pragma once
// What most commands need: the backbone, the active model and a predictor, set up from the
// common options (--weights, --threads, --max-pixels).
#include "Command.h"

#include "Expected.h"
#include "model/ActiveModel.h"
#include "model/Predictor.h"

namespace pc {
class Backbone;
}

namespace pc::cli {

void addRuntimeOptions(QCommandLineParser& parser);

struct Runtime {
    std::shared_ptr<const Backbone> backbone;
    std::shared_ptr<ActiveModel> active;
    std::shared_ptr<Predictor> predictor;
    DecodeLimits limits;

    // On failure, prints a one-line error and gives the exit code.
    static Expected<Runtime, int> open(const QCommandLineParser& parser);
};

} // namespace pc::cli
