#include "FineTuneFixture.h"
#include "TestSupport.h"

#include "imaging/ImageDecoder.h"
#include "model/BatchEmbedder.h"
#include "model/BreedCatalog.h"
#include "model/Precision.h"
#include "model/ZeroShotHead.h"
#include "training/Trainer.h"

#include <QDirIterator>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

using namespace pc;

// fp32 against bf16 on real photos, and how a precision is chosen. Each bf16 check runs only where
// the CPU has native bf16 and says so when it skips.
class TestPrecision : public QObject {
    Q_OBJECT

    static QString noBf16() { return QStringLiteral("bf16 not run: this CPU has no native bf16 (%1)").arg(bf16Evidence()); }

    static std::shared_ptr<const Backbone> bf16Backbone()
    {
        static std::shared_ptr<const Backbone> b = [] {
            auto loaded = Backbone::load(Backbone::defaultWeightsDir(), Precision::Bf16);
            if (!loaded)
                qFatal("cannot load the bf16 backbone: %s", qPrintable(loaded.error().message));
            return std::shared_ptr<const Backbone>(*loaded);
        }();
        return b;
    }

    using Run = test::CliRun;
    static Run cli(const QStringList& args, const QProcessEnvironment& env = QProcessEnvironment::systemEnvironment()) { return test::runCli(args, env); }

    static double cosine(const cv::Mat& a, const cv::Mat& b) { return a.dot(b) / (cv::norm(a) * cv::norm(b)); }

private Q_SLOTS:
    void parsesTheThreeChoices()
    {
        QCOMPARE(*parsePrecisionChoice(QStringLiteral("auto")), PrecisionChoice::Auto);
        QCOMPARE(*parsePrecisionChoice(QStringLiteral("fp32")), PrecisionChoice::Fp32);
        QCOMPARE(*parsePrecisionChoice(QStringLiteral(" BF16 ")), PrecisionChoice::Bf16);
        for (const QString& bad : {QStringLiteral("fp16"), QStringLiteral(""), QStringLiteral("int8")}) {
            const auto c = parsePrecisionChoice(bad);
            QVERIFY2(!c, qPrintable(bad));
            QCOMPARE(c.error().message, QStringLiteral("--precision must be auto, fp32 or bf16, not '%1'").arg(bad));
        }
    }

    void resolvesAgainstThisCpu()
    {
        qInfo("this CPU: %s native bf16 (%s)", cpuHasBf16() ? "has" : "has no", qPrintable(bf16Evidence()));
        QVERIFY(!bf16Evidence().isEmpty());
        QCOMPARE(*resolvePrecision(PrecisionChoice::Fp32), Precision::Fp32);
        QCOMPARE(*resolvePrecision(PrecisionChoice::Auto), cpuHasBf16() ? Precision::Bf16 : Precision::Fp32);
        const auto bf16 = resolvePrecision(PrecisionChoice::Bf16);
        QCOMPARE(bool(bf16), cpuHasBf16());
        if (!bf16) {
            QVERIFY(!bf16.error().message.contains(QLatin1Char('\n')));
            QVERIFY(bf16.error().message.contains(QStringLiteral("use fp32 or auto")));
        }
    }

    void cliRefusesAnUnknownPrecision()
    {
        const Run r = cli({QStringLiteral("predict"), QStringLiteral("--precision"), QStringLiteral("fp16"),
                           test::sampleImage(QStringLiteral("Abyssinian_1.jpg"))});
        QCOMPARE(r.code, 2);
        QCOMPARE(r.err, QStringLiteral("petcurator-cli: --precision must be auto, fp32 or bf16, not 'fp16'\n"));
        QVERIFY(r.out.isEmpty());
    }

    void cliOnACpuWithoutBf16()
    {
        // oneDNN honours ONEDNN_MAX_CPU_ISA: capped below AVX512_CORE_BF16, this machine is a CPU
        // without bf16 as far as the backbone can tell, whatever it really has.
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("ONEDNN_MAX_CPU_ISA"), QStringLiteral("AVX512_CORE_VNNI"));
        const Run version = cli({QStringLiteral("--version")}, env);
        QCOMPARE(version.code, 0);
        if (!version.out.contains(QStringLiteral("oneDNN ISA")))
            QSKIP(qPrintable(QStringLiteral("the no-bf16 CLI path not run: bf16 support here is read from cpu flags, which ONEDNN_MAX_CPU_ISA can't hide (%1)")
                                 .arg(version.out.simplified())));
        QVERIFY2(version.out.contains(QStringLiteral("precision: auto is fp32 on this CPU")), qPrintable(version.out));
        const Run bf16 = cli({QStringLiteral("predict"), QStringLiteral("--precision"), QStringLiteral("bf16"),
                              test::sampleImage(QStringLiteral("Abyssinian_1.jpg"))}, env);
        QCOMPARE(bf16.code, 2);
        QCOMPARE(bf16.err.count(QLatin1Char('\n')), 1);
        QVERIFY2(bf16.err.startsWith(QStringLiteral("petcurator-cli: bf16 precision needs a CPU with native bfloat16 instructions")), qPrintable(bf16.err));
        // auto still works there, in fp32.
        const Run autoRun = cli({QStringLiteral("predict"), QStringLiteral("--json"), test::sampleImage(QStringLiteral("Abyssinian_1.jpg"))}, env);
        QCOMPARE(autoRun.code, 0);
    }

    void versionSaysWhatAutoPicks()
    {
        const Run r = cli({QStringLiteral("--version")});
        QCOMPARE(r.code, 0);
        QVERIFY2(r.out.contains(QStringLiteral("precision: auto is %1 on this CPU (%2)")
                                    .arg(precisionName(*resolvePrecision(PrecisionChoice::Auto)), bf16Evidence())),
                 qPrintable(r.out));
    }

    void goldenEmbeddingsInBf16_data()
    {
        QTest::addColumn<QString>("stem");
        QTest::newRow("Abyssinian_1") << QStringLiteral("Abyssinian_1");
        QTest::newRow("Bombay_10") << QStringLiteral("Bombay_10");
        QTest::newRow("samoyed_108") << QStringLiteral("samoyed_108");
    }
    void goldenEmbeddingsInBf16()
    {
        // The goldens of TestEfficientNet (numpy, fp32), with a bound for bf16 of its own: bf16
        // keeps 8 bits of mantissa, so single components move by a few percent of the largest
        // while the direction of the vector barely moves. Measured on these three (AVX512_BF16):
        // max |Δ| 0.048–0.059 (max |golden| 1.77–2.03), cosine 0.99949–0.99966. The bounds leave
        // room for other bf16 kernels (AMX) rounding differently.
        if (!cpuHasBf16())
            QSKIP(qPrintable(noBf16()));
        QFETCH(QString, stem);
        const QString dir = test::sourceDir() + QStringLiteral("/tests/data/golden/");
        QFile f(dir + stem + QStringLiteral(".golden.json"));
        QVERIFY2(f.open(QIODevice::ReadOnly), qPrintable(f.fileName()));
        const QJsonObject golden = QJsonDocument::fromJson(f.readAll()).object();
        const QJsonArray expected = golden[QStringLiteral("embedding")].toArray();
        QCOMPARE(expected.size(), 1280);
        cv::Mat bgr = cv::imread((dir + stem + QStringLiteral(".ppm")).toStdString());
        cv::Mat rgb, view;
        cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
        rgb.convertTo(view, CV_32FC3, 1.0 / 255);
        const Embeddings e = bf16Backbone()->embed({view}, Backbone::Outputs::EmbeddingAndLogits);
        cv::Mat ref(1, 1280, CV_32F);
        for (int i = 0; i < 1280; ++i)
            ref.at<float>(0, i) = float(expected[i].toDouble());
        const double maxAbs = cv::norm(e.embedding, ref, cv::NORM_INF), maxRef = cv::norm(ref, cv::NORM_INF);
        const double cos = cosine(e.embedding, ref);
        qInfo("%s bf16: max |embedding - golden| = %.3g (max |golden| %.3g), cosine %.5f", qPrintable(stem), maxAbs, maxRef, cos);
        QVERIFY2(maxAbs <= 0.15, qPrintable(QString::number(maxAbs)));
        QVERIFY2(cos >= 0.998, qPrintable(QString::number(cos, 'f', 5)));
        const QJsonArray top5 = golden[QStringLiteral("top5")].toArray();
        cv::Point top;
        cv::minMaxLoc(e.logits, nullptr, nullptr, nullptr, &top);
        QCOMPARE(top.x, top5[0].toArray()[0].toInt());
    }

    void bf16AgreesWithFp32OnTheSample()
    {
        // Every photo of the shared sample through both precisions, centre view: the zero-shot
        // breed (what a fresh workspace shows) must agree on ≥ 99.5 %, and each embedding must
        // point where the fp32 one does.
        if (!cpuHasBf16())
            QSKIP(qPrintable(noBf16()));
        QStringList paths;
        QDirIterator it(test::sampleDir() + QStringLiteral("/images"), {QStringLiteral("*.jpg")});
        while (it.hasNext())
            paths << it.next();
        paths.sort();
        QVERIFY(paths.size() >= 600);
        BatchEmbedOptions options;
        options.imagenetLogits = true;
        const auto fp32 = embedFiles(*test::backbone(), paths, options);
        const auto bf16 = embedFiles(*bf16Backbone(), paths, options);
        const ClassifierHead head = makeZeroShotHead(*test::backbone());
        int compared = 0, breedAgree = 0, imagenetAgree = 0;
        double minCos = 1, sumCos = 0;
        QString worst;
        for (size_t i = 0; i < fp32.size(); ++i) {
            QCOMPARE(bool(fp32[i].error), bool(bf16[i].error));
            if (fp32[i].error)
                continue;
            ++compared;
            const cv::Mat a = fp32[i].embedding.row(0), b = bf16[i].embedding.row(0);
            const double c = cosine(a, b);
            sumCos += c;
            if (c < minCos) {
                minCos = c;
                worst = paths[qsizetype(i)];
            }
            cv::Point pa, pb;
            cv::minMaxLoc(head.probabilities(a), nullptr, nullptr, nullptr, &pa);
            cv::minMaxLoc(head.probabilities(b), nullptr, nullptr, nullptr, &pb);
            breedAgree += pa.x == pb.x;
            cv::minMaxLoc(fp32[i].logits, nullptr, nullptr, nullptr, &pa);
            cv::minMaxLoc(bf16[i].logits, nullptr, nullptr, nullptr, &pb);
            imagenetAgree += pa.x == pb.x;
        }
        const double agreement = double(breedAgree) / compared;
        qInfo("%d photos: zero-shot breed top-1 agreement %.2f %% (%d differ), ImageNet top-1 agreement %.2f %%, "
              "embedding cosine mean %.5f, min %.5f (%s)",
              compared, agreement * 100, compared - breedAgree, 100.0 * imagenetAgree / compared, sumCos / compared, minCos,
              qPrintable(QFileInfo(worst).fileName()));
        QVERIFY2(agreement >= 0.995, qPrintable(QString::number(agreement * 100, 'f', 2)));
        QVERIFY2(minCos >= 0.99, qPrintable(QString::number(minCos, 'f', 5)));
    }

    void fineTuningRunsItsFrozenFrontInBf16()
    {
        // With a bf16 backbone the frozen front of fine-tuning runs under CPU autocast; the tuned
        // tail and its backward stay fp32. Both fronts are timed here for the record (no timing
        // assertion): 6 real images, the last 4 blocks, one epoch.
        if (!cpuHasBf16())
            QSKIP(qPrintable(noBf16()));
        const BreedCatalog& catalog = BreedCatalog::oxford();
        LabelledImages train, val;
        test::twoBreedFineTuneSet(&train, &val);
        if (QTest::currentTestFailed())
            return;
        const ClassifierHead start(catalog.ids(), {{cv::Mat::zeros(37, 1280, CV_32F), cv::Mat::zeros(1, 37, CV_32F)}});
        FineTuneOptions o;
        o.blocks = 4;
        o.epochs = 1;
        o.batchSize = 3;
        std::map<Precision, double> seconds, loss;
        // Twice each, alternating: the second round is timed, after oneDNN built its kernels.
        for (const auto& backbone : {test::backbone(), bf16Backbone(), test::backbone(), bf16Backbone()}) {
            QElapsedTimer t;
            t.start();
            auto r = fineTuneBackbone(*backbone, start, train, val, o);
            QVERIFY2(r.ok(), r.ok() ? "" : qPrintable(r.error().message));
            seconds[backbone->precision()] = double(t.nsecsElapsed()) / 1e9;
            QCOMPARE(int(r->epochs.size()), 1);
            loss[backbone->precision()] = r->epochs[0].loss;
            QVERIFY(std::isfinite(r->epochs[0].loss) && r->epochs[0].loss > 0);
            QVERIFY(r->tunedTensors.count("blocks.15.project.weight"));
        }
        qInfo("fine-tune, 6 images, last 4 blocks, 1 epoch: fp32 front %.2f s (loss %.4f), bf16 front %.2f s (loss %.4f)",
              seconds[Precision::Fp32], loss[Precision::Fp32], seconds[Precision::Bf16], loss[Precision::Bf16]);
        // The same start, the same images and order: the losses differ only by the front's rounding.
        QVERIFY(std::abs(loss[Precision::Fp32] - loss[Precision::Bf16]) < 0.05 * loss[Precision::Fp32]);
    }

    void aTunedCopyKeepsItsPrecision()
    {
        if (!cpuHasBf16())
            QSKIP(qPrintable(noBf16()));
        auto tuned = bf16Backbone()->withTunedTensors({});
        QVERIFY(bool(tuned));
        QCOMPARE((*tuned)->precision(), Precision::Bf16);
        QCOMPARE(test::backbone()->precision(), Precision::Fp32);
    }
};

QTEST_GUILESS_MAIN(TestPrecision)
#include "TestPrecision.moc"
