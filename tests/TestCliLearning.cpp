// petcurator-cli's learning-loop commands end to end, as a script or cron job would use them:
// import, label, train, eval, models, and predict on the active model. No display involved.
#include "TestSupport.h"

#include "model/ModelBundle.h"
#include "workspace/Workspace.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <algorithm>
#include <cstring>

using namespace pc;

class TestCliLearning : public QObject {
    Q_OBJECT

    QTemporaryDir m_tmp;
    QString m_data, m_ws;

    using Run = test::CliRun;
    Run cli(QStringList args, const QString& workspace = {}) const
    {
        return test::runCli(args << QStringLiteral("--workspace") << (workspace.isEmpty() ? m_ws : workspace));
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_data = test::makeOxfordSubset(m_tmp.filePath(QStringLiteral("data")),
                                        {QStringLiteral("pug"), QStringLiteral("Persian"), QStringLiteral("Bengal"), QStringLiteral("boxer")}, 10);
        m_ws = m_tmp.filePath(QStringLiteral("ws"));
    }

    void trainOnAnEmptyWorkspaceSaysWhy()
    {
        const Run r = cli({QStringLiteral("train")});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains(QStringLiteral("no labelled images")), qPrintable(r.err));
        QCOMPARE(r.err.trimmed().count(QLatin1Char('\n')), 0);
    }

    void importReportsAndIsIdempotent()
    {
        Run r = cli({QStringLiteral("import"), QStringLiteral("--oxford"), m_data, QStringLiteral("--json")});
        QCOMPARE(r.code, 0);
        QCOMPARE(r.json()[QStringLiteral("added")].toInt(), 40);
        QCOMPARE(r.json()[QStringLiteral("labelled")].toInt(), 40);
        r = cli({QStringLiteral("import"), QStringLiteral("--oxford"), m_data, QStringLiteral("--json")});
        QCOMPARE(r.code, 0);
        QCOMPARE(r.json()[QStringLiteral("added")].toInt(), 0);
        QCOMPARE(r.json()[QStringLiteral("duplicates")].toInt(), 40);
        QCOMPARE(r.json()[QStringLiteral("labelled")].toInt(), 0);
        QCOMPARE(cli({QStringLiteral("import")}).code, 2);
        QCOMPARE(cli({QStringLiteral("import"), QStringLiteral("--oxford"), m_data, QStringLiteral("--folders"), m_data}).code, 2);
    }

    void trainActivatesTheFirstModel()
    {
        const Run r = cli({QStringLiteral("train"), QStringLiteral("--json"), QStringLiteral("--views"), QStringLiteral("1")});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const QJsonObject o = r.json();
        QCOMPARE(o[QStringLiteral("version")].toString(), QStringLiteral("v1"));
        QVERIFY(o[QStringLiteral("activated")].toBool());
        QVERIFY(o[QStringLiteral("epochs")].toArray().size() >= 1);
        QVERIFY(o[QStringLiteral("val_images")].toInt() >= 4);
        // The command waits for its training: every view is cached before it, none left for later.
        auto ws = Workspace::open(m_ws);
        QVERIFY(ws.ok());
        const auto counts = (*ws)->embeddings().viewCounts(test::backbone()->weightsHash());
        QVERIFY(counts.ok());
        QCOMPARE(counts->size(), 40);
        for (int views : *counts)
            QCOMPARE(views, 2);
    }

    void trainingIsTheSameInEveryProcess()
    {
        // Two copies of the workspace (labels, split, cached embeddings), trained by two processes:
        // the same seed gives the same epochs to the last bit.
        QJsonArray epochs[2];
        for (int i = 0; i < 2; ++i) {
            const QString copy = m_tmp.filePath(QStringLiteral("copy%1").arg(i));
            QVERIFY(QDir().mkpath(copy));
            QDirIterator files(m_ws, QDir::Files, QDirIterator::Subdirectories);
            while (files.hasNext()) {
                const QString from = files.next();
                const QString to = QDir(copy).filePath(QDir(m_ws).relativeFilePath(from));
                QVERIFY(QDir().mkpath(QFileInfo(to).path()));
                QVERIFY(QFile::copy(from, to));
            }
            QProcess p;
            p.start(test::cliPath(), {QStringLiteral("train"), QStringLiteral("--json"), QStringLiteral("--views"), QStringLiteral("1"),
                                      QStringLiteral("--epochs"), QStringLiteral("4"), QStringLiteral("--workspace"), copy});
            QVERIFY(p.waitForFinished(600000));
            QCOMPARE(p.exitCode(), 0);
            epochs[i] = QJsonDocument::fromJson(p.readAllStandardOutput()).object()[QStringLiteral("epochs")].toArray();
        }
        QCOMPARE(epochs[0].size(), 4);
        QCOMPARE(epochs[0], epochs[1]);
    }

    void sameImagesInAnotherOrderTrainTheSameModel()
    {
        // The same photos and labels, listed backwards: a second fresh workspace gives them other
        // ids. Trained by two processes with one seed, both bundles hold the same tensors, bit for bit.
        const QString reversed = m_tmp.filePath(QStringLiteral("reversed"));
        QVERIFY(QDir().mkpath(reversed + QStringLiteral("/annotations")));
        QVERIFY(QDir().mkpath(reversed + QStringLiteral("/images")));
        for (const QString& f : QDir(m_data + QStringLiteral("/images")).entryList(QDir::Files))
            QVERIFY(QFile::copy(m_data + QStringLiteral("/images/") + f, reversed + QStringLiteral("/images/") + f));
        QFile list(m_data + QStringLiteral("/annotations/list.txt")), backwards(reversed + QStringLiteral("/annotations/list.txt"));
        QVERIFY(list.open(QIODevice::ReadOnly) && backwards.open(QIODevice::WriteOnly));
        QList<QByteArray> lines = list.readAll().trimmed().split('\n');
        std::reverse(lines.begin(), lines.end());
        QVERIFY(backwards.write(lines.join('\n') + '\n') > 0);
        backwards.close();

        ModelBundle bundles[2];
        QHash<QString, qint64> idOf[2];
        const QString dirs[2] = {m_data, reversed};
        for (int i = 0; i < 2; ++i) {
            const QString ws = m_tmp.filePath(QStringLiteral("order%1").arg(i));
            Run r = cli({QStringLiteral("import"), QStringLiteral("--oxford"), dirs[i]}, ws);
            QVERIFY2(r.code == 0, qPrintable(r.err));
            r = cli({QStringLiteral("train"), QStringLiteral("--views"), QStringLiteral("1"), QStringLiteral("--epochs"), QStringLiteral("4"),
                     QStringLiteral("--seed"), QStringLiteral("5")}, ws);
            QVERIFY2(r.code == 0, qPrintable(r.err));
            auto opened = Workspace::open(ws);
            QVERIFY(opened.ok());
            // The trained version, whether or not the gate let it in.
            const auto models = (*opened)->models().all();
            QVERIFY(models.ok() && models->size() == 1);
            auto bundle = readModelBundle(QDir(ws).filePath(models->constFirst().file));
            QVERIFY2(bundle.ok(), bundle.ok() ? "" : qPrintable(bundle.error().message));
            bundles[i] = *bundle;
            const auto images = (*opened)->images();
            QVERIFY(images.ok());
            for (const ImageRecord& image : *images)
                idOf[i].insert(image.sha256, image.id);
        }
        QCOMPARE(idOf[0].size(), 40);
        QCOMPARE(idOf[1].size(), 40);
        bool idsDiffer = false;
        for (auto it = idOf[0].cbegin(); it != idOf[0].cend(); ++it) {
            QVERIFY(idOf[1].contains(it.key()));
            idsDiffer = idsDiffer || idOf[1].value(it.key()) != it.value();
        }
        QVERIFY(idsDiffer); // the order did change the ids
        const auto& a = bundles[0].head.layers();
        const auto& b = bundles[1].head.layers();
        QCOMPARE(a.size(), b.size());
        for (size_t l = 0; l < a.size(); ++l) {
            QCOMPARE(a[l].weight.total(), b[l].weight.total());
            QCOMPARE(a[l].bias.total(), b[l].bias.total());
            QVERIFY2(std::memcmp(a[l].weight.data, b[l].weight.data, a[l].weight.total() * sizeof(float)) == 0, "the weights differ");
            QVERIFY2(std::memcmp(a[l].bias.data, b[l].bias.data, a[l].bias.total() * sizeof(float)) == 0, "the biases differ");
        }
        QCOMPARE(bundles[0].metrics[QStringLiteral("val_images")], bundles[1].metrics[QStringLiteral("val_images")]);
    }

    void benchActiveSimulatesBothStrategies()
    {
        const QString ws = m_tmp.filePath(QStringLiteral("unused")); // bench-active makes its own
        Run r = cli({QStringLiteral("bench-active"), QStringLiteral("--oxford"), m_data, QStringLiteral("--centre-only"), QStringLiteral("--seeds"), QStringLiteral("1"),
                     QStringLiteral("--folds"), QStringLiteral("2"), QStringLiteral("--start"), QStringLiteral("1"), QStringLiteral("--round"), QStringLiteral("4"),
                     QStringLiteral("--rounds"), QStringLiteral("2"), QStringLiteral("--json")}, ws);
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const QJsonObject o = r.json();
        QCOMPARE(o[QStringLiteral("images")].toInt(), 40);
        QCOMPARE(o[QStringLiteral("runs_per_strategy")].toInt(), 2);
        for (const QString& key : {QStringLiteral("random"), QStringLiteral("least_confident")}) {
            const QJsonArray curve = o[key].toArray();
            QCOMPARE(curve.size(), 3);
            for (int i = 0; i < 3; ++i) {
                const QJsonObject point = curve[i].toObject();
                QCOMPARE(point[QStringLiteral("labels")].toDouble(), 4.0 + 4 * i);
                QVERIFY(point[QStringLiteral("top1")].toDouble() > 0.25); // above chance on 4 breeds
                QVERIFY(point[QStringLiteral("mean_per_breed")].toDouble() <= 1.0);
            }
        }
        QCOMPARE(o[QStringLiteral("compared_points")].toInt(), 2);
        r = cli({QStringLiteral("bench-active"), QStringLiteral("--oxford"), m_data, QStringLiteral("--folds"), QStringLiteral("1")}, ws);
        QCOMPARE(r.code, 2);
        QCOMPARE(r.err.trimmed().count(QLatin1Char('\n')), 0);
        r = cli({QStringLiteral("bench-active"), QStringLiteral("--oxford"), m_tmp.filePath(QStringLiteral("nowhere"))}, ws);
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains(QStringLiteral("not a folder")), qPrintable(r.err));
    }

    void benchCvComparesTheRecipesOnTheSameFolds()
    {
        const QString ws = m_tmp.filePath(QStringLiteral("unused")); // bench-cv makes its own
        const Run r = cli({QStringLiteral("bench-cv"), QStringLiteral("--oxford"), m_data, QStringLiteral("--centre-only"), QStringLiteral("--folds"), QStringLiteral("2"),
                           QStringLiteral("--repeats"), QStringLiteral("1"), QStringLiteral("--json")}, ws);
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const QJsonArray recipes = r.json()[QStringLiteral("recipes")].toArray();
        QCOMPARE(recipes.size(), 4);
        QCOMPARE(recipes[0].toObject()[QStringLiteral("recipe")].toString(), QStringLiteral("early-stopped"));
        QCOMPARE(recipes[0].toObject()[QStringLiteral("vs_first_mean_per_breed")].toDouble(), 0.0);
        for (const QJsonValue& v : recipes) {
            const double perBreed = v.toObject()[QStringLiteral("mean_per_breed")].toDouble();
            QVERIFY2(perBreed > 0.25 && perBreed <= 1, qPrintable(QString::number(perBreed)));
        }
        QCOMPARE(cli({QStringLiteral("bench-cv"), QStringLiteral("--oxford"), m_data, QStringLiteral("--repeats"), QStringLiteral("0")}, ws).code, 2);
    }

    void predictUsesTheActiveModel()
    {
        const Run r = cli({QStringLiteral("predict"), QStringLiteral("--json"), test::sampleImage(QStringLiteral("Bengal_10.jpg"))});
        QCOMPARE(r.code, 0);
        const QJsonObject o = r.json();
        QCOMPARE(o[QStringLiteral("model")].toString(), QStringLiteral("v1"));
        QCOMPARE(o[QStringLiteral("top")].toArray().first()[QStringLiteral("label")].toString(), QStringLiteral("Bengal")); // zero-shot can't say Bengal
    }

    void evalReportsAccuracyAndConfusion()
    {
        const Run r = cli({QStringLiteral("eval"), QStringLiteral("--oxford"), m_data, QStringLiteral("--json")});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const QJsonObject o = r.json();
        QCOMPARE(o[QStringLiteral("model")].toString(), QStringLiteral("v1"));
        QCOMPARE(o[QStringLiteral("images")].toInt(), 40);
        QVERIFY(o[QStringLiteral("top1")].toDouble() > 0.8);
        QVERIFY(o[QStringLiteral("mean_per_class")].toDouble() > 0.8);
        const QJsonArray confusion = o[QStringLiteral("confusion")].toArray();
        QCOMPARE(confusion.size(), 37);
        int total = 0;
        for (const QJsonValue& row : confusion)
            for (const QJsonValue& cell : row.toArray())
                total += cell.toInt();
        QCOMPARE(total, 40);
        QCOMPARE(cli({QStringLiteral("eval"), QStringLiteral("--oxford"), m_data, QStringLiteral("--split"), QStringLiteral("test")}).code, 1); // none listed
        QCOMPARE(cli({QStringLiteral("eval"), QStringLiteral("--oxford"), m_data, QStringLiteral("--split"), QStringLiteral("bogus")}).code, 2);
        QCOMPARE(cli({QStringLiteral("eval"), QStringLiteral("--oxford"), m_tmp.filePath(QStringLiteral("nowhere"))}).code, 1);
    }

    void labelThenUpdate()
    {
        Run r = cli({QStringLiteral("label"), test::sampleImage(QStringLiteral("pug_112.jpg")), QStringLiteral("Pug"), QStringLiteral("--update"), QStringLiteral("--json")});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QCOMPARE(r.json()[QStringLiteral("breed")].toString(), QStringLiteral("pug"));
        QVERIFY(r.json().contains(QStringLiteral("model")));
        r = cli({QStringLiteral("label"), test::sampleImage(QStringLiteral("pug_112.jpg")), QStringLiteral("dachshund")});
        QCOMPARE(r.code, 2);
        QVERIFY(r.err.contains(QStringLiteral("unknown breed")));
        r = cli({QStringLiteral("label"), m_tmp.filePath(QStringLiteral("missing.jpg")), QStringLiteral("pug")});
        QCOMPARE(r.code, 1);
        QCOMPARE(r.err.trimmed().count(QLatin1Char('\n')), 0);
    }

    void modelsListActivateRollback()
    {
        Run r = cli({QStringLiteral("models"), QStringLiteral("list"), QStringLiteral("--json")});
        QCOMPARE(r.code, 0);
        const QJsonArray models = r.json()[QStringLiteral("models")].toArray();
        QVERIFY(models.size() >= 2);
        const QString active = r.json()[QStringLiteral("active")].toString();
        int activeCount = 0;
        for (const QJsonValue& m : models)
            activeCount += m[QStringLiteral("state")].toString() == QStringLiteral("active");
        QCOMPARE(activeCount, 1);

        QCOMPARE(cli({QStringLiteral("models"), QStringLiteral("activate"), QStringLiteral("v1")}).code, 0);
        QCOMPARE(cli({QStringLiteral("models"), QStringLiteral("list"), QStringLiteral("--json")}).json()[QStringLiteral("active")].toString(), QStringLiteral("v1"));
        r = cli({QStringLiteral("models"), QStringLiteral("rollback"), QStringLiteral("--json")});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QCOMPARE(r.json()[QStringLiteral("active")].toString(), active);
        QCOMPARE(cli({QStringLiteral("models"), QStringLiteral("activate"), QStringLiteral("v42")}).code, 1);
        QCOMPARE(cli({QStringLiteral("models"), QStringLiteral("frobnicate")}).code, 2);
    }

    void trainOnlyIfNewPolicyAndPrune()
    {
        // pug_112 was confirmed as pug: no new labels since v1, the last full run.
        Run r = cli({QStringLiteral("train"), QStringLiteral("--only-if-new"), QStringLiteral("--views"), QStringLiteral("1"), QStringLiteral("--json")});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QCOMPARE(r.json()[QStringLiteral("version")].toString(), QString());
        QCOMPARE(r.json()[QStringLiteral("verdict")].toString(), QStringLiteral("no new labels since v1, the last full training: nothing to train"));
        r = cli({QStringLiteral("train"), QStringLiteral("--only-if-new"), QStringLiteral("--views"), QStringLiteral("1")});
        QCOMPARE(r.code, 0);
        QCOMPARE(r.out, QStringLiteral("no new labels since v1, the last full training: nothing to train\n"));

        // A policy for one run; the model records it. A bad one is refused on one line.
        r = cli({QStringLiteral("train"), QStringLiteral("--policy"), QStringLiteral("bogus")});
        QCOMPARE(r.code, 2);
        QCOMPARE(r.err.trimmed().count(QLatin1Char('\n')), 0);
        QVERIFY2(r.err.contains(QStringLiteral("unknown training-set policy 'bogus'")), qPrintable(r.err));
        r = cli({QStringLiteral("train"), QStringLiteral("--policy"), QStringLiteral("origins=dataset"), QStringLiteral("--views"), QStringLiteral("1"),
                 QStringLiteral("--epochs"), QStringLiteral("5"), QStringLiteral("--json")});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QCOMPARE(r.json()[QStringLiteral("policy")].toString(), QStringLiteral("origins=dataset"));
        QCOMPARE(r.json()[QStringLiteral("train_images")].toInt() + r.json()[QStringLiteral("val_images")].toInt(), 39); // not pug_112's curator label
        const QString byPolicy = r.json()[QStringLiteral("version")].toString();
        for (int i = 0; i < 2; ++i) {
            r = cli({QStringLiteral("train"), QStringLiteral("--incremental"), QStringLiteral("--views"), QStringLiteral("1"), QStringLiteral("--json")});
            QVERIFY2(r.code == 0, qPrintable(r.err));
            QCOMPARE(r.json()[QStringLiteral("policy")].toString(), QStringLiteral("all"));
        }
        r = cli({QStringLiteral("models"), QStringLiteral("list")});
        QCOMPARE(r.code, 0);
        QVERIFY2(r.out.contains(QStringLiteral("policy origins=dataset")), qPrintable(r.out));

        // Prune by hand: bad arguments first, then a dry run, then the same for real.
        QCOMPARE(cli({QStringLiteral("models"), QStringLiteral("prune"), QStringLiteral("--keep"), QStringLiteral("x")}).code, 2);
        QCOMPARE(cli({QStringLiteral("models"), QStringLiteral("list"), QStringLiteral("--keep"), QStringLiteral("3")}).code, 2);
        QCOMPARE(cli({QStringLiteral("models"), QStringLiteral("prune"), QStringLiteral("v1")}).code, 2);
        r = cli({QStringLiteral("models"), QStringLiteral("prune"), QStringLiteral("--keep"), QStringLiteral("0"), QStringLiteral("--dry-run"), QStringLiteral("--json")});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY(r.json()[QStringLiteral("dry_run")].toBool());
        QCOMPARE(r.json()[QStringLiteral("keep")].toInt(), 0);
        const QJsonArray planned = r.json()[QStringLiteral("pruned")].toArray();
        // Three quick updates (label --update and two above): at most two are live or the rollback target.
        QVERIFY(!planned.isEmpty());
        for (const QJsonValue& b : planned)
            QVERIFY(QFile::exists(QDir(m_ws).filePath(b[QStringLiteral("file")].toString())));
        r = cli({QStringLiteral("models"), QStringLiteral("prune"), QStringLiteral("--keep"), QStringLiteral("0")});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY2(r.out.contains(QStringLiteral(" freed\n")), qPrintable(r.out));
        for (const QJsonValue& b : planned) {
            QVERIFY2(r.out.contains(QStringLiteral("deleted ") + b[QStringLiteral("file")].toString()), qPrintable(r.out));
            QVERIFY(!QFile::exists(QDir(m_ws).filePath(b[QStringLiteral("file")].toString())));
        }
        const QJsonArray models = cli({QStringLiteral("models"), QStringLiteral("list"), QStringLiteral("--json")}).json()[QStringLiteral("models")].toArray();
        const QString gone = planned.first()[QStringLiteral("version")].toString();
        for (const QJsonValue& m : models)
            if (m[QStringLiteral("version")].toString() == gone)
                QVERIFY(m[QStringLiteral("pruned")].isString());
        QVERIFY(cli({QStringLiteral("models"), QStringLiteral("list")}).out.contains(QStringLiteral("pruned")));
        r = cli({QStringLiteral("models"), QStringLiteral("activate"), gone});
        QCOMPARE(r.code, 1);
        QCOMPARE(r.err, QStringLiteral("petcurator-cli models: model %1's bundle was pruned to save space: it can't be activated "
                                       "(its metrics stay in the history)\n").arg(gone));
        QVERIFY(!byPolicy.isEmpty());
    }

    void benchLearnReportsTheFirstModelAndTheViewFigures()
    {
        // Runs, and prints the time to the first model and the caches' speeds (not judged here: the
        // machine is shared; the figures are measured on a quiet one).
        const Run r = cli({QStringLiteral("bench-learn"), QStringLiteral("--json"), QStringLiteral("--oxford"), m_data, QStringLiteral("--folds"),
                           QStringLiteral("2"), QStringLiteral("--repeats"), QStringLiteral("1"), QStringLiteral("--scale"), QStringLiteral("100")});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const QJsonObject o = r.json();
        QCOMPARE(o[QStringLiteral("sample_images")].toInt(), 40);
        QCOMPARE(o[QStringLiteral("centre_views")].toInt(), 40);
        QCOMPARE(o[QStringLiteral("augmented_views")].toInt(), 160);
        QVERIFY(o[QStringLiteral("first_model_activated")].toBool());
        for (const char* key : {"import_to_active_model_s", "centre_views_per_s", "augmented_views_per_s", "embedding_views_per_s",
                                "import_to_all_views_model_s", "cv_top1", "incremental_update_s_median"})
            QVERIFY2(o[QLatin1String(key)].toDouble() > 0, key);
        QVERIFY(o[QStringLiteral("import_to_all_views_model_s")].toDouble() > o[QStringLiteral("import_to_active_model_s")].toDouble());
    }
};

QTEST_GUILESS_MAIN(TestCliLearning)
#include "TestCliLearning.moc"
