#include "Command.h"
#include "Runtime.h"

#include "imaging/CollectFiles.h"
#include "model/Predictor.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace pc::cli {

namespace {

class PredictCommand : public Command {
public:
    QString name() const override { return QStringLiteral("predict"); }
    QString summary() const override { return QStringLiteral("Top-k breeds (or ImageNet classes) for images and folders"); }

    void configure(QCommandLineParser& p) const override
    {
        p.addOption({QStringLiteral("top"), QStringLiteral("How many guesses per image (default 3)."), QStringLiteral("K"), QStringLiteral("3")});
        p.addOption({QStringLiteral("json"), QStringLiteral("One JSON object per line.")});
        p.addOption({QStringLiteral("imagenet"), QStringLiteral("Use the 1000 ImageNet classes instead of the breeds.")});
        addRuntimeOptions(p);
        p.addPositionalArgument(QStringLiteral("PATH"), QStringLiteral("Image files or folders (recursive)."), QStringLiteral("PATH..."));
    }

    // One line per file; false for a file that could not be read.
    static bool print(const QString& path, const Expected<Prediction, DecodeError>& result, bool json)
    {
        if (!result) {
            if (json)
                out() << QJsonDocument(QJsonObject{{QStringLiteral("path"), path}, {QStringLiteral("error"), result.error().message}}).toJson(QJsonDocument::Compact) << "\n";
            else
                out() << path << "\terror: " << result.error().message << "\n";
            return false;
        }
        if (json) {
            QJsonArray top;
            for (const Guess& g : result->top)
                top.append(QJsonObject{{QStringLiteral("label"), g.label}, {QStringLiteral("p"), double(g.p)}});
            out() << QJsonDocument(QJsonObject{{QStringLiteral("path"), path}, {QStringLiteral("top"), top},
                                               {QStringLiteral("ms"), std::round(result->ms * 100) / 100},
                                               {QStringLiteral("model"), result->model}})
                         .toJson(QJsonDocument::Compact)
                  << "\n";
        } else {
            QStringList guesses;
            for (const Guess& g : result->top)
                guesses << QStringLiteral("%1 %2%").arg(g.name).arg(double(g.p) * 100, 0, 'f', 1);
            out() << path << "\t" << guesses.join(QStringLiteral(", ")) << "\t(" << QString::number(result->ms, 'f', 1) << " ms)\n";
        }
        return true;
    }

    int run(const QCommandLineParser& p) const override
    {
        bool ok = false;
        const int k = p.value(QStringLiteral("top")).toInt(&ok);
        if (!ok || k < 1 || k > 1000) {
            err() << "petcurator-cli predict: --top must be a number from 1 to 1000, not '" << p.value(QStringLiteral("top")) << "'\n";
            return BadArguments;
        }
        if (p.positionalArguments().isEmpty()) {
            err() << "petcurator-cli predict: give at least one image or folder\n";
            return BadArguments;
        }
        auto runtime = Runtime::open(p, Runtime::WorkspaceUse::IfExists);
        if (!runtime)
            return runtime.error();
        const Predictor& predictor = *runtime->predictor;
        const auto mode = p.isSet(QStringLiteral("imagenet")) ? Predictor::Mode::ImageNet : Predictor::Mode::Breeds;
        const bool json = p.isSet(QStringLiteral("json"));

        // Chunks through the batch path (one worker per core, as bench measures it): results
        // stream out a chunk at a time, in the order given.
        constexpr int kChunk = 64;
        const QStringList files = collectFiles(p.positionalArguments());
        int readable = 0;
        for (qsizetype start = 0; start < files.size(); start += kChunk) {
            const QStringList chunk = files.mid(start, kChunk);
            const auto results = predictor.predictFiles(chunk, k, mode);
            for (qsizetype i = 0; i < chunk.size(); ++i)
                readable += print(chunk[i], results[size_t(i)], json) ? 1 : 0;
            out().flush();
        }
        if (readable == 0) {
            err() << "petcurator-cli predict: no image could be read\n";
            return Failure;
        }
        return Success;
    }
};

} // namespace

std::unique_ptr<Command> makePredictCommand() { return std::make_unique<PredictCommand>(); }

} // namespace pc::cli
