#include "Command.h"
#include "Runtime.h"

#include "model/Backbone.h"
#include "model/BreedCatalog.h"
#include "training/ActiveLearning.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>

namespace pc::cli {

namespace {

QJsonArray curveJson(const std::vector<LearningCurvePoint>& points)
{
    QJsonArray a;
    for (const LearningCurvePoint& p : points)
        a.append(QJsonObject{{QStringLiteral("labels"), p.labels},
                             {QStringLiteral("top1"), p.top1},
                             {QStringLiteral("top1_sd"), p.top1Sd},
                             {QStringLiteral("mean_per_breed"), p.meanPerClass},
                             {QStringLiteral("mean_per_breed_sd"), p.meanPerClassSd}});
    return a;
}

QString percent(double v) { return QString::number(v * 100, 'f', 1); }

class BenchActiveCommand : public Command {
public:
    QString name() const override { return QStringLiteral("bench-active"); }
    QString summary() const override { return QStringLiteral("Simulate a curator on the sample: least-confident-first labelling against random, on held-out folds"); }

    void configure(QCommandLineParser& p) const override
    {
        addSampleOption(p);
        p.addOption({QStringLiteral("seeds"), QStringLiteral("Random fold splits to average over (default 3)."), QStringLiteral("N")});
        p.addOption({QStringLiteral("folds"), QStringLiteral("Cross-validation folds; each is held out once (default 5)."), QStringLiteral("N")});
        p.addOption({QStringLiteral("start"), QStringLiteral("Labels per breed to start from (default 2)."), QStringLiteral("N")});
        p.addOption({QStringLiteral("round"), QStringLiteral("Labels added per round (default 20)."), QStringLiteral("N")});
        p.addOption({QStringLiteral("rounds"), QStringLiteral("Rounds of labelling (default 12)."), QStringLiteral("N")});
        p.addOption({QStringLiteral("centre-only"), QStringLiteral("Train on the centre views alone (no augmented views to compute: faster).")});
        p.addOption({QStringLiteral("json"), QStringLiteral("Print one JSON object.")});
        addRuntimeOptions(p);
    }

    int run(const QCommandLineParser& p) const override
    {
        ActiveLearningOptions options;
        if (!intOption(p, name(), QStringLiteral("seeds"), 1, 100, options.seeds) || !intOption(p, name(), QStringLiteral("folds"), 2, 20, options.folds)
            || !intOption(p, name(), QStringLiteral("start"), 1, 100, options.startPerClass)
            || !intOption(p, name(), QStringLiteral("round"), 1, 10000, options.roundSize) || !intOption(p, name(), QStringLiteral("rounds"), 0, 1000, options.rounds))
            return BadArguments;
        const auto sampleDir = sampleOption(p, name());
        if (!sampleDir)
            return BadArguments;
        const QString& oxford = *sampleDir;
        auto runtime = Runtime::open(p);
        if (!runtime)
            return runtime.error();
        const Backbone& backbone = *runtime->backbone;
        const BreedCatalog& breeds = BreedCatalog::oxford();
        QTemporaryDir tmp;
        const bool centreOnly = p.isSet(QStringLiteral("centre-only"));
        const auto sample = labelledSampleEmbeddings(*runtime, oxford, tmp.filePath(QStringLiteral("sample")), centreOnly, name());
        if (!sample)
            return Failure;
        const LabelledEmbeddings& data = sample->data;

        options.trainer.cancel = &interruptFlag();
        options.cancel = &interruptFlag();
        options.progress = progressLines(QStringLiteral("simulated curators"));
        auto result = simulateActiveLearning(data, breeds.ids(), options);
        if (!result) {
            err() << "petcurator-cli bench-active: " << result.error().message << "\n";
            return Failure;
        }

        const auto& random = result->random;
        const auto& confident = result->leastConfident;
        int ahead = 0, points = 0;
        double gain = 0;
        for (size_t i = 1; i < std::min(random.size(), confident.size()); ++i, ++points) {
            ahead += confident[i].meanPerClass > random[i].meanPerClass;
            gain += confident[i].meanPerClass - random[i].meanPerClass;
        }
        if (p.isSet(QStringLiteral("json"))) {
            out() << QJsonDocument(QJsonObject{
                {QStringLiteral("images"), int(data.size())},
                {QStringLiteral("precision"), precisionName(backbone.precision())},
                {QStringLiteral("views"), centreOnly ? QStringLiteral("centre") : QStringLiteral("all")},
                {QStringLiteral("seeds"), options.seeds},
                {QStringLiteral("folds"), options.folds},
                {QStringLiteral("runs_per_strategy"), result->runs},
                {QStringLiteral("start_per_breed"), options.startPerClass},
                {QStringLiteral("round"), options.roundSize},
                {QStringLiteral("random"), curveJson(random)},
                {QStringLiteral("least_confident"), curveJson(confident)},
                {QStringLiteral("least_confident_ahead_points"), ahead},
                {QStringLiteral("compared_points"), points},
                {QStringLiteral("least_confident_mean_gain"), points ? gain / points : 0.0},
                {QStringLiteral("embedding_s"), sample->embeddingSeconds},
                {QStringLiteral("simulation_s"), result->seconds},
            }).toJson(QJsonDocument::Compact) << "\n";
            return Success;
        }
        out() << QStringLiteral("%1 labelled images, %2 seeds × %3 folds (each fold held out once), start %4 per breed, rounds of %5, %6 views, backbone in %7\n")
                     .arg(data.size()).arg(options.seeds).arg(options.folds).arg(options.startPerClass).arg(options.roundSize)
                     .arg(centreOnly ? QStringLiteral("centre") : QStringLiteral("all"), precisionName(backbone.precision()));
        out() << "accuracy on the held-out fold, % (mean ± sd over the runs)\n";
        out() << QStringLiteral("%1  %2  %3  %4  %5\n").arg(QStringLiteral("labels"), 6).arg(QStringLiteral("random top-1"), 13)
                     .arg(QStringLiteral("random per breed"), 17).arg(QStringLiteral("least-conf. top-1"), 17).arg(QStringLiteral("least-conf. per breed"), 21);
        for (size_t i = 0; i < std::min(random.size(), confident.size()); ++i)
            out() << QStringLiteral("%1  %2  %3  %4  %5\n").arg(random[i].labels, 6, 'f', 0)
                         .arg(percent(random[i].top1) + QStringLiteral(" ± ") + percent(random[i].top1Sd), 13)
                         .arg(percent(random[i].meanPerClass) + QStringLiteral(" ± ") + percent(random[i].meanPerClassSd), 17)
                         .arg(percent(confident[i].top1) + QStringLiteral(" ± ") + percent(confident[i].top1Sd), 17)
                         .arg(percent(confident[i].meanPerClass) + QStringLiteral(" ± ") + percent(confident[i].meanPerClassSd), 21);
        out() << QStringLiteral("least-confident first is ahead (mean per breed) at %1 of %2 points after the start, by %3 pt on average; "
                                "embedding %4 s, simulation %5 s\n")
                     .arg(ahead).arg(points).arg((points ? gain / points : 0.0) * 100, 0, 'f', 2)
                     .arg(sample->embeddingSeconds, 0, 'f', 1).arg(result->seconds, 0, 'f', 1);
        return Success;
    }
};

} // namespace

std::unique_ptr<Command> makeBenchActiveCommand() { return std::make_unique<BenchActiveCommand>(); }

} // namespace pc::cli
