#include "TestSupport.h"

#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>

using namespace pc;

class TestCliPredict : public QObject {
    Q_OBJECT

    using Run = test::CliRun;
    static Run cli(const QStringList& args) { return test::runCli(args); }
    static QJsonObject json(const QString& line)
    {
        QJsonParseError e;
        const QJsonDocument d = QJsonDocument::fromJson(line.toUtf8(), &e);
        if (d.isNull() || !d.isObject())
            qFatal("not a JSON object: %s (%s)", qPrintable(line), qPrintable(e.errorString()));
        return d.object();
    }

private Q_SLOTS:
    void folderOfRealImagesWithBadFiles()
    {
        // Real photos in a nested folder, plus files a user could drop by mistake.
        QTemporaryDir tmp;
        QDir(tmp.path()).mkpath(QStringLiteral("cats/more"));
        const QStringList photos{QStringLiteral("Persian_106.jpg"), QStringLiteral("pug_112.jpg"), QStringLiteral("Siamese_108.jpg"),
                                 QStringLiteral("beagle_10.jpg"), QStringLiteral("Bengal_10.jpg")};
        int copied = 0;
        for (const QString& name : photos) {
            const QString src = test::sampleImage(name);
            if (QFile::exists(src))
                copied += QFile::copy(src, tmp.filePath(QStringLiteral("cats/more/") + name));
        }
        QCOMPARE(copied, int(photos.size()));
        QFile text(tmp.filePath(QStringLiteral("cats/notes.jpg")));
        QVERIFY(text.open(QIODevice::WriteOnly));
        text.write("just some text\n");
        text.close();
        QFile empty(tmp.filePath(QStringLiteral("empty.png")));
        QVERIFY(empty.open(QIODevice::WriteOnly));
        empty.close();

        const Run r = cli({QStringLiteral("predict"), QStringLiteral("--json"), tmp.path(), tmp.filePath(QStringLiteral("missing.jpg"))});
        QCOMPARE(r.code, 0);
        QCOMPARE(r.lines().size(), copied + 3);
        int ok = 0, errors = 0;
        for (const QString& line : r.lines()) {
            const QJsonObject o = json(line);
            QVERIFY(o.contains(QStringLiteral("path")));
            if (o.contains(QStringLiteral("error"))) {
                ++errors;
                QVERIFY(!o[QStringLiteral("error")].toString().isEmpty());
                QVERIFY(!o[QStringLiteral("error")].toString().contains(QLatin1Char('\n')));
                continue;
            }
            ++ok;
            const QJsonArray top = o[QStringLiteral("top")].toArray();
            QCOMPARE(top.size(), 3);
            double prev = 2;
            for (const QJsonValue& g : top) {
                const double p = g[QStringLiteral("p")].toDouble();
                QVERIFY(p >= 0 && p <= 1 && p <= prev);
                prev = p;
                QVERIFY(!g[QStringLiteral("label")].toString().isEmpty());
            }
            QVERIFY(o[QStringLiteral("ms")].toDouble() > 0);
        }
        QCOMPARE(ok, copied);
        QCOMPARE(errors, 3);
        // Errors say why, in a word a script can match.
        QVERIFY(r.lines().join(QLatin1Char('\n')).contains(QStringLiteral("not found")));
    }

    void topKAndImageNetMode()
    {
        const QString panda = Backbone::defaultWeightsDir() + QStringLiteral("/panda.jpg");
        const Run r = cli({QStringLiteral("predict"), QStringLiteral("--json"), QStringLiteral("--imagenet"), QStringLiteral("--top"), QStringLiteral("5"), panda});
        QCOMPARE(r.code, 0);
        QCOMPARE(r.lines().size(), 1);
        const QJsonArray top = json(r.lines()[0])[QStringLiteral("top")].toArray();
        QCOMPARE(top.size(), 5);
        QVERIFY(top[0][QStringLiteral("label")].toString().startsWith(QStringLiteral("giant panda")));
    }

    void plainTextIsOneLinePerImage()
    {
        const Run r = cli({QStringLiteral("predict"), test::sampleImage(QStringLiteral("pug_112.jpg")), test::sampleImage(QStringLiteral("Bombay_10.jpg"))});
        QCOMPARE(r.code, 0);
        QCOMPARE(r.lines().size(), 2);
        QVERIFY2(r.lines()[0].contains(QStringLiteral("Pug")), qPrintable(r.lines()[0]));
        QVERIFY(r.lines()[0].contains(QStringLiteral(" ms)")));
    }

    void nothingReadableFails()
    {
        QTemporaryDir tmp;
        const Run r = cli({QStringLiteral("predict"), QStringLiteral("--json"), tmp.filePath(QStringLiteral("nope.jpg")), tmp.path()});
        QCOMPARE(r.code, 1);
        QCOMPARE(r.lines().size(), 1);
        QVERIFY(json(r.lines()[0]).contains(QStringLiteral("error")));
        QVERIFY(r.err.contains(QStringLiteral("no image could be read")));
    }

    void badArguments_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::newRow("top 0") << QStringList{QStringLiteral("predict"), QStringLiteral("--top"), QStringLiteral("0"), QStringLiteral("x.jpg")};
        QTest::newRow("top text") << QStringList{QStringLiteral("predict"), QStringLiteral("--top"), QStringLiteral("three"), QStringLiteral("x.jpg")};
        QTest::newRow("no paths") << QStringList{QStringLiteral("predict")};
        QTest::newRow("unknown option") << QStringList{QStringLiteral("predict"), QStringLiteral("--frobnicate"), QStringLiteral("x.jpg")};
        QTest::newRow("unknown command") << QStringList{QStringLiteral("predikt")};
        QTest::newRow("threads") << QStringList{QStringLiteral("predict"), QStringLiteral("--threads"), QStringLiteral("-1"), QStringLiteral("x.jpg")};
    }
    void badArguments()
    {
        QFETCH(QStringList, args);
        const Run r = cli(args);
        QCOMPARE(r.code, 2);
        QVERIFY(r.lines().isEmpty());
        QCOMPARE(r.err.trimmed().count(QLatin1Char('\n')), 0); // one line
        QVERIFY(!r.err.trimmed().isEmpty());
    }

    void helpAndVersion()
    {
        const Run help = cli({QStringLiteral("--help")});
        QCOMPARE(help.code, 0);
        QVERIFY(help.lines().join(QLatin1Char('\n')).contains(QStringLiteral("predict")));
        const Run predictHelp = cli({QStringLiteral("predict"), QStringLiteral("--help")});
        QCOMPARE(predictHelp.code, 0);
        QVERIFY(predictHelp.lines().join(QLatin1Char('\n')).contains(QStringLiteral("--imagenet")));
        const Run version = cli({QStringLiteral("--version")});
        QCOMPARE(version.code, 0);
        const QString v = version.lines().join(QLatin1Char('\n'));
        QVERIFY(v.contains(QStringLiteral("EfficientNet-B0")));
        QVERIFY(v.contains(QStringLiteral("libtorch 1.13")));
    }

    void missingWeightsIsOneLine()
    {
        const Run r = cli({QStringLiteral("predict"), QStringLiteral("--weights"), QStringLiteral("/nonexistent/weights"), test::sampleImage(QStringLiteral("pug_112.jpg"))});
        QCOMPARE(r.code, 1);
        QCOMPARE(r.err.trimmed().count(QLatin1Char('\n')), 0);
        // The fix it names exists where the program runs: in a build tree, the checkout's fetcher.
        const qsizetype at = r.err.indexOf(QStringLiteral("run /"));
        QVERIFY2(at >= 0, qPrintable(r.err));
        const QString fetcher = r.err.mid(at + 4).section(QLatin1Char(' '), 0, 0).trimmed();
        QVERIFY2(fetcher.endsWith(QStringLiteral("fetch-weights.sh")) && QFileInfo(fetcher).isExecutable(), qPrintable(fetcher));
    }
};

QTEST_GUILESS_MAIN(TestCliPredict)
#include "TestCliPredict.moc"
