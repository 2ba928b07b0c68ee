// The gate's validation set (training/ValidationSet.h) on a real workspace: the fixed split, the
// training-label rule applied, the head's class order, and images without a usable embedding left
// out. The dashboard's "live model" figures are computed from the same function.
#include "TestSupport.h"
#include "model/BreedCatalog.h"
#include "training/TrainingLabels.h"
#include "training/ValidationSet.h"
#include "workspace/Workspace.h"

#include <QTemporaryDir>
#include <QTest>

using namespace pc;
using pc::test::readFile;
using pc::test::sampleImage;

class TestValidationSet : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void followsTheSplitTheRuleAndTheHeadsClasses();
};

void TestValidationSet::followsTheSplitTheRuleAndTheHeadsClasses()
{
    QTemporaryDir tmp;
    auto ws = Workspace::open(tmp.filePath(QStringLiteral("ws")));
    QVERIFY2(ws, qPrintable(ws ? QString() : ws.error().message));
    const QStringList photos = {QStringLiteral("pug_112.jpg"), QStringLiteral("pug_127.jpg"), QStringLiteral("Bengal_100.jpg"),
                                QStringLiteral("Bengal_101.jpg"), QStringLiteral("beagle_10.jpg")};
    QVector<qint64> ids;
    for (const QString& name : photos) {
        const QByteArray bytes = readFile(sampleImage(name));
        QVERIFY2(!bytes.isEmpty(), qPrintable(name));
        auto added = (*ws)->addImage(bytes, sampleImage(name), 0, 0, QStringLiteral("test"));
        QVERIFY2(added, qPrintable(added ? QString() : added.error().message));
        ids << added->id;
    }
    const QString hash = QStringLiteral("weights-A");
    const int width = 8;
    for (int i = 0; i < ids.size(); ++i) {
        cv::Mat views(2, width, CV_32F, cv::Scalar(float(i))); // row 0 = centre view
        QVERIFY((*ws)->embeddings().put(ids[i], hash, views));
    }
    // pug_112 from a dataset, pug_127 and Bengal_100 from a curator, Bengal_101 a dataset label of a
    // breed the head doesn't know, beagle_10 without a label.
    QVERIFY((*ws)->labels().add(ids[0], QStringLiteral("pug"), LabelOrigin::Dataset, QStringLiteral("oxford")));
    QVERIFY((*ws)->labels().add(ids[1], QStringLiteral("pug"), LabelOrigin::Curator, QStringLiteral("ann")));
    QVERIFY((*ws)->labels().add(ids[2], QStringLiteral("Bengal"), LabelOrigin::Curator, QStringLiteral("ann")));
    QVERIFY((*ws)->labels().add(ids[3], QStringLiteral("Bengal"), LabelOrigin::Dataset, QStringLiteral("oxford")));

    // No split yet: nothing to judge on.
    const QStringList classes = {QStringLiteral("pug"), QStringLiteral("beagle")}; // not Oxford order
    QCOMPARE(int(validationEmbeddings(**ws, hash, classes, width).value().size()), 0);

    QVERIFY((*ws)->split().set({QStringLiteral("S1"), {ids[0], ids[1], ids[3], ids[4]}}));
    LabelledEmbeddings set = validationEmbeddings(**ws, hash, classes, width).value();
    // Bengal_100 is outside the split, Bengal_101's breed isn't a class, beagle_10 has no label.
    QCOMPARE(QVector<qint64>(set.imageIds.begin(), set.imageIds.end()).size(), 2);
    for (size_t i = 0; i < set.size(); ++i) {
        QCOMPARE(set.labels[i], 0); // "pug" is the head's class 0 (Oxford's 25)
        QCOMPARE(set.views[i].rows, 1);
        QCOMPARE(set.views[i].cols, width);
    }

    // The training-label rule narrows it exactly as it narrows training: dataset labels only.
    TrainingLabelSelection datasetOnly;
    datasetOnly.origins = {QStringLiteral("dataset")};
    QVERIFY(datasetOnly.save(**ws));
    set = validationEmbeddings(**ws, hash, classes, width).value();
    QCOMPARE(int(set.size()), 1);
    QCOMPARE(set.imageIds.front(), ids[0]);

    // Another backbone's vectors, or another width, are not this model's evidence.
    QCOMPARE(int(validationEmbeddings(**ws, QStringLiteral("weights-B"), classes, width).value().size()), 0);
    QCOMPARE(int(validationEmbeddings(**ws, hash, classes, width + 1).value().size()), 0);
}

QTEST_GUILESS_MAIN(TestValidationSet)
#include "TestValidationSet.moc"
