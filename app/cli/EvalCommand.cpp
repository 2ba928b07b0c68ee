#include "Command.h"
#include "Runtime.h"

#include "model/Backbone.h"
#include "model/BatchEmbedder.h"
#include "model/BreedCatalog.h"
#include "training/Trainer.h"
#include "workspace/OxfordAnnotations.h"

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace pc::cli {

namespace {

class EvalCommand : public Command {
public:
    QString name() const override { return QStringLiteral("eval"); }
    QString summary() const override { return QStringLiteral("Accuracy of the active model on an Oxford-IIIT Pet folder"); }

    void configure(QCommandLineParser& p) const override
    {
        p.addOption({QStringLiteral("oxford"), QStringLiteral("An Oxford-IIIT Pet folder (images/ + annotations/)."), QStringLiteral("DIR")});
        p.addOption({QStringLiteral("split"), QStringLiteral("test, trainval or all (default all)."), QStringLiteral("SPLIT"), QStringLiteral("all")});
        p.addOption({QStringLiteral("json"), QStringLiteral("Print one JSON object.")});
        addRuntimeOptions(p);
    }

    int run(const QCommandLineParser& p) const override
    {
        const QString split = p.value(QStringLiteral("split"));
        if (!p.isSet(QStringLiteral("oxford")) || !QStringList{QStringLiteral("test"), QStringLiteral("trainval"), QStringLiteral("all")}.contains(split)) {
            err() << "petcurator-cli eval: give --oxford DIR and --split test|trainval|all\n";
            return BadArguments;
        }
        const QString dir = p.value(QStringLiteral("oxford"));
        const OxfordAnnotations annotations = OxfordAnnotations::read(dir);
        if (!annotations.found) {
            err() << "petcurator-cli eval: " << dir << " has no annotations/list.txt, trainval.txt or test.txt\n";
            return Failure;
        }
        QStringList paths;
        std::vector<int> truth;
        for (const OxfordEntry& e : annotations.entries) {
            if (split == QStringLiteral("all") || e.split == split) {
                paths << QDir(dir).filePath(QStringLiteral("images/%1.jpg").arg(e.name));
                truth.push_back(e.breedIndex);
            }
        }
        if (paths.isEmpty()) {
            err() << "petcurator-cli eval: no images of split '" << split << "' are listed in " << dir << "/annotations\n";
            return Failure;
        }
        auto runtime = Runtime::open(p, Runtime::WorkspaceUse::IfExists);
        if (!runtime)
            return runtime.error();
        const auto model = runtime->active->snapshot();
        const Backbone& backbone = model->backbone ? *model->backbone : *runtime->backbone;
        BatchEmbedOptions options;
        options.limits = runtime->limits;
        const std::vector<EmbeddedFile> embedded = embedFiles(backbone, paths, options);

        LabelledEmbeddings data;
        QJsonArray unreadable;
        for (size_t i = 0; i < embedded.size(); ++i) {
            if (embedded[i].error)
                unreadable.append(QJsonObject{{QStringLiteral("path"), paths[qsizetype(i)]}, {QStringLiteral("error"), embedded[i].error->message}});
            else
                data.add(embedded[i].embedding.row(0), truth[i], qint64(i));
        }
        if (data.size() == 0) {
            err() << "petcurator-cli eval: none of the " << paths.size() << " listed images could be read\n";
            return Failure;
        }
        const Evaluation e = evaluate(model->head, data);
        const QStringList classes = BreedCatalog::oxford().ids();

        if (p.isSet(QStringLiteral("json"))) {
            QJsonObject perClass;
            for (size_t c = 0; c < e.perClass.size(); ++c)
                if (e.perClassCount[c] > 0)
                    perClass.insert(classes[qsizetype(c)], e.perClass[c]);
            QJsonArray confusion;
            for (int r = 0; r < e.confusion.rows; ++r) {
                QJsonArray row;
                for (int c = 0; c < e.confusion.cols; ++c)
                    row.append(e.confusion.at<int>(r, c));
                confusion.append(row);
            }
            out() << QJsonDocument(QJsonObject{{QStringLiteral("model"), model->version}, {QStringLiteral("split"), split},
                                               {QStringLiteral("images"), e.count}, {QStringLiteral("top1"), e.top1},
                                               {QStringLiteral("mean_per_class"), e.meanPerClass}, {QStringLiteral("per_class"), perClass},
                                               {QStringLiteral("classes"), QJsonArray::fromStringList(classes)},
                                               {QStringLiteral("confusion"), confusion}, {QStringLiteral("unreadable"), unreadable},
                                               {QStringLiteral("annotation_issues"), int(annotations.issues.size())}})
                         .toJson(QJsonDocument::Compact)
                  << "\n";
        } else {
            out() << "model " << model->version << ", split " << split << ", " << e.count << " images\n"
                  << QStringLiteral("top-1 %1%, mean per-class %2%\n").arg(e.top1 * 100, 0, 'f', 1).arg(e.meanPerClass * 100, 0, 'f', 1);
            for (size_t c = 0; c < e.perClass.size(); ++c)
                if (e.perClassCount[c] > 0)
                    out() << QStringLiteral("  %1 %2% of %3\n").arg(classes[qsizetype(c)], -28).arg(e.perClass[c] * 100, 5, 'f', 1).arg(e.perClassCount[c]);
            out() << "confusion matrix (rows: true class, columns: predicted, Oxford class-id order):\n";
            for (int r = 0; r < e.confusion.rows; ++r) {
                QStringList cells;
                for (int c = 0; c < e.confusion.cols; ++c)
                    cells << QString::number(e.confusion.at<int>(r, c));
                out() << "  " << cells.join(QLatin1Char(' ')) << "\n";
            }
            for (const QJsonValue& u : unreadable)
                err() << "unreadable " << u[QStringLiteral("path")].toString() << ": " << u[QStringLiteral("error")].toString() << "\n";
        }
        return Success;
    }
};

} // namespace

std::unique_ptr<Command> makeEvalCommand() { return std::make_unique<EvalCommand>(); }

} // namespace pc::cli
