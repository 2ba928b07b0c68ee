#include "Command.h"
#include "Runtime.h"

#include "training/LearningLoop.h"
#include "training/TrainingLabels.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <thread>

namespace pc::cli {

namespace {

class TrainCommand : public Command {
public:
    QString name() const override { return QStringLiteral("train"); }
    QString summary() const override { return QStringLiteral("Train a model on the workspace's labels; it goes live if it passes the quality gate"); }

    void configure(QCommandLineParser& p) const override
    {
        p.addOption({QStringLiteral("json"), QStringLiteral("Print the outcome as one JSON object.")});
        p.addOption({QStringLiteral("incremental"), QStringLiteral("Warm-start from the active model (a few epochs).")});
        p.addOption({QStringLiteral("mlp"), QStringLiteral("A small MLP head instead of linear softmax.")});
        p.addOption({QStringLiteral("epochs"), QStringLiteral("Most epochs (early stopping may end sooner)."), QStringLiteral("N")});
        p.addOption({QStringLiteral("views"), QStringLiteral("Augmented views cached per image (default 4)."), QStringLiteral("K"), QStringLiteral("4")});
        p.addOption({QStringLiteral("seed"), QStringLiteral("Random seed (default 1)."), QStringLiteral("N"), QStringLiteral("1")});
        p.addOption({QStringLiteral("fine-tune-blocks"), QStringLiteral("Also fine-tune the backbone's last N blocks (slow on CPU)."), QStringLiteral("N"), QStringLiteral("0")});
        p.addOption({QStringLiteral("policy"),
                     QStringLiteral("Training-set policy for this run: all, approved (imported labels and those the team server approved), "
                                    "origins=LIST of dataset,curator,server (default: the workspace's, set in Preferences or by sync --train-on)."),
                     QStringLiteral("POLICY")});
        p.addOption({QStringLiteral("only-if-new"),
                     QStringLiteral("Train only when the labels changed since the last version (since the last full run's without "
                                    "--incremental): for cron. Otherwise say so and exit 0.")});
        addRuntimeOptions(p);
    }

    int run(const QCommandLineParser& p) const override
    {
        TrainRequest request;
        // The command ends with the training: every view first, then one training (no model on
        // centre views whose better follow-up would be cancelled when the process exits).
        request.centreViewsFirst = false;
        int seed = 1;
        if (!intOption(p, name(), QStringLiteral("epochs"), 1, 10000, request.trainer.maxEpochs) || !intOption(p, name(), QStringLiteral("views"), 0, 32, request.augmentedViews)
            || !intOption(p, name(), QStringLiteral("seed"), 0, 1 << 30, seed) || !intOption(p, name(), QStringLiteral("fine-tune-blocks"), 0, 16, request.fineTuneBlocks))
            return BadArguments;
        request.trainer.seed = quint64(seed);
        if (p.isSet(QStringLiteral("mlp")))
            request.trainer.head = TrainerOptions::HeadKind::Mlp;
        if (p.isSet(QStringLiteral("policy"))) {
            auto policy = TrainingLabelSelection::fromSpec(p.value(QStringLiteral("policy")));
            if (!policy) {
                err() << "petcurator-cli train: --policy: " << policy.error().message << "\n";
                return BadArguments;
            }
            request.policy = *policy;
        }
        request.onlyIfNew = p.isSet(QStringLiteral("only-if-new"));
        if (p.isSet(QStringLiteral("incremental"))) {
            request.kind = TrainRequest::Kind::Incremental;
            if (!p.isSet(QStringLiteral("epochs")))
                request.trainer.maxEpochs = 3;
        }
        auto runtime = Runtime::open(p, Runtime::WorkspaceUse::Required);
        if (!runtime)
            return runtime.error();
        catchInterrupts();
        LearningLoop& loop = *runtime->loop;
        const bool json = p.isSet(QStringLiteral("json"));
        QObject::connect(&loop, &LearningLoop::epochFinished, [json](const EpochMetrics& m) {
            if (!json)
                err() << QStringLiteral("epoch %1  loss %2  train %3%  val %4%\n").arg(m.epoch, 3).arg(m.loss, 0, 'f', 4)
                             .arg(m.trainAccuracy * 100, 0, 'f', 1).arg(m.valAccuracy * 100, 0, 'f', 1);
        });
        // Ctrl-C cancels the run between two batches: nothing half-written is left behind.
        std::atomic_bool finished{false};
        std::thread watcher([&loop, &finished] {
            while (!interruptFlag() && !finished)
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
            if (interruptFlag())
                loop.cancel();
        });
        auto outcome = loop.train(request);
        finished = true;
        watcher.join();
        if (!outcome) {
            err() << "petcurator-cli train: " << outcome.error().message << "\n";
            return Failure;
        }
        const Evaluation& v = outcome->result.validation;
        if (json) {
            QJsonArray epochs;
            for (const EpochMetrics& m : outcome->result.epochs)
                epochs.append(m.toJson());
            out() << QJsonDocument(QJsonObject{{QStringLiteral("version"), outcome->version}, {QStringLiteral("activated"), outcome->activated},
                                               {QStringLiteral("verdict"), outcome->verdict}, {QStringLiteral("cancelled"), outcome->cancelled},
                                               {QStringLiteral("val_accuracy"), v.top1}, {QStringLiteral("val_mean_per_class"), v.meanPerClass},
                                               {QStringLiteral("train_images"), outcome->trainImages}, {QStringLiteral("val_images"), outcome->validationImages},
                                               {QStringLiteral("epochs"), epochs}, {QStringLiteral("seconds"), outcome->seconds},
                                               {QStringLiteral("run"), outcome->runId}, {QStringLiteral("policy"), outcome->policy},
                                               {QStringLiteral("retention"), outcome->retention.toJson()}})
                         .toJson(QJsonDocument::Compact)
                  << "\n";
        } else if (outcome->cancelled) {
            out() << "training cancelled; the active model is unchanged\n";
        } else if (outcome->version.isEmpty()) {
            out() << outcome->verdict << "\n"; // --only-if-new, and the labels are the last version's
        } else {
            out() << QStringLiteral("%1: validation top-1 %2%, mean per-class %3% on %4 images (trained on %5, policy %6) in %7 s; %8 (%9)\n")
                         .arg(outcome->version).arg(v.top1 * 100, 0, 'f', 1).arg(v.meanPerClass * 100, 0, 'f', 1).arg(outcome->validationImages)
                         .arg(outcome->trainImages).arg(outcome->policy).arg(outcome->seconds, 0, 'f', 1)
                         .arg(outcome->activated ? QStringLiteral("now active") : QStringLiteral("kept as a candidate"), outcome->verdict);
            if (!outcome->retention.pruned.isEmpty())
                out() << outcome->retention.summary() << "\n";
        }
        return outcome->cancelled ? Failure : Success;
    }
};

} // namespace

std::unique_ptr<Command> makeTrainCommand() { return std::make_unique<TrainCommand>(); }

} // namespace pc::cli
