#include "Command.h"
#include "Runtime.h"

#include "model/Backbone.h"
#include "model/BreedCatalog.h"
#include "training/CrossValidation.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <cmath>

namespace pc::cli {

namespace {

const std::vector<TrainingRecipe> kRecipes{TrainingRecipe::EarlyStopped, TrainingRecipe::Refit, TrainingRecipe::HeldOutFixed, TrainingRecipe::NoValidation};

// Fold by fold against the first recipe: the mean difference in mean per-breed accuracy, and the
// sd of the repeats' mean differences (the noise a fresh split adds).
struct PairedDifference {
    double mean = 0, sd = 0;
};

PairedDifference pairedDifference(const CrossValidationResult& a, const CrossValidationResult& base)
{
    PairedDifference d;
    const size_t n = std::min(a.folds.size(), base.folds.size());
    if (n == 0 || a.repeats < 1)
        return d;
    const size_t perRepeat = n / size_t(a.repeats);
    std::vector<double> repeatMeans;
    for (int r = 0; r < a.repeats; ++r) {
        double m = 0;
        for (size_t f = 0; f < perRepeat; ++f) {
            const size_t i = size_t(r) * perRepeat + f;
            m += a.folds[i].meanPerClass - base.folds[i].meanPerClass;
        }
        repeatMeans.push_back(m / double(perRepeat));
        d.mean += repeatMeans.back() / a.repeats;
    }
    for (double m : repeatMeans)
        d.sd += (m - d.mean) * (m - d.mean) / a.repeats;
    d.sd = std::sqrt(d.sd);
    return d;
}

class BenchCvCommand : public Command {
public:
    QString name() const override { return QStringLiteral("bench-cv"); }
    QString summary() const override { return QStringLiteral("Cross-validate training recipes on the sample, fold by fold on the same folds"); }

    void configure(QCommandLineParser& p) const override
    {
        addSampleOption(p);
        p.addOption({QStringLiteral("folds"), QStringLiteral("Cross-validation folds (default 5)."), QStringLiteral("N")});
        p.addOption({QStringLiteral("repeats"), QStringLiteral("Cross-validations, each with its own random split (default 3)."), QStringLiteral("N")});
        p.addOption({QStringLiteral("centre-only"), QStringLiteral("Train on the centre views alone (no augmented views to compute: faster).")});
        p.addOption({QStringLiteral("json"), QStringLiteral("Print one JSON object.")});
        addRuntimeOptions(p);
    }

    int run(const QCommandLineParser& p) const override
    {
        CrossValidationOptions options;
        if (!intOption(p, name(), QStringLiteral("folds"), 2, 20, options.folds) || !intOption(p, name(), QStringLiteral("repeats"), 1, 100, options.repeats))
            return BadArguments;
        const auto sampleDir = sampleOption(p, name());
        if (!sampleDir)
            return BadArguments;
        const QString& oxford = *sampleDir;
        auto runtime = Runtime::open(p);
        if (!runtime)
            return runtime.error();
        QTemporaryDir tmp;
        const bool centreOnly = p.isSet(QStringLiteral("centre-only"));
        const auto sample = labelledSampleEmbeddings(*runtime, oxford, tmp.filePath(QStringLiteral("sample")), centreOnly, name());
        if (!sample)
            return Failure;

        options.trainer.cancel = &interruptFlag();
        options.cancel = &interruptFlag();
        std::vector<CrossValidationResult> results;
        for (TrainingRecipe recipe : kRecipes) {
            options.progress = progressLines(toString(recipe));
            auto r = crossValidate(sample->data, BreedCatalog::oxford().ids(), recipe, options);
            if (!r) {
                err() << "petcurator-cli bench-cv: " << r.error().message << "\n";
                return Failure;
            }
            results.push_back(std::move(*r));
        }

        const bool json = p.isSet(QStringLiteral("json"));
        QJsonArray rows;
        if (!json) {
            out() << QStringLiteral("%1 labelled images, %2 × %3-fold cross-validation (the same folds for every recipe), %4 views, backbone in %5\n")
                         .arg(sample->data.size()).arg(options.repeats).arg(options.folds)
                         .arg(centreOnly ? QStringLiteral("centre") : QStringLiteral("all"), precisionName(runtime->backbone->precision()));
            out() << QStringLiteral("%1  %2  %3  %4  %5  %6  %7\n").arg(QStringLiteral("recipe"), -14).arg(QStringLiteral("top-1 %"), 8)
                         .arg(QStringLiteral("per breed %"), 11).arg(QStringLiteral("sd (splits)"), 11).arg(QStringLiteral("vs early-stopped, pt"), 20)
                         .arg(QStringLiteral("epochs"), 6).arg(QStringLiteral("s"), 6);
        }
        for (size_t i = 0; i < results.size(); ++i) {
            const CrossValidationResult& r = results[i];
            const PairedDifference d = pairedDifference(r, results.front());
            rows.append(QJsonObject{{QStringLiteral("recipe"), toString(kRecipes[i])},
                                    {QStringLiteral("top1"), r.top1()},
                                    {QStringLiteral("mean_per_breed"), r.meanPerClass()},
                                    {QStringLiteral("mean_per_breed_sd"), r.meanPerClassSd()},
                                    {QStringLiteral("vs_first_mean_per_breed"), d.mean},
                                    {QStringLiteral("vs_first_sd"), d.sd},
                                    {QStringLiteral("mean_epochs"), r.meanEpochs()},
                                    {QStringLiteral("seconds"), r.seconds}});
            if (!json)
                out() << QStringLiteral("%1  %2  %3  %4  %5  %6  %7\n").arg(toString(kRecipes[i]), -14).arg(r.top1() * 100, 8, 'f', 2)
                             .arg(r.meanPerClass() * 100, 11, 'f', 2).arg(r.meanPerClassSd() * 100, 11, 'f', 2)
                             .arg(i == 0 ? QStringLiteral("—") : QStringLiteral("%1 ± %2").arg(d.mean * 100, 0, 'f', 2).arg(d.sd * 100, 0, 'f', 2), 20)
                             .arg(r.meanEpochs(), 6, 'f', 1).arg(r.seconds, 6, 'f', 1);
        }
        if (json)
            out() << QJsonDocument(QJsonObject{{QStringLiteral("images"), int(sample->data.size())},
                                               {QStringLiteral("folds"), options.folds},
                                               {QStringLiteral("repeats"), options.repeats},
                                               {QStringLiteral("views"), centreOnly ? QStringLiteral("centre") : QStringLiteral("all")},
                                               {QStringLiteral("precision"), precisionName(runtime->backbone->precision())},
                                               {QStringLiteral("recipes"), rows}})
                         .toJson(QJsonDocument::Compact)
                  << "\n";
        return Success;
    }
};

} // namespace

std::unique_ptr<Command> makeBenchCvCommand() { return std::make_unique<BenchCvCommand>(); }

} // namespace pc::cli
