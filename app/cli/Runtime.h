#pragma once
// What most commands need, set up from the common options (--workspace, --weights, --threads,
// --max-pixels, --precision): the backbone, the workspace and its learning loop, and a predictor on the
// workspace's active model (the zero-shot head until a model has been trained).
#include "Command.h"

#include "Expected.h"
#include "curation/ImageGroups.h"
#include "model/ActiveModel.h"
#include "model/Precision.h"
#include "model/Predictor.h"
#include "training/TrainingData.h"

#include <atomic>
#include <functional>

namespace pc {
class Backbone;
class LearningLoop;
class Workspace;
}

namespace pc::cli {

void addRuntimeOptions(QCommandLineParser& parser);

// --precision resolved on this CPU; on failure, prints a one-line error and gives the exit code.
Expected<Precision, int> precisionOption(const QCommandLineParser& parser);

struct Runtime {
    enum class WorkspaceUse { None, IfExists, Required };

    std::shared_ptr<const Backbone> backbone;
    std::shared_ptr<Workspace> workspace;   // null with WorkspaceUse::None, or IfExists and there is none
    std::shared_ptr<LearningLoop> loop;     // with a workspace
    std::shared_ptr<ActiveModel> active;
    std::shared_ptr<Predictor> predictor;
    DecodeLimits limits;

    // On failure, prints a one-line error and gives the exit code.
    static Expected<Runtime, int> open(const QCommandLineParser& parser, WorkspaceUse use = WorkspaceUse::None);
    static QString workspaceDir(const QCommandLineParser& parser);
};

// The Oxford-IIIT Pet folder the bench commands use when none is given: $PETCURATOR_SAMPLE_DIR, else
// shared/datasets/oxford-iiit-pet-sample beside a folder above the executable (a source checkout's
// build). Empty when there is none; nothing of the build machine is compiled in.
QString defaultSampleDir();

// The centre-view embeddings of these images, after computing what the cache lacks (progress on
// stderr, Ctrl-C stops it). On failure, prints "petcurator-cli COMMAND: why" and gives nothing.
std::optional<CentreEmbeddings> centreEmbeddingsFor(const Runtime& runtime, const QVector<qint64>& imageIds, const QString& command);

// --oxford DIR of the commands that learn from the sample, and its value: the folder given, else
// defaultSampleDir(). None, or not a folder: prints "petcurator-cli COMMAND: why" and gives nothing.
void addSampleOption(QCommandLineParser& parser);
std::optional<QString> sampleOption(const QCommandLineParser& parser, const QString& command);

// Every labelled image of an Oxford-IIIT Pet folder with its cached views (all 1 + 4, or the centre
// view alone), in content order: imported into a fresh workspace in `workspaceDir`, embedded with
// progress on stderr (Ctrl-C stops it). For the bench commands that learn from the sample. On
// failure, prints "petcurator-cli COMMAND: why" and gives nothing.
struct SampleEmbeddings {
    LabelledEmbeddings data;
    double embeddingSeconds = 0;
};
std::optional<SampleEmbeddings> labelledSampleEmbeddings(const Runtime& runtime, const QString& oxford, const QString& workspaceDir,
                                                         bool centreOnly, const QString& command);

// Progress for long steps, on stderr: "<what> 120/692" about every 5 % and at the end.
std::function<void(int done, int total)> progressLines(const QString& what);

// Ctrl-C (SIGINT) and SIGTERM set this flag instead of killing the process, so long work stops
// between two committed steps.
const std::atomic_bool& interruptFlag();
void catchInterrupts();

} // namespace pc::cli
