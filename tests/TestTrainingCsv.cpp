// The training results as CSV (core/training/TrainingCsv): RFC 4180 quoting, one row per epoch with
// every metric the trainer reports, numbers that read back to the same double in any locale, the
// confusion matrix with breed names on both sides, and atomic writes that say why they failed.
#include "CsvTestSupport.h"
#include "training/TrainingCsv.h"

#include <QFile>
#include <QLocale>
#include <QTemporaryDir>
#include <QtTest>
#include <cmath>

using namespace pc;

class TestTrainingCsv : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void fieldsAreQuotedOnlyWhenTheyMust();
    void epochRowsReadBackExactly();
    void confusionMatrixHasBreedNamesOnBothSides();
    void confusionMatrixOfTheWrongSizeIsRefused();
    void savingIsAtomicAndSaysWhyItFailed();
};

void TestTrainingCsv::fieldsAreQuotedOnlyWhenTheyMust()
{
    QCOMPARE(csvField(QStringLiteral("Maine Coon")), QStringLiteral("Maine Coon"));
    QCOMPARE(csvField(QString()), QString());
    QCOMPARE(csvField(QStringLiteral("a,b")), QStringLiteral("\"a,b\""));
    QCOMPARE(csvField(QStringLiteral("say \"hi\"")), QStringLiteral("\"say \"\"hi\"\"\""));
    QCOMPARE(csvField(QStringLiteral("two\nlines")), QStringLiteral("\"two\nlines\""));
    QCOMPARE(csvField(QStringLiteral("cr\r")), QStringLiteral("\"cr\r\""));
    QCOMPARE(csvRecord({QStringLiteral("a"), QStringLiteral("b,c"), QString()}), QStringLiteral("a,\"b,c\",\r\n"));
    // What any reader makes of it.
    const QStringList tricky{QStringLiteral("x,y"), QStringLiteral("\"q\""), QStringLiteral("l1\r\nl2"), QString(), QStringLiteral("plain")};
    QList<QStringList> rows;
    QVERIFY(test::parseCsv(csvRecord(tricky) + csvRecord({QStringLiteral("1")}), &rows));
    QCOMPARE(rows.size(), 2);
    QCOMPARE(rows[0], tricky);
}

void TestTrainingCsv::epochRowsReadBackExactly()
{
    // A comma as the decimal separator must not leak into the file.
    QLocale::setDefault(QLocale(QLocale::German, QLocale::Germany));
    QVector<EpochMetrics> epochs;
    for (int e = 1; e <= 3; ++e) {
        EpochMetrics m;
        m.epoch = e;
        m.loss = 1.0 / (3.0 * e);
        m.trainAccuracy = 0.1 * e + 1e-17;
        m.valAccuracy = 2.0 / 3.0;
        m.valMeanPerClass = 0.625;
        m.valLoss = std::exp(-double(e));
        m.learningRate = 1e-3 * std::pow(0.9, e);
        epochs << m;
    }
    epochs[1].valLoss = std::nan(""); // a value the trainer did not have: an empty field
    const QByteArray csv = epochMetricsCsv(epochs);
    QLocale::setDefault(QLocale::c());
    QVERIFY(csv.endsWith("\r\n"));
    QList<QStringList> rows;
    QVERIFY(test::parseCsv(QString::fromUtf8(csv), &rows));
    QCOMPARE(rows.size(), 4);
    QCOMPARE(rows[0], (QStringList{QStringLiteral("epoch"), QStringLiteral("train_loss"), QStringLiteral("val_loss"),
                                   QStringLiteral("train_accuracy"), QStringLiteral("val_accuracy"),
                                   QStringLiteral("val_mean_per_class_accuracy"), QStringLiteral("learning_rate")}));
    for (int i = 0; i < 3; ++i) {
        const QStringList& r = rows[i + 1];
        const EpochMetrics& m = epochs[i];
        QCOMPARE(r.size(), 7);
        auto exact = [](const QString& field, double expected) {
            bool ok = false;
            const double v = field.toDouble(&ok); // QString::toDouble is the C locale
            return ok && v == expected;
        };
        QCOMPARE(r[0], QString::number(m.epoch));
        QVERIFY2(exact(r[1], m.loss), qPrintable(r[1]));
        if (i == 1)
            QCOMPARE(r[2], QString());
        else
            QVERIFY2(exact(r[2], m.valLoss), qPrintable(r[2]));
        QVERIFY2(exact(r[3], m.trainAccuracy), qPrintable(r[3]));
        QVERIFY2(exact(r[4], m.valAccuracy), qPrintable(r[4]));
        QVERIFY2(exact(r[5], m.valMeanPerClass), qPrintable(r[5]));
        QVERIFY2(exact(r[6], m.learningRate), qPrintable(r[6]));
    }
    QCOMPARE(rows[1][5], QStringLiteral("0.625")); // the shortest form, not 17 digits
    // No epochs: the header alone.
    QVERIFY(test::parseCsv(QString::fromUtf8(epochMetricsCsv({})), &rows));
    QCOMPARE(rows.size(), 1);
}

void TestTrainingCsv::confusionMatrixHasBreedNamesOnBothSides()
{
    // An id the catalog does not know (a newer server's breed) is written as it is, quoted.
    const QStringList classes{QStringLiteral("american_bulldog"), QStringLiteral("Maine_Coon"), QStringLiteral("new, \"breed\"")};
    const QVector<int> counts{5, 1, 0, //
                              2, 7, 0, //
                              0, 0, 0};
    const auto csv = confusionMatrixCsv(classes, counts);
    QVERIFY2(csv, qPrintable(csv ? QString() : csv.error().message));
    QList<QStringList> rows;
    QVERIFY(test::parseCsv(QString::fromUtf8(*csv), &rows));
    const QStringList names{QStringLiteral("American Bulldog"), QStringLiteral("Maine Coon"), QStringLiteral("new, \"breed\"")};
    QCOMPARE(rows.size(), 4);
    QCOMPARE(rows[0], QStringList{QStringLiteral("true \\ predicted")} + names);
    int total = 0;
    for (int r = 0; r < 3; ++r) {
        QCOMPARE(rows[r + 1].size(), 4);
        QCOMPARE(rows[r + 1][0], names[r]);
        for (int c = 0; c < 3; ++c) {
            QCOMPARE(rows[r + 1][c + 1].toInt(), counts[r * 3 + c]);
            total += rows[r + 1][c + 1].toInt();
        }
    }
    QCOMPARE(total, 15);
}

void TestTrainingCsv::confusionMatrixOfTheWrongSizeIsRefused()
{
    const auto csv = confusionMatrixCsv({QStringLiteral("pug"), QStringLiteral("beagle")}, {1, 2, 3});
    QVERIFY(!csv);
    QVERIFY2(csv.error().message.contains(QStringLiteral("3 cells for 2 classes")), qPrintable(csv.error().message));
}

void TestTrainingCsv::savingIsAtomicAndSaysWhyItFailed()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("metrics.csv"));
    QVERIFY(saveFileAtomically(path, "old\r\n"));
    QVERIFY(saveFileAtomically(path, "new\r\n"));
    QFile f(path);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(f.readAll(), QByteArray("new\r\n"));
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files), QStringList{QStringLiteral("metrics.csv")}); // no temporary left

    // A folder that is a file (unwritable even for root): one line naming the file, nothing written.
    const QString bad = path + QStringLiteral("/inside.csv");
    const Status<> failed = saveFileAtomically(bad, "x");
    QVERIFY(!failed);
    QVERIFY2(failed.error().message.contains(QDir::toNativeSeparators(bad)), qPrintable(failed.error().message));
    QVERIFY(!failed.error().message.contains(QLatin1Char('\n')));
    QVERIFY(!QFile::exists(bad));
    const Status<> unnamed = saveFileAtomically(QString(), "x");
    QVERIFY(!unnamed);
}

QTEST_GUILESS_MAIN(TestTrainingCsv)
#include "TestTrainingCsv.moc"
