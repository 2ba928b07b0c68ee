#include "TestSupport.h"

#include "model/BreedCatalog.h"
#include "model/Predictor.h"
#include "model/ZeroShotHead.h"

#include <QTemporaryDir>

using namespace pc;

class TestZeroShotHead : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void catalogIsOxfordOrder()
    {
        const BreedCatalog& b = BreedCatalog::oxford();
        QCOMPARE(b.size(), 37);
        QCOMPARE(b.at(0).id, QStringLiteral("Abyssinian"));
        QCOMPARE(b.at(36).id, QStringLiteral("yorkshire_terrier"));
        int cats = 0;
        for (const Breed& x : b.breeds())
            cats += x.species == QStringLiteral("cat");
        QCOMPARE(cats, 12);
        QCOMPARE(b.indexOf(QStringLiteral("Great Pyrenees")), 15);
        QCOMPARE(b.indexOf(QStringLiteral("GREAT_pyrenees")), 15);
        QCOMPARE(b.indexOf(QStringLiteral("16")), 15);
        QCOMPARE(b.indexOf(QStringLiteral("siamese")), 32);
        QCOMPARE(b.indexOf(QStringLiteral("dachshund")), -1);
    }

    void mapCoversTheBreedsImageNetKnows()
    {
        auto map = loadZeroShotMap();
        QVERIFY2(map.ok(), map.ok() ? "" : qPrintable(map.error().message));
        QCOMPARE(int(map->size()), 25);
        const QStringList& labels = test::backbone()->imagenetLabels();
        // Each exact entry names the same breed in ImageNet's own label text.
        for (const ZeroShotEntry& e : *map) {
            const Breed& breed = BreedCatalog::oxford().at(e.breedIndex);
            const QString label = labels.value(e.imagenetClass).toLower();
            if (e.match == QStringLiteral("exact"))
                QVERIFY2(label.contains(breed.name.section(QLatin1Char(' '), 0, 0).toLower().left(5)),
                         qPrintable(breed.name + QStringLiteral(" vs ") + label));
        }
    }

    void badMapLinesAreReported()
    {
        QTemporaryDir tmp;
        QFile f(tmp.filePath(QStringLiteral("map.tsv")));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("# comment\npug\t254\texact\npoodle\t265\texact\n");
        f.close();
        auto map = loadZeroShotMap(f.fileName());
        QVERIFY(!map.ok());
        QVERIFY2(map.error().message.contains(QStringLiteral(":3:")), qPrintable(map.error().message));
    }

    void headRowsAreTheImageNetRows()
    {
        const ClassifierHead head = makeZeroShotHead(*test::backbone());
        QCOMPARE(head.classes().size(), 37);
        QCOMPARE(head.learnedCount(), 25);
        const int pug = BreedCatalog::oxford().indexOf(QStringLiteral("pug"));
        QCOMPARE(cv::norm(head.layers()[0].weight.row(pug), test::backbone()->imagenetWeight().row(254), cv::NORM_INF), 0.0);
        QVERIFY(!head.learned()[size_t(BreedCatalog::oxford().indexOf(QStringLiteral("Abyssinian")))]);
    }

    void unlearnedBreedsNeverWin()
    {
        auto active = std::make_shared<ActiveModel>(std::make_shared<const ModelSnapshot>(
            ModelSnapshot{QStringLiteral("zero-shot"), makeZeroShotHead(*test::backbone())}));
        Predictor predictor(test::backbone(), active);
        // An Abyssinian: not in ImageNet, so the head must not claim it (and must not crash).
        auto p = predictor.predictFile(test::sampleImage(QStringLiteral("Abyssinian_1.jpg")), 37);
        QVERIFY(p.ok());
        QCOMPARE(int(p->top.size()), 25);
        float sum = 0;
        for (const Guess& g : p->top) {
            QVERIFY(g.label != QStringLiteral("Abyssinian"));
            sum += g.p;
        }
        QVERIFY(std::abs(sum - 1.0f) < 1e-4f);
        QCOMPARE(p->model, QStringLiteral("zero-shot"));
    }

    void knownBreedsAreRecognisedBeforeTraining_data()
    {
        QTest::addColumn<QString>("breed");
        for (const char* b : {"pug", "samoyed", "Persian", "Siamese", "beagle", "keeshond", "saint_bernard", "yorkshire_terrier"})
            QTest::newRow(b) << QString::fromLatin1(b);
    }
    void knownBreedsAreRecognisedBeforeTraining()
    {
        // Over every sample photo of the breed, the zero-shot head's top-1 is right for most.
        QFETCH(QString, breed);
        auto active = std::make_shared<ActiveModel>(std::make_shared<const ModelSnapshot>(
            ModelSnapshot{QStringLiteral("zero-shot"), makeZeroShotHead(*test::backbone())}));
        Predictor predictor(test::backbone(), active);
        const QStringList files = QDir(test::sampleDir() + QStringLiteral("/images")).entryList({breed + QStringLiteral("_*.jpg")});
        QVERIFY(files.size() >= 5);
        int right = 0;
        for (const QString& f : files) {
            auto p = predictor.predictFile(test::sampleImage(f), 1);
            QVERIFY(p.ok());
            right += p->top[0].label == breed;
        }
        QVERIFY2(right * 10 >= files.size() * 7, qPrintable(QStringLiteral("%1/%2").arg(right).arg(files.size())));
    }
};

QTEST_GUILESS_MAIN(TestZeroShotHead)
#include "TestZeroShotHead.moc"
