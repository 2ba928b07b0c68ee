#include "TestSupport.h"

#include "model/EfficientNetB0.h"
#include "model/ImportEfficientNet.h"
#include "model/TfjsGraphModel.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>

using namespace pc;

class TestTfjsImport : public QObject {
    Q_OBJECT

    // A writable copy of the weights, for breaking things on purpose.
    static QString copyWeights(const QTemporaryDir& tmp)
    {
        const QDir src(Backbone::defaultWeightsDir());
        for (const QString& f : src.entryList(QDir::Files))
            QFile::copy(src.filePath(f), tmp.filePath(f));
        return tmp.path();
    }

private Q_SLOTS:
    void graphHasTheExpectedShape()
    {
        auto g = TfjsGraphModel::load(Backbone::defaultWeightsDir());
        QVERIFY2(g.ok(), g.ok() ? "" : qPrintable(g.error().message));
        QCOMPARE(int(g->nodes().size()), 490);
        QCOMPARE(int(g->tensors().size()), 178);
        int anonymous = 0;
        for (auto it = g->tensors().cbegin(); it != g->tensors().cend(); ++it)
            anonymous += it.key().startsWith(QStringLiteral("Func/"));
        QCOMPARE(anonymous, 66); // SE convs and the classifier: only reachable through node inputs
    }

    void everyFloatTensorIsUsedWithTheRightShape()
    {
        auto g = TfjsGraphModel::load(Backbone::defaultWeightsDir());
        QVERIFY(g.ok());
        EfficientNetB0 net;
        auto report = importEfficientNetB0(*g, net);
        QVERIFY2(report.ok(), report.ok() ? "" : qPrintable(report.error().message));
        QCOMPARE(report->floatTensorsTotal, 167);
        QCOMPARE(report->floatTensorsUsed, 167);
        // 82 layers × (weight, bias) + input scale, mean, std
        QCOMPARE(report->assignments.size(), 167);

        // Spot checks of layouts: HWIO → OIHW, depthwise [H,W,C,1] → [C,1,H,W], matmul transposed.
        QCOMPARE(net->stem->conv->weight.sizes().vec(), (std::vector<int64_t>{32, 3, 3, 3}));
        auto last = net->blocks[15]->as<MBConvImpl>();
        QCOMPARE(last->depthwise->conv->weight.sizes().vec(), (std::vector<int64_t>{1152, 1, 3, 3}));
        QCOMPARE(last->seReduce->weight.sizes().vec(), (std::vector<int64_t>{48, 1152, 1, 1}));
        QCOMPARE(net->classifier->weight.sizes().vec(), (std::vector<int64_t>{1000, 1280}));
        QCOMPARE(net->inputScale.item<float>(), 255.0f);
        QVERIFY(std::abs(net->inputMean[0][0][0][0].item<float>() - 123.675f) < 1e-3f);
        QVERIFY(std::abs(net->inputStd[0][2][0][0].item<float>() - 57.375f) < 1e-3f);

        // The stem weight really is the HWIO tensor permuted: w_torch[o][i][h][w] == w_tf[h][w][i][o].
        const TfjsTensor* tf = g->tensor(QStringLiteral("StatefulPartitionedCall/model/stem_conv2d/Conv2D_weights"));
        QVERIFY(tf);
        const float* raw = reinterpret_cast<const float*>(tf->data.constData());
        const int h = 2, w = 1, i = 2, o = 17;
        QCOMPARE(net->stem->conv->weight[o][i][h][w].item<float>(), raw[((h * 3 + w) * 3 + i) * 32 + o]);
    }

    void missingShardIsAClearError()
    {
        QTemporaryDir tmp;
        copyWeights(tmp);
        QFile::remove(tmp.filePath(QStringLiteral("group1-shard4of6.bin")));
        auto g = TfjsGraphModel::load(tmp.path());
        QVERIFY(!g.ok());
        QVERIFY2(g.error().message.contains(QStringLiteral("group1-shard4of6.bin")), qPrintable(g.error().message));
    }

    void truncatedShardIsAClearError()
    {
        QTemporaryDir tmp;
        copyWeights(tmp);
        QFile f(tmp.filePath(QStringLiteral("group1-shard6of6.bin")));
        QVERIFY(f.resize(1000));
        auto g = TfjsGraphModel::load(tmp.path());
        QVERIFY(!g.ok());
        QVERIFY2(g.error().message.contains(QStringLiteral("truncated")), qPrintable(g.error().message));
    }

    void wrongShapeIsRejectedByTheImport()
    {
        // Swap the declared shapes of two same-sized tensors: the bytes still add up, the layout doesn't.
        QTemporaryDir tmp;
        copyWeights(tmp);
        QFile f(tmp.filePath(QStringLiteral("model.json")));
        QVERIFY(f.open(QIODevice::ReadOnly));
        QJsonObject root = QJsonDocument::fromJson(f.readAll()).object();
        f.close();
        QJsonArray manifest = root[QStringLiteral("weightsManifest")].toArray();
        QJsonObject group = manifest[0].toObject();
        QJsonArray weights = group[QStringLiteral("weights")].toArray();
        QJsonObject stem = weights[0].toObject();
        QCOMPARE(stem[QStringLiteral("name")].toString(), QStringLiteral("StatefulPartitionedCall/model/stem_conv2d/Conv2D_weights"));
        stem[QStringLiteral("shape")] = QJsonArray{3, 3, 32, 3}; // same 864 floats, wrong layout
        weights[0] = stem;
        group[QStringLiteral("weights")] = weights;
        manifest[0] = group;
        root[QStringLiteral("weightsManifest")] = manifest;
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        f.write(QJsonDocument(root).toJson());
        f.close();

        auto g = TfjsGraphModel::load(tmp.path());
        QVERIFY(g.ok());
        EfficientNetB0 net;
        auto report = importEfficientNetB0(*g, net);
        QVERIFY(!report.ok());
        QVERIFY2(report.error().message.contains(QStringLiteral("stem_bn.weight")), qPrintable(report.error().message));
    }

    void notAGraphModel()
    {
        QTemporaryDir tmp;
        QFile f(tmp.filePath(QStringLiteral("model.json")));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("{\"format\": \"layers-model\"}");
        f.close();
        auto g = TfjsGraphModel::load(tmp.path());
        QVERIFY(!g.ok());
        QVERIFY(g.error().message.contains(QStringLiteral("not a TF.js graph model")));
        QVERIFY(!TfjsGraphModel::load(tmp.filePath(QStringLiteral("nowhere"))).ok());
    }

    void backboneRefusesTamperedWeights()
    {
        QTemporaryDir tmp;
        copyWeights(tmp);
        QFile f(tmp.filePath(QStringLiteral("group1-shard2of6.bin")));
        QVERIFY(f.open(QIODevice::ReadWrite));
        f.seek(1234);
        f.write("\x7f", 1);
        f.close();
        auto b = Backbone::load(tmp.path());
        QVERIFY(!b.ok());
        QVERIFY2(b.error().message.contains(QStringLiteral("SHA-256")), qPrintable(b.error().message));
    }
};

QTEST_GUILESS_MAIN(TestTfjsImport)
#include "TestTfjsImport.moc"
