// TestImporters: the real Oxford-IIIT Pet sample (692 photos, 37 breeds), a crafted Oxford folder
// with every kind of bad line and bad image, a folder per class, plain files, re-imports that must
// change nothing, and a cancelled import that must leave a consistent workspace.
#include "TestSupport.h"

#include "model/BreedCatalog.h"
#include "workspace/DatasetImporter.h"
#include "workspace/Workspace.h"

#include <QCollator>
#include <QCryptographicHash>
#include <QDirIterator>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTextStream>

#include <atomic>
#include <csignal>
#include <cstdio>

#include <unistd.h>

using namespace pc;

namespace {

bool writeFile(const QString& path, const QByteArray& bytes)
{
    QDir().mkpath(QFileInfo(path).path());
    QFile f(path);
    return f.open(QIODevice::WriteOnly) && f.write(bytes) == bytes.size();
}

bool copySample(const QString& name, const QString& to)
{
    QDir().mkpath(QFileInfo(to).path());
    return QFile::copy(test::sampleImage(name), to);
}

// Sample photo names of one breed ("samoyed_108.jpg", …), in numeric order.
QStringList samplesOf(const QString& breed)
{
    QStringList names = QDir(test::sampleDir() + QStringLiteral("/images"))
                            .entryList({breed + QStringLiteral("_*.jpg")}, QDir::Files);
    QCollator numeric;
    numeric.setNumericMode(true);
    std::sort(names.begin(), names.end(), [&](const QString& a, const QString& b) { return numeric.compare(a, b) < 0; });
    return names;
}

// "name class species breed" lines of the sample's list.txt, by name.
QHash<QString, QString> sampleListLines()
{
    QHash<QString, QString> lines;
    QFile f(test::sampleDir() + QStringLiteral("/annotations/list.txt"));
    if (!f.open(QIODevice::ReadOnly))
        return lines;
    QTextStream in(&f);
    while (!in.atEnd()) {
        const QString line = in.readLine().trimmed();
        if (!line.isEmpty() && !line.startsWith(QLatin1Char('#')))
            lines.insert(line.section(QLatin1Char(' '), 0, 0), line);
    }
    return lines;
}

int filesUnder(const QString& dir)
{
    int n = 0;
    QDirIterator it(dir, QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        it.next();
        ++n;
    }
    return n;
}

QString reasonFor(const ImportReport& report, const QString& pathSuffix)
{
    for (const ImportIssue& i : report.issues)
        if (i.path.endsWith(pathSuffix))
            return i.reason;
    return {};
}

QString describe(const ImportReport& r)
{
    QStringList issues;
    for (const ImportIssue& i : r.issues)
        issues << i.path + QStringLiteral(": ") + i.reason;
    return QStringLiteral("seen %1 added %2 duplicates %3 labelled %4 skipped %5 cancelled %6; issues: %7")
        .arg(r.seen).arg(r.added).arg(r.duplicates).arg(r.labelled).arg(r.skipped).arg(r.cancelled)
        .arg(issues.join(QStringLiteral(" | ")));
}

} // namespace

class TestImporters : public QObject {
    Q_OBJECT

    QTemporaryDir m_tmp;
    int m_n = 0;

    std::shared_ptr<Workspace> freshWorkspace()
    {
        auto ws = Workspace::open(m_tmp.filePath(QStringLiteral("ws%1").arg(++m_n)));
        if (!ws)
            qWarning("open: %s", qPrintable(ws.error().message));
        return ws ? *ws : nullptr;
    }

    // Every row's file is in the store, intact, and the store holds nothing else.
    static void verifyConsistent(const Workspace& ws)
    {
        auto integrity = ws.checkIntegrity();
        QVERIFY2(integrity, integrity ? "" : qPrintable(integrity.error().message));
        const QVector<ImageRecord> images = ws.images().value();
        for (const ImageRecord& image : images) {
            auto bytes = ws.readImageBytes(image.sha256);
            QVERIFY2(bytes, bytes ? "" : qPrintable(bytes.error().message));
            QCOMPARE(qint64(bytes->size()), image.bytes);
        }
        QCOMPARE(filesUnder(ws.dir() + QStringLiteral("/images")), int(images.size()));
    }

private Q_SLOTS:
    void initTestCase()
    {
        // As the child of killedImportLeavesAConsistentWorkspace: import the sample, print each
        // committed image, and wait to be killed.
        const QString childWorkspace = qEnvironmentVariable("PC_TEST_IMPORT_CHILD");
        if (childWorkspace.isEmpty())
            return;
        auto ws = Workspace::open(childWorkspace);
        if (!ws)
            ::_exit(3);
        ImportOptions options;
        options.progress = [](int done, int) {
            std::printf("%d\n", done);
            std::fflush(stdout);
        };
        importOxford(**ws, test::sampleDir(), options);
        ::_exit(0);
    }

    void oxfordSample()
    {
        auto ws = freshWorkspace();
        QVERIFY(ws);
        int progressCalls = 0, lastDone = -1, lastTotal = -1;
        bool monotonic = true;
        ImportOptions options;
        options.progress = [&](int done, int total) {
            ++progressCalls;
            monotonic = monotonic && done >= lastDone;
            lastDone = done;
            lastTotal = total;
        };
        QElapsedTimer timer;
        timer.start();
        const ImportReport report = importOxford(*ws, test::sampleDir(), options);
        const double seconds = double(timer.elapsed()) / 1000.0;
        qInfo("Oxford sample import: %.2f s", seconds);
        QVERIFY2(report.issues.isEmpty(), qPrintable(describe(report)));
        QCOMPARE(report.seen, 692);
        QCOMPARE(report.added, 692);
        QCOMPARE(report.duplicates, 0);
        QCOMPARE(report.labelled, 692);
        QCOMPARE(report.skipped, 0);
        QVERIFY(!report.cancelled);
        QVERIFY(monotonic);
        QCOMPARE(lastDone, 692);
        QCOMPARE(lastTotal, 692);
        QCOMPARE(progressCalls, 693);

        QCOMPARE(ws->imageCount().value(), 692);
        QCOMPARE(ws->labels().eventCount().value(), 692);
        const QHash<qint64, LabelEvent> labels = ws->labels().currentByImage().value();
        QCOMPARE(labels.size(), 692);

        // Every label is the one list.txt gives, every image carries the official split.
        const QHash<QString, QString> lines = sampleListLines();
        QCOMPARE(lines.size(), 692);
        QSet<QString> breeds;
        for (auto imageList = ws->images().value(); const ImageRecord& image : imageList) {
            const QString name = QFileInfo(image.originalPath).completeBaseName();
            const int classId = lines.value(name).section(QLatin1Char(' '), 1, 1).toInt();
            QVERIFY2(classId >= 1, qPrintable(name));
            QCOMPARE(labels.value(image.id).breed, BreedCatalog::oxford().at(classId - 1).id);
            QCOMPARE(toString(labels.value(image.id).origin), QStringLiteral("dataset"));
            QCOMPARE(labels.value(image.id).author, QStringLiteral("import"));
            QCOMPARE(image.split, QStringLiteral("trainval"));
            QCOMPARE(image.source, QStringLiteral("oxford"));
            breeds.insert(labels.value(image.id).breed);
        }
        QCOMPARE(breeds.size(), 37);

        // A few by name, and the size is the decoded (upright) one.
        const auto abyssinian = ws->imageByOriginalPath(test::sampleImage(QStringLiteral("Abyssinian_1.jpg"))).value();
        QVERIFY(abyssinian);
        QCOMPARE(ws->labels().current(abyssinian->id).value()->breed, QStringLiteral("Abyssinian"));
        const QString samoyed = samplesOf(QStringLiteral("samoyed")).first();
        QCOMPARE(ws->labels().current(ws->imageByOriginalPath(test::sampleImage(samoyed)).value()->id).value()->breed, QStringLiteral("samoyed"));
        const QString pyrenees = samplesOf(QStringLiteral("great_pyrenees")).first();
        QCOMPARE(ws->labels().current(ws->imageByOriginalPath(test::sampleImage(pyrenees)).value()->id).value()->breed, QStringLiteral("great_pyrenees"));
        auto decoded = ImageDecoder().decodeFile(test::sampleImage(QStringLiteral("Abyssinian_1.jpg")));
        QVERIFY(decoded);
        QCOMPARE(abyssinian->width, decoded->rgb.cols);
        QCOMPARE(abyssinian->height, decoded->rgb.rows);
        verifyConsistent(*ws);

        // A curator corrects one label; then the same dataset comes in again.
        QVERIFY(ws->labels().add(abyssinian->id, QStringLiteral("Bengal"), LabelOrigin::Curator, QStringLiteral("me")));
        const qint64 lastEvent = ws->labels().lastEventId().value();
        const ImportReport again = importOxford(*ws, test::sampleDir());
        QVERIFY2(again.issues.isEmpty(), qPrintable(describe(again)));
        QCOMPARE(again.seen, 692);
        QCOMPARE(again.added, 0);
        QCOMPARE(again.duplicates, 692);
        QCOMPARE(again.labelled, 0);
        QCOMPARE(again.skipped, 0);
        QCOMPARE(ws->imageCount().value(), 692);
        QCOMPARE(ws->labels().eventCount().value(), 693);
        QCOMPARE(ws->labels().lastEventId().value(), lastEvent);
        QCOMPARE(ws->labels().current(abyssinian->id).value()->breed, QStringLiteral("Bengal")); // the correction stands
        verifyConsistent(*ws);
    }

    void oxfordProblemsAreReported()
    {
        const QString root = m_tmp.filePath(QStringLiteral("crafted-oxford"));
        const QString images = root + QStringLiteral("/images/");
        const QString samoyed = QFileInfo(samplesOf(QStringLiteral("samoyed")).first()).completeBaseName();
        const QString persian = samplesOf(QStringLiteral("Persian")).first();
        for (const QString& name : {QStringLiteral("Abyssinian_1"), QStringLiteral("Bengal_10"), QStringLiteral("Birman_15"),
                                    QStringLiteral("Bombay_10"), samoyed})
            QVERIFY(copySample(name + QStringLiteral(".jpg"), images + name + QStringLiteral(".jpg")));
        // A photo cut short, one nobody listed, and a text file.
        const QByteArray cut = test::readFile(test::sampleImage(QStringLiteral("Bombay_121.jpg"))).left(3000);
        QVERIFY(writeFile(images + QStringLiteral("Bombay_99.jpg"), cut));
        QVERIFY(copySample(persian, images + QStringLiteral("extra_photo.jpg")));
        QVERIFY(writeFile(images + QStringLiteral("readme.txt"), "not a photo\n"));
        QVERIFY(writeFile(root + QStringLiteral("/annotations/list.txt"),
                          "#Image CLASS-ID SPECIES BREED ID\n"       // 1
                          "#All images with 1st letter as captial are cat images\n" // 2
                          "Abyssinian_1 1 1 1\n"                     // 3
                          "Bengal_10 6 1 2\n"                        // 4
                          "Birman_15 7 1\n"                          // 5 three fields
                          "Birman_15 seven 1 3\n"                    // 6 not a number
                          "Birman_15 40 1 3\n"                       // 7 class id out of range
                          "Birman_15 7 2 3\n"                        // 8 a cat breed listed as a dog
                          "Bombay_10 8 1 4\n"                        // 9 in no split file
                          "Birman_999 7 1 3\n"                       // 10 no such photo
                          "Bombay_99 8 1 4\n"                        // 11 corrupt photo
                          + (samoyed + QStringLiteral(" 30 2 20\n")).toUtf8()  // 12
                          + "\n"));
        QVERIFY(writeFile(root + QStringLiteral("/annotations/trainval.txt"), "Abyssinian_1 1 1 1\nBengal_10 6 1 2\n"));
        QVERIFY(writeFile(root + QStringLiteral("/annotations/test.txt"), (samoyed + QStringLiteral(" 30 2 20\n")).toUtf8()));

        auto ws = freshWorkspace();
        QVERIFY(ws);
        const ImportReport report = importOxford(*ws, root);
        const QString all = describe(report);
        for (const ImportIssue& i : report.issues)
            qInfo("%s: %s", qPrintable(QFileInfo(i.path).fileName()), qPrintable(i.reason));

        QVERIFY2(reasonFor(report, QStringLiteral("list.txt:5")).contains(QStringLiteral("3 fields")), qPrintable(all));
        QVERIFY2(reasonFor(report, QStringLiteral("list.txt:6")).contains(QStringLiteral("number")), qPrintable(all));
        QVERIFY2(reasonFor(report, QStringLiteral("list.txt:7")).contains(QStringLiteral("40")), qPrintable(all));
        QVERIFY2(reasonFor(report, QStringLiteral("list.txt:8")).contains(QStringLiteral("species")), qPrintable(all));
        QVERIFY2(reasonFor(report, QStringLiteral("/Birman_999.jpg")).contains(QStringLiteral("missing")), qPrintable(all));
        auto expected = ImageDecoder().decode(cut);
        QVERIFY(!expected);
        QCOMPARE(reasonFor(report, QStringLiteral("/Bombay_99.jpg")), expected.error().message);
        QVERIFY2(!reasonFor(report, QStringLiteral("/readme.txt")).isEmpty(), qPrintable(all));
        QVERIFY2(reasonFor(report, QStringLiteral("/extra_photo.jpg")).contains(QStringLiteral("imported unlabelled")), qPrintable(all));
        // Every line it rejected was Birman_15's, so the photo itself counts as unlisted.
        QVERIFY2(reasonFor(report, QStringLiteral("/Birman_15.jpg")).contains(QStringLiteral("imported unlabelled")), qPrintable(all));
        QCOMPARE(report.issues.size(), 9);

        QCOMPARE(report.added, 6);     // 4 labelled + extra_photo + Birman_15
        QCOMPARE(report.labelled, 4);
        QCOMPARE(report.skipped, 7);   // 4 lines, the missing photo, the corrupt one, readme.txt
        QCOMPARE(report.seen, 9);      // 8 files + the missing photo
        QCOMPARE(report.duplicates, 0);
        QCOMPARE(ws->imageCount().value(), 6);
        QCOMPARE(ws->labels().currentByImage().value().size(), 4);

        auto byName = [&](const QString& name) { return ws->imageByOriginalPath(QDir::cleanPath(images + name)).value(); };
        QCOMPARE(byName(QStringLiteral("Abyssinian_1.jpg"))->split, QStringLiteral("trainval"));
        QCOMPARE(byName(QStringLiteral("Bengal_10.jpg"))->split, QStringLiteral("trainval"));
        QCOMPARE(byName(samoyed + QStringLiteral(".jpg"))->split, QStringLiteral("test"));
        QCOMPARE(byName(QStringLiteral("Bombay_10.jpg"))->split, QString());
        QCOMPARE(ws->labels().current(byName(samoyed + QStringLiteral(".jpg"))->id).value()->breed, QStringLiteral("samoyed"));
        QCOMPARE(ws->labels().current(byName(QStringLiteral("Bombay_10.jpg"))->id).value()->breed, QStringLiteral("Bombay"));
        QVERIFY(!ws->labels().current(byName(QStringLiteral("extra_photo.jpg"))->id).value());
        QVERIFY(!ws->labels().current(byName(QStringLiteral("Birman_15.jpg"))->id).value());
        QVERIFY(!byName(QStringLiteral("Bombay_99.jpg")));
        verifyConsistent(*ws);

        // Not an Oxford folder at all.
        const ImportReport none = importOxford(*ws, m_tmp.filePath(QStringLiteral("nothing-here")));
        QCOMPARE(none.issues.size(), 1);
        QCOMPARE(none.seen, 0);
        QVERIFY(QDir().mkpath(m_tmp.filePath(QStringLiteral("empty-folder"))));
        const ImportReport empty = importOxford(*ws, m_tmp.filePath(QStringLiteral("empty-folder")));
        QCOMPARE(empty.issues.size(), 1);
        QVERIFY2(empty.issues.first().reason.contains(QStringLiteral("not an Oxford")), qPrintable(describe(empty)));
        QCOMPARE(ws->imageCount().value(), 6);
    }

    void folderPerClass()
    {
        const QString root = m_tmp.filePath(QStringLiteral("by-breed"));
        const QStringList pyrenees = samplesOf(QStringLiteral("great_pyrenees"));
        const QStringList samoyeds = samplesOf(QStringLiteral("samoyed"));
        const QString pug = samplesOf(QStringLiteral("pug")).first();
        const QString persian = samplesOf(QStringLiteral("Persian")).first();
        QVERIFY(copySample(pyrenees[0], root + QStringLiteral("/Great Pyrenees/") + pyrenees[0]));
        QVERIFY(copySample(pyrenees[1], root + QStringLiteral("/Great Pyrenees/") + pyrenees[1]));
        QVERIFY(copySample(pyrenees[2], root + QStringLiteral("/great_pyrenees/more/") + pyrenees[2])); // nested
        QVERIFY(copySample(samoyeds[0], root + QStringLiteral("/SAMOYED/a.jpg")));
        QVERIFY(copySample(samoyeds[1], root + QStringLiteral("/SAMOYED/b.JPG")));
        QVERIFY(copySample(pug, root + QStringLiteral("/Dachshund/dog.jpg")));
        QVERIFY(copySample(persian, root + QStringLiteral("/loose.jpg")));

        auto ws = freshWorkspace();
        QVERIFY(ws);
        ImportOptions options;
        options.author = QStringLiteral("curator-bob");
        const ImportReport report = importFolderPerClass(*ws, root, options);
        const QString all = describe(report);
        QVERIFY2(reasonFor(report, QStringLiteral("/Dachshund")).contains(QStringLiteral("unknown breed")), qPrintable(all));
        QVERIFY2(reasonFor(report, QStringLiteral("/loose.jpg")).contains(QStringLiteral("imported unlabelled")), qPrintable(all));
        QCOMPARE(report.issues.size(), 2);
        QCOMPARE(report.added, 6);
        QCOMPARE(report.labelled, 5);
        QCOMPARE(report.skipped, 1);
        QCOMPARE(ws->imageCount().value(), 6);
        QVERIFY(!ws->imageByHash(QString::fromLatin1(QCryptographicHash::hash(test::readFile(test::sampleImage(pug)), QCryptographicHash::Sha256).toHex())).value());

        QHash<QString, int> perBreed;
        const QHash<qint64, LabelEvent> labels = ws->labels().currentByImage().value();
        for (const LabelEvent& e : labels) {
            ++perBreed[e.breed];
            QCOMPARE(e.author, QStringLiteral("curator-bob"));
            QCOMPARE(toString(e.origin), QStringLiteral("dataset"));
        }
        QCOMPARE(perBreed.value(QStringLiteral("great_pyrenees")), 3);
        QCOMPARE(perBreed.value(QStringLiteral("samoyed")), 2);
        QCOMPARE(perBreed.size(), 2);
        const auto loose = ws->imageByOriginalPath(root + QStringLiteral("/loose.jpg")).value();
        QVERIFY(loose);
        QVERIFY(!ws->labels().current(loose->id).value());
        QCOMPARE(loose->source, QStringLiteral("folders"));

        const ImportReport again = importFolderPerClass(*ws, root, options);
        QCOMPARE(again.added, 0);
        QCOMPARE(again.duplicates, 6);
        QCOMPARE(again.labelled, 0);
        QCOMPARE(ws->labels().eventCount().value(), 5);
        verifyConsistent(*ws);
    }

    void plainFilesAreUnlabelled()
    {
        const QString root = m_tmp.filePath(QStringLiteral("inbox"));
        const QStringList bombays = samplesOf(QStringLiteral("Bombay"));
        QVERIFY(copySample(bombays[0], root + QStringLiteral("/one.jpg")));
        QVERIFY(copySample(bombays[1], root + QStringLiteral("/two.jpeg")));
        QVERIFY(copySample(bombays[2], root + QStringLiteral("/deeper/three.jpg")));
        QVERIFY(copySample(bombays[0], root + QStringLiteral("/deeper/same-as-one.jpg")));
        QVERIFY(writeFile(root + QStringLiteral("/notes.txt"), "hello\n"));
        QVERIFY(writeFile(root + QStringLiteral("/empty.jpg"), QByteArray()));
        const QString single = m_tmp.filePath(QStringLiteral("single.jpg"));
        QVERIFY(copySample(bombays[3], single));

        auto ws = freshWorkspace();
        QVERIFY(ws);
        const ImportReport report = importFiles(*ws, {root, single, m_tmp.filePath(QStringLiteral("no-such.jpg"))}, {},
                                                QStringLiteral("drop"));
        const QString all = describe(report);
        QCOMPARE(report.added, 4);
        QCOMPARE(report.duplicates, 1);
        QCOMPARE(report.labelled, 0);
        QCOMPARE(report.skipped, 3);
        QCOMPARE(report.seen, 8);
        QVERIFY2(!reasonFor(report, QStringLiteral("/notes.txt")).isEmpty(), qPrintable(all));
        QVERIFY2(!reasonFor(report, QStringLiteral("/empty.jpg")).isEmpty(), qPrintable(all));
        QVERIFY2(reasonFor(report, QStringLiteral("/no-such.jpg")).contains(QStringLiteral("not found")), qPrintable(all));
        QCOMPARE(report.issues.size(), 3);
        QCOMPARE(ws->imageCount().value(), 4);
        QVERIFY(ws->labels().currentByImage().value().isEmpty());
        QCOMPARE(ws->labels().eventCount().value(), 0);
        for (auto imageList = ws->images().value(); const ImageRecord& image : imageList)
            QCOMPARE(image.source, QStringLiteral("drop"));

        // The file-size limit is respected.
        auto limited = freshWorkspace();
        QVERIFY(limited);
        ImportOptions options;
        options.limits.maxFileBytes = 1000;
        const ImportReport small = importFiles(*limited, {single}, options);
        QCOMPARE(small.added, 0);
        QCOMPARE(small.skipped, 1);
        QVERIFY2(small.issues.value(0).reason.contains(QStringLiteral("too large")), qPrintable(describe(small)));
        QCOMPARE(limited->imageCount().value(), 0);
    }

    void killedImportLeavesAConsistentWorkspace()
    {
        const QString dir = m_tmp.filePath(QStringLiteral("killed"));
        int committed = 0;
        for (int killAfter : {60, 250, 480}) {
            QProcess child;
            QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
            env.insert(QStringLiteral("PC_TEST_IMPORT_CHILD"), dir);
            child.setProcessEnvironment(env);
            child.start(QCoreApplication::applicationFilePath(), {QStringLiteral("oxfordSample")}); // initTestCase runs first and never returns
            QVERIFY(child.waitForStarted());
            QByteArray output;
            int last = 0;
            QElapsedTimer timer;
            timer.start();
            while (last < killAfter && child.state() == QProcess::Running && timer.elapsed() < 120000) {
                child.waitForReadyRead(50);
                output += child.readAllStandardOutput();
                const QList<QByteArray> lines = output.split('\n');
                if (lines.size() >= 2)
                    last = lines[lines.size() - 2].toInt(); // the last complete line
            }
            const qint64 pid = child.processId(); // 0 once it has ended: never kill(0, …)
            QVERIFY2(pid > 0 && child.state() == QProcess::Running,
                     qPrintable(QStringLiteral("the child ended early: %1").arg(QString::fromLocal8Bit(child.readAllStandardError()))));
            ::kill(pid_t(pid), SIGKILL);
            QVERIFY(child.waitForFinished());
            QVERIFY2(last >= killAfter, qPrintable(QStringLiteral("child reached only %1").arg(last)));
            committed = std::max(committed, last);

            auto ws = Workspace::open(dir);
            QVERIFY2(ws, ws ? "" : qPrintable(ws.error().message));
            // Everything reported done is there; at most the image in flight is extra.
            QVERIFY2((*ws)->imageCount().value() >= committed, qPrintable(QStringLiteral("%1 < %2").arg((*ws)->imageCount().value()).arg(committed)));
            QVERIFY((*ws)->imageCount().value() <= committed + 1);
            QVERIFY((*ws)->labels().eventCount().value() >= committed);
            auto integrity = (*ws)->checkIntegrity();
            QVERIFY2(integrity, integrity ? "" : qPrintable(integrity.error().message));
            for (auto imageList = (*ws)->images().value(); const ImageRecord& image : imageList)
                QVERIFY2((*ws)->readImageBytes(image.sha256), qPrintable(image.originalPath));
            // Files without rows (written just before the kill) are allowed, a handful at most.
            QVERIFY(filesUnder(dir + QStringLiteral("/images")) - (*ws)->imageCount().value() <= 2);
        }
        // Importing again finishes the job, and labels what the kill left unlabelled.
        auto resumed = Workspace::open(dir);
        QVERIFY(resumed);
        const ImportReport rest = importOxford(**resumed, test::sampleDir());
        QVERIFY2(rest.issues.isEmpty(), qPrintable(describe(rest)));
        QCOMPARE(rest.added + rest.duplicates, 692);
        QCOMPARE((*resumed)->imageCount().value(), 692);
        QCOMPARE((*resumed)->labels().eventCount().value(), 692);
        QCOMPARE((*resumed)->labels().currentByImage().value().size(), 692);
        verifyConsistent(**resumed);
    }

    void cancelLeavesAConsistentWorkspace()
    {
        // A 36-photo Oxford folder from the sample.
        const QString root = m_tmp.filePath(QStringLiteral("to-cancel"));
        const QHash<QString, QString> lines = sampleListLines();
        QByteArray list = "# a small Oxford folder\n";
        for (const QString& breed : {QStringLiteral("Abyssinian"), QStringLiteral("samoyed"), QStringLiteral("Sphynx")})
            for (const QString& file : samplesOf(breed).mid(0, 12)) {
                const QString name = QFileInfo(file).completeBaseName();
                QVERIFY(copySample(file, root + QStringLiteral("/images/") + file));
                list += lines.value(name).toUtf8() + "\n";
            }
        QVERIFY(writeFile(root + QStringLiteral("/annotations/list.txt"), list));

        auto ws = freshWorkspace();
        QVERIFY(ws);
        std::atomic_bool cancel{false};
        ImportOptions options;
        options.cancel = &cancel;
        options.progress = [&](int done, int) {
            if (done == 10)
                cancel = true;
        };
        const ImportReport first = importOxford(*ws, root, options);
        QVERIFY2(first.cancelled, qPrintable(describe(first)));
        QCOMPARE(first.seen, 10);
        QCOMPARE(first.added, 10);
        QCOMPARE(first.labelled, 10);
        QCOMPARE(ws->imageCount().value(), 10);
        QCOMPARE(ws->labels().eventCount().value(), 10);
        verifyConsistent(*ws);

        cancel = false;
        options.progress = {};
        const ImportReport second = importOxford(*ws, root, options);
        QVERIFY2(!second.cancelled && second.issues.isEmpty(), qPrintable(describe(second)));
        QCOMPARE(second.added, 26);
        QCOMPARE(second.duplicates, 10);
        QCOMPARE(second.labelled, 26);
        QCOMPARE(ws->imageCount().value(), 36);
        QCOMPARE(ws->labels().currentByImage().value().size(), 36);
        verifyConsistent(*ws);

        // Cancelled before the first image: nothing happens at all.
        auto untouched = freshWorkspace();
        QVERIFY(untouched);
        cancel = true;
        const ImportReport none = importOxford(*untouched, root, options);
        QVERIFY(none.cancelled);
        QCOMPARE(none.seen, 0);
        QCOMPARE(untouched->imageCount().value(), 0);
    }
};

QTEST_GUILESS_MAIN(TestImporters)
#include "TestImporters.moc"
