// TestExport: exporting what was curated (issue 9) as a folder per breed, Oxford-IIIT Pet, CSV and
// JSON, from a real workspace of sample photos with every kind of label (dataset, curator,
// server; approved and pending; a correction; a recorded time), and the lossless round trip:
// export, import into a fresh workspace, export again: the same bytes, file for file. Also the
// filters, RFC 4180 quoting, a cancelled export (nothing left), bad folders and bad manifests, and
// the CLI's one-line errors and exit statuses.
#include "TestSupport.h"

#include "imaging/ImageDecoder.h"
#include "model/BreedCatalog.h"
#include "workspace/CsvText.h"
#include "workspace/DatasetImporter.h"
#include "workspace/LabelExport.h"
#include "workspace/LabelManifest.h"
#include "workspace/OxfordAnnotations.h"
#include "workspace/SyncLedger.h"
#include "workspace/Workspace.h"

#include <QCollator>
#include <QCryptographicHash>
#include <QDirIterator>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>

using namespace pc;

namespace {

// Sample photo names of one breed, in numeric order.
QStringList samplesOf(const QString& breed)
{
    QStringList names = QDir(test::sampleDir() + QStringLiteral("/images")).entryList({breed + QStringLiteral("_*.jpg")}, QDir::Files);
    QCollator numeric;
    numeric.setNumericMode(true);
    std::sort(names.begin(), names.end(), [&](const QString& a, const QString& b) { return numeric.compare(a, b) < 0; });
    return names;
}

bool copySample(const QString& name, const QString& to)
{
    QDir().mkpath(QFileInfo(to).path());
    return QFile::copy(test::sampleImage(name), to);
}

// Every file under `dir` (hidden ones too) by its path relative to `dir` → its bytes.
QMap<QString, QByteArray> tree(const QString& dir)
{
    QMap<QString, QByteArray> out;
    QDirIterator it(dir, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString path = it.next();
        out.insert(QDir(dir).relativeFilePath(path), test::readFile(path));
    }
    return out;
}

QString describe(const ImportReport& r)
{
    QStringList issues;
    for (const ImportIssue& i : r.issues)
        issues << i.path + QStringLiteral(": ") + i.reason;
    return QStringLiteral("seen %1 added %2 duplicates %3 labelled %4 skipped %5; issues: %6")
        .arg(r.seen).arg(r.added).arg(r.duplicates).arg(r.labelled).arg(r.skipped).arg(issues.join(QStringLiteral(" | ")));
}

QString reasonFor(const ImportReport& report, const QString& pathPart)
{
    for (const ImportIssue& i : report.issues)
        if (i.path.contains(pathPart))
            return i.reason;
    return {};
}

// sha256 → current label.
QHash<QString, LabelEvent> labelsByHash(const Workspace& ws)
{
    QHash<QString, LabelEvent> out;
    const auto labels = ws.labels().currentByImage().value();
    const auto images = ws.images().value(); // a copy: value() of a temporary would dangle in the loop
    for (const ImageRecord& image : images)
        if (labels.contains(image.id))
            out.insert(image.sha256, labels.value(image.id));
    return out;
}

using Cli = test::CliRun;
using test::runCli;

} // namespace

class TestExport : public QObject {
    Q_OBJECT

    QTemporaryDir m_tmp;
    std::shared_ptr<Workspace> m_ws; // the curated workspace every test exports from
    int m_labelled = 0;
    QString m_quotedName = QStringLiteral("a,\"b\".jpg");
    QString m_pugSha;  // its current label was given on 2020-01-02
    int m_n = 0;

    QString fresh(const QString& what) { return m_tmp.filePath(QStringLiteral("%1-%2").arg(what).arg(++m_n)); }

    std::shared_ptr<Workspace> freshWorkspace()
    {
        auto ws = Workspace::open(fresh(QStringLiteral("ws")));
        if (!ws)
            qWarning("open: %s", qPrintable(ws.error().message));
        return ws ? *ws : nullptr;
    }

    // The first image (by id) whose current label is this breed.
    static std::optional<ImageRecord> firstOf(const Workspace& ws, const QString& breed)
    {
        const auto labels = ws.labels().currentByImage().value();
        const auto images = ws.images().value();
        for (const ImageRecord& image : images)
            if (labels.value(image.id).breed == breed)
                return image;
        return std::nullopt;
    }

    // Imports one file unlabelled and gives its id.
    qint64 importOne(Workspace& ws, const QString& path)
    {
        const ImportReport r = importFiles(ws, {path});
        if (r.added + r.duplicates != 1)
            qWarning("import %s: %s", qPrintable(path), qPrintable(describe(r)));
        const QByteArray bytes = test::readFile(path);
        const QString sha = QString::fromLatin1(QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex());
        const auto image = ws.imageByHash(sha);
        return image && *image ? (*image)->id : 0;
    }

    Expected<ExportReport, ExportError> exportTo(const QString& out, ExportFormat format, const LabelFilter& filter = {})
    {
        ExportOptions options;
        options.format = format;
        options.filter = filter;
        return exportLabels(*m_ws, out, options);
    }

    // The rows of a csv export with this filter.
    QVector<ManifestRow> csvRows(const LabelFilter& filter)
    {
        const QString out = fresh(QStringLiteral("filtered"));
        auto report = exportTo(out, ExportFormat::Csv, filter);
        if (!report) {
            qWarning("export: %s", qPrintable(report.error().message));
            return {};
        }
        auto read = readManifest(out + QStringLiteral("/labels.csv"), ManifestFormat::Csv, {});
        if (!read || !read->issues.isEmpty())
            qWarning("the export's own manifest does not read back");
        return read ? read->rows : QVector<ManifestRow>();
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_tmp.isValid());
        auto ws = Workspace::open(m_tmp.filePath(QStringLiteral("curated")));
        QVERIFY2(ws, ws ? "" : qPrintable(ws.error().message));
        m_ws = *ws;
        Workspace& w = *m_ws;

        // 12 dataset labels from an Oxford folder: 3 photos each of two cats and two dogs.
        const QString oxford = test::makeOxfordSubset(m_tmp.filePath(QStringLiteral("oxford")),
                                                      {QStringLiteral("Abyssinian"), QStringLiteral("Bengal"), QStringLiteral("pug"), QStringLiteral("samoyed")}, 3);
        const ImportReport r = importOxford(w, oxford);
        QVERIFY2(r.added == 12 && r.labelled == 12, qPrintable(describe(r)));

        // A curator's correction (Abyssinian → Bengal), and a label recorded with an old time.
        const QString extra = m_tmp.filePath(QStringLiteral("extra"));
        auto abyssinian = firstOf(w, QStringLiteral("Abyssinian"));
        QVERIFY(abyssinian);
        QVERIFY(w.labels().add(abyssinian->id, QStringLiteral("Bengal"), LabelOrigin::Curator, QStringLiteral("carol")));
        auto pug = firstOf(w, QStringLiteral("pug"));
        QVERIFY(pug);
        m_pugSha = pug->sha256;
        LabelEvent old;
        old.breed = QStringLiteral("pug");
        old.origin = LabelOrigin::Curator;
        old.author = QStringLiteral("dave");
        old.status = ReviewStatus::Approved;
        old.at = QDateTime::fromString(QStringLiteral("2020-01-02T03:04:05.678Z"), Qt::ISODateWithMs);
        QVERIFY(w.labels().addRecorded(pug->id, old));

        // Two different photos that share a file name (with a blank in it, which Oxford's lists can't hold).
        const QStringList beagles = samplesOf(QStringLiteral("beagle"));
        QVERIFY(copySample(beagles[0], extra + QStringLiteral("/one/same name.jpg")));
        QVERIFY(copySample(beagles[1], extra + QStringLiteral("/two/same name.jpg")));
        for (const QString& f : {QStringLiteral("/one/same name.jpg"), QStringLiteral("/two/same name.jpg")}) {
            const qint64 id = importOne(w, extra + f);
            QVERIFY(id > 0);
            QVERIFY(w.labels().add(id, QStringLiteral("beagle"), LabelOrigin::Curator, QStringLiteral("bob")));
        }
        // Commas and quotes in a name (CSV quoting), pending review.
        const QStringList persians = samplesOf(QStringLiteral("Persian"));
        QVERIFY(copySample(persians[0], extra + QLatin1Char('/') + m_quotedName));
        qint64 id = importOne(w, extra + QLatin1Char('/') + m_quotedName);
        QVERIFY(id > 0);
        QVERIFY(w.labels().add(id, QStringLiteral("Persian"), LabelOrigin::Curator, QStringLiteral("bob"), ReviewStatus::Pending));
        // No extension: the export names it from its content. A team member's label.
        QVERIFY(copySample(samplesOf(QStringLiteral("boxer"))[0], extra + QStringLiteral("/noext")));
        id = importOne(w, extra + QStringLiteral("/noext"));
        QVERIFY(id > 0);
        QVERIFY(w.labels().add(id, QStringLiteral("boxer"), LabelOrigin::Server, QStringLiteral("alice")));
        // A hidden file's name (a folder walk would skip it).
        const QStringList sphynx = samplesOf(QStringLiteral("Sphynx"));
        QVERIFY(copySample(sphynx[1], extra + QStringLiteral("/.hidden.jpg")));
        id = importOne(w, extra + QStringLiteral("/.hidden.jpg"));
        QVERIFY(id > 0);
        QVERIFY(w.labels().add(id, QStringLiteral("Sphynx"), LabelOrigin::Curator, QStringLiteral("bob")));
        // An image of Oxford's test split.
        const QByteArray testBytes = test::readFile(test::sampleImage(sphynx[0]));
        const auto decoded = ImageDecoder().decode(testBytes);
        QVERIFY(decoded);
        auto added = w.addImage(testBytes, extra + QStringLiteral("/Sphynx_test.jpg"), decoded->rgb.cols, decoded->rgb.rows,
                                QStringLiteral("oxford"), QStringLiteral("test"));
        QVERIFY(added);
        QVERIFY(w.labels().add(added->id, QStringLiteral("Sphynx"), LabelOrigin::Dataset, QStringLiteral("import")));
        // Left out: one unlabelled, one labelled but removed.
        QVERIFY(copySample(persians[1], extra + QStringLiteral("/unlabelled.jpg")));
        QVERIFY(importOne(w, extra + QStringLiteral("/unlabelled.jpg")) > 0);
        QVERIFY(copySample(persians[2], extra + QStringLiteral("/removed.jpg")));
        id = importOne(w, extra + QStringLiteral("/removed.jpg"));
        QVERIFY(id > 0);
        QVERIFY(w.labels().add(id, QStringLiteral("Persian"), LabelOrigin::Curator, QStringLiteral("bob")));
        QVERIFY(w.setImagesRemoved({id}, true));

        m_labelled = 12 + 2 + 1 + 1 + 1 + 1;
        QCOMPARE(int(w.labels().currentByImage().value().size()), m_labelled);
    }

    void roundTripIsLossless_data()
    {
        QTest::addColumn<int>("format");
        QTest::newRow("folders") << int(ExportFormat::Folders);
        QTest::newRow("oxford") << int(ExportFormat::Oxford);
        QTest::newRow("csv") << int(ExportFormat::Csv);
        QTest::newRow("json") << int(ExportFormat::Json);
    }

    // Export, import into a fresh workspace, export again: the same files, byte for byte.
    void roundTripIsLossless()
    {
        QFETCH(int, format);
        const auto f = ExportFormat(format);
        QElapsedTimer timer;
        timer.start();
        const QString first = fresh(QStringLiteral("first"));
        auto report = exportTo(first, f);
        QVERIFY2(report, report ? "" : qPrintable(report.error().message));
        QCOMPARE(report->exported, m_labelled);
        QCOMPARE(report->unlabelled, 1);
        QCOMPARE(report->removed, 1);
        QCOMPARE(report->filteredOut, 0);
        QVERIFY(!report->cancelled);

        auto b = freshWorkspace();
        QVERIFY(b);
        const ImportReport imported = f == ExportFormat::Folders ? importFolderPerClass(*b, first)
            : f == ExportFormat::Oxford                          ? importOxford(*b, first)
                                                                 : importManifest(*b, report->manifest);
        QVERIFY2(imported.added == m_labelled && imported.labelled == m_labelled && imported.issues.isEmpty(), qPrintable(describe(imported)));

        const QString second = fresh(QStringLiteral("second"));
        auto again = exportLabels(*b, second, ExportOptions{f, {}, false, nullptr, {}});
        QVERIFY2(again, again ? "" : qPrintable(again.error().message));
        QCOMPARE(again->exported, m_labelled);
        const auto one = tree(first), two = tree(second);
        QCOMPARE(one.keys(), two.keys());
        for (auto it = one.cbegin(); it != one.cend(); ++it)
            QVERIFY2(it.value() == two.value(it.key()), qPrintable(it.key() + QStringLiteral(" differs")));

        // The image files are the stored originals.
        const QHash<QString, LabelEvent> before = labelsByHash(*m_ws), after = labelsByHash(*b);
        QCOMPARE(QSet<QString>(after.keyBegin(), after.keyEnd()), QSet<QString>(before.keyBegin(), before.keyEnd()));
        for (auto it = before.cbegin(); it != before.cend(); ++it) {
            const LabelEvent& was = it.value();
            const LabelEvent& now = after.value(it.key());
            QCOMPARE(now.breed, was.breed);
            if (f == ExportFormat::Csv || f == ExportFormat::Json) {
                // Everything a label is, as it was.
                QCOMPARE(toString(now.origin), toString(was.origin));
                QCOMPARE(now.author, was.author);
                QCOMPARE(toString(now.status), toString(was.status));
                QCOMPARE(now.at, was.at);
            } else {
                QCOMPARE(toString(now.origin), toString(LabelOrigin::Dataset)); // these formats carry only the breed
            }
        }
        // Imported labels are records of others' work: none waits to be sent to the team server.
        QCOMPARE(SyncLedger(b).outboxState().value().queued, 0);

        if (f == ExportFormat::Oxford) {
            const OxfordAnnotations annotations = OxfordAnnotations::read(first);
            QVERIFY(annotations.issues.isEmpty());
            QCOMPARE(int(annotations.entries.size()), m_labelled);
            const BreedCatalog& breeds = BreedCatalog::oxford();
            for (const OxfordEntry& e : annotations.entries) {
                QVERIFY2(e.name.startsWith(breeds.at(e.breedIndex).id + QLatin1Char('_')), qPrintable(e.name));
                QVERIFY(!e.name.contains(QLatin1Char(' ')));
                QCOMPARE(e.split, e.name == QStringLiteral("Sphynx_test") ? QStringLiteral("test") : QStringLiteral("trainval"));
            }
            // Oxford's own header, and its order: class, then name.
            const QByteArray sampleList = test::readFile(test::sampleDir() + QStringLiteral("/annotations/list.txt"));
            const QByteArray list = one.value(QStringLiteral("annotations/list.txt"));
            QVERIFY(list.startsWith(sampleList.left(sampleList.indexOf("\nAbyssinian_") + 1)));
            QVERIFY(list.contains("\nAbyssinian_"));
            QVERIFY(list.indexOf("\nAbyssinian_") < list.indexOf("\nbeagle_"));
            QVERIFY(list.indexOf("\nbeagle_") < list.indexOf("\nBengal_")); // class 5 before class 6
            QVERIFY(one.contains(QStringLiteral("annotations/test.txt")) && one.contains(QStringLiteral("annotations/trainval.txt")));
            QVERIFY(one.value(QStringLiteral("annotations/test.txt")).startsWith("Sphynx_test 34 1 12\n"));
            QVERIFY(one.contains(QStringLiteral("images/beagle_same_name.jpg")));
            QVERIFY(one.contains(QStringLiteral("images/boxer_noext.jpg")));
            QVERIFY(one.contains(QStringLiteral("images/Sphynx_hidden.jpg")));
        }
        if (f == ExportFormat::Folders) {
            QVERIFY(one.contains(QStringLiteral("beagle/same name.jpg")));
            QVERIFY(one.contains(QStringLiteral("Sphynx/hidden.jpg")));
            QVERIFY(one.contains(QStringLiteral("Persian/") + m_quotedName));
            QVERIFY(one.contains(QStringLiteral("boxer/noext.jpg")));
            int beagles = 0;
            for (const QString& path : one.keys())
                beagles += path.startsWith(QStringLiteral("beagle/same name")) ? 1 : 0;
            QCOMPARE(beagles, 2); // the second one is "same name_<sha256 prefix>.jpg"
        }
        if (f == ExportFormat::Csv) {
            const QByteArray csvText = one.value(QStringLiteral("labels.csv"));
            QVERIFY(csvText.startsWith("path,sha256,breed,origin,author,status,time,split\r\n"));
            QVERIFY2(csvText.contains("\r\n\"images/a,\"\"b\"\".jpg\","), csvText.constData());
            QVERIFY(csvText.contains(",pug,curator,dave,approved,2020-01-02T03:04:05.678Z,\r\n")); // no split recorded
        }
        if (f == ExportFormat::Json) {
            const QJsonArray rows = QJsonDocument::fromJson(one.value(QStringLiteral("labels.json"))).array();
            QCOMPARE(int(rows.size()), m_labelled);
            for (int i = 0; i < rows.size(); ++i) {
                const QJsonObject o = rows[i].toObject();
                // The team server's /user-labels shape, then ours.
                QCOMPARE(o.value(QStringLiteral("id")).toInt(), i + 1);
                const int label = o.value(QStringLiteral("label")).toInt(-1);
                QCOMPARE(BreedCatalog::oxford().at(label).id, o.value(QStringLiteral("breed")).toString());
                QCOMPARE(o.value(QStringLiteral("name")).toString(), BreedCatalog::oxford().at(label).name);
                QCOMPARE(o.value(QStringLiteral("url")).toString(), o.value(QStringLiteral("path")).toString());
                QVERIFY(one.contains(o.value(QStringLiteral("path")).toString()));
                for (const char* key : {"sha256", "origin", "author", "status", "time", "split"})
                    QVERIFY2(o.contains(QLatin1String(key)), key);
            }
        }
        // Importing the same export again changes nothing.
        const ImportReport repeat = f == ExportFormat::Folders ? importFolderPerClass(*b, first)
            : f == ExportFormat::Oxford                        ? importOxford(*b, first)
                                                               : importManifest(*b, report->manifest);
        QCOMPARE(repeat.added, 0);
        QCOMPARE(repeat.labelled, 0);
        qInfo("%s round trip: %lld ms", qPrintable(toString(f)), timer.elapsed());
    }

    void filtersChooseLabels()
    {
        QCOMPARE(int(csvRows({}).size()), m_labelled);

        LabelFilter approved;
        approved.approvedOnly = true;
        QVector<ManifestRow> rows = csvRows(approved);
        QCOMPARE(int(rows.size()), m_labelled - 1); // the pending Persian
        for (const ManifestRow& r : rows)
            QCOMPARE(toString(r.status), toString(ReviewStatus::Approved));

        LabelFilter curators;
        curators.origins = {LabelOrigin::Curator};
        rows = csvRows(curators);
        QCOMPARE(int(rows.size()), 6); // the correction, the recorded pug, two beagles, the Persian, the hidden Sphynx
        for (const ManifestRow& r : rows)
            QCOMPARE(toString(r.origin), toString(LabelOrigin::Curator));

        LabelFilter server;
        server.origins = {LabelOrigin::Server};
        rows = csvRows(server);
        QCOMPARE(int(rows.size()), 1);
        QCOMPARE(rows[0].author, QStringLiteral("alice"));

        LabelFilter bob;
        bob.authors = {QStringLiteral("bob")};
        QCOMPARE(int(csvRows(bob).size()), 4);

        LabelFilter bengal;
        bengal.breeds = {QStringLiteral("Bengal")};
        rows = csvRows(bengal);
        QCOMPARE(int(rows.size()), 4); // three from Oxford and the corrected Abyssinian
        for (const ManifestRow& r : rows)
            QCOMPARE(r.breed, QStringLiteral("Bengal"));

        LabelFilter before2021;
        before2021.until = QDateTime(QDate(2020, 12, 31), QTime(23, 59, 59, 999), Qt::UTC);
        rows = csvRows(before2021);
        QCOMPARE(int(rows.size()), 1);
        QCOMPARE(rows[0].sha256, m_pugSha);

        LabelFilter since2021;
        since2021.since = QDateTime(QDate(2021, 1, 1), QTime(0, 0), Qt::UTC);
        QCOMPARE(int(csvRows(since2021).size()), m_labelled - 1);

        // Filters combine; what they leave out is counted.
        LabelFilter both = bob;
        both.approvedOnly = true;
        auto report = exportTo(fresh(QStringLiteral("both")), ExportFormat::Oxford, both);
        QVERIFY(report);
        QCOMPARE(report->exported, 3);
        QCOMPARE(report->filteredOut, m_labelled - 3);
        QCOMPARE(report->unlabelled, 1);

        LabelFilter unknown;
        unknown.breeds = {QStringLiteral("unicorn")};
        report = exportTo(fresh(QStringLiteral("bad")), ExportFormat::Csv, unknown);
        QVERIFY(!report);
        QVERIFY(report.error().kind == ExportError::Kind::BadOptions);
        LabelFilter backwards;
        backwards.since = QDateTime(QDate(2022, 1, 1), QTime(0, 0), Qt::UTC);
        backwards.until = QDateTime(QDate(2021, 1, 1), QTime(0, 0), Qt::UTC);
        report = exportTo(fresh(QStringLiteral("bad")), ExportFormat::Csv, backwards);
        QVERIFY(!report);
        QVERIFY(report.error().kind == ExportError::Kind::BadOptions);
    }

    void cancelledExportLeavesNothing()
    {
        for (const bool folderExists : {false, true}) {
            const QString out = fresh(QStringLiteral("cancelled"));
            if (folderExists)
                QVERIFY(QDir().mkpath(out));
            std::atomic_bool cancel{false};
            int written = 0;
            ExportOptions options;
            options.format = ExportFormat::Csv;
            options.cancel = &cancel;
            options.progress = [&](int done, int total) {
                QCOMPARE(total, m_labelled);
                written = done;
                if (done == 5)
                    cancel = true;
            };
            auto report = exportLabels(*m_ws, out, options);
            QVERIFY(report);
            QVERIFY(report->cancelled);
            QCOMPARE(written, 5);
            QCOMPARE(report->exported, 0);
            QVERIFY(report->manifest.isEmpty());
            QVERIFY(!QFileInfo::exists(out + QStringLiteral("/labels.csv")));
            // What it had written is gone; a folder it made is gone, one that was there stays.
            QCOMPARE(QFileInfo::exists(out), folderExists);
            if (folderExists)
                QVERIFY(tree(out).isEmpty() && QDir(out).isEmpty(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden));
        }
    }

    void badFoldersAreRefused()
    {
        // A path under a file can't be made.
        const QString file = fresh(QStringLiteral("file"));
        QVERIFY(QDir().mkpath(QFileInfo(file).path()));
        QFile f(file);
        QVERIFY(f.open(QIODevice::WriteOnly) && f.write("x") == 1);
        f.close();
        auto report = exportTo(file + QStringLiteral("/out"), ExportFormat::Folders);
        QVERIFY(!report);
        QVERIFY(report.error().kind == ExportError::Kind::Failed);
        QVERIFY2(report.error().message.contains(QStringLiteral("cannot create")), qPrintable(report.error().message));
        QVERIFY(!report.error().message.contains(QLatin1Char('\n')));
        report = exportTo(file, ExportFormat::Folders);
        QVERIFY(!report);
        QVERIFY2(report.error().message.contains(QStringLiteral("not a folder")), qPrintable(report.error().message));

        // A folder that holds something is refused unless asked; then only same names are replaced.
        const QString used = fresh(QStringLiteral("used"));
        QVERIFY(QDir().mkpath(used));
        QFile mine(used + QStringLiteral("/keep.txt"));
        QVERIFY(mine.open(QIODevice::WriteOnly) && mine.write("mine") == 4);
        mine.close();
        report = exportTo(used, ExportFormat::Json);
        QVERIFY(!report);
        QVERIFY(report.error().kind == ExportError::Kind::NotEmpty);
        QVERIFY(!QFileInfo::exists(used + QStringLiteral("/labels.json")));
        ExportOptions into;
        into.format = ExportFormat::Json;
        into.intoNonEmptyFolder = true;
        report = exportLabels(*m_ws, used, into);
        QVERIFY2(report, report ? "" : qPrintable(report.error().message));
        QVERIFY(QFileInfo::exists(used + QStringLiteral("/labels.json")));
        QCOMPARE(test::readFile(used + QStringLiteral("/keep.txt")), QByteArray("mine"));

        QVERIFY(!exportFormatFromString(QStringLiteral("zip")));
        QVERIFY(exportFormatFromString(QStringLiteral("oxford")) == std::optional<ExportFormat>(ExportFormat::Oxford));
    }

    void csvQuotingFollowsRfc4180()
    {
        const QStringList fields = {QStringLiteral("plain"), QStringLiteral("a,b"), QStringLiteral("say \"hi\""), QStringLiteral("two\nlines"), QString()};
        const QByteArray line = csv::record(fields);
        QCOMPARE(line, QByteArray("plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\r\n"));
        auto parsed = csv::parse(line + csv::record({QStringLiteral("x")}));
        QVERIFY(parsed);
        QCOMPARE(int(parsed->size()), 2);
        QCOMPARE(parsed->at(0).fields, fields);
        QCOMPARE(parsed->at(1).line, 3); // the quoted line break counts
        QVERIFY(!csv::parse("a,\"open\r\n"));
        QVERIFY(!csv::parse("a,b\"c\r\n"));
        QVERIFY(!csv::parse("\"a\"b,c\r\n"));
        auto bom = csv::parse("\xEF\xBB\xBFpath,breed\n\nx,y\n");
        QVERIFY(bom);
        QCOMPARE(int(bom->size()), 2);
        QCOMPARE(bom->at(0).fields.first(), QStringLiteral("path"));
    }

    // A hand-made or damaged manifest: each bad row is reported with its line and skipped.
    void badManifestRowsAreReported()
    {
        const QString dir = fresh(QStringLiteral("manifest"));
        const QStringList pugs = samplesOf(QStringLiteral("pug"));
        QVERIFY(copySample(pugs[5], dir + QStringLiteral("/good.jpg")));
        QVERIFY(copySample(pugs[6], dir + QStringLiteral("/other.jpg")));
        const QString goodSha = QString::fromLatin1(QCryptographicHash::hash(test::readFile(dir + QStringLiteral("/good.jpg")), QCryptographicHash::Sha256).toHex());
        QByteArray text = csv::record({QStringLiteral("path"), QStringLiteral("breed"), QStringLiteral("sha256"), QStringLiteral("origin"), QStringLiteral("time")});
        text += csv::record({QStringLiteral("good.jpg"), QStringLiteral("Pug"), goodSha, QStringLiteral("curator"), QStringLiteral("2024-05-06T07:08:09.010Z")});
        text += csv::record({QStringLiteral("other.jpg"), QStringLiteral("unicorn"), {}, {}, {}});                     // line 3
        text += csv::record({QStringLiteral("other.jpg"), QStringLiteral("pug"), {}, QStringLiteral("robot"), {}});      // line 4
        text += csv::record({QStringLiteral("other.jpg"), QStringLiteral("pug"), {}, {}, QStringLiteral("yesterday")}); // line 5
        text += csv::record({QStringLiteral("other.jpg"), QStringLiteral("pug"), goodSha, {}, {}});                     // content differs
        text += csv::record({QStringLiteral("missing.jpg"), QStringLiteral("pug"), {}, {}, {}});
        text += "other.jpg,pug\r\n";                                                                                    // line 8
        const QString manifest = dir + QStringLiteral("/labels.csv");
        QFile f(manifest);
        QVERIFY(f.open(QIODevice::WriteOnly) && f.write(text) == text.size());
        f.close();

        auto ws = freshWorkspace();
        QVERIFY(ws);
        const ImportReport r = importManifest(*ws, manifest);
        QCOMPARE(r.added, 1);
        QCOMPARE(r.labelled, 1);
        QCOMPARE(r.skipped, 6);
        QVERIFY2(reasonFor(r, QStringLiteral("labels.csv:3")).contains(QStringLiteral("unknown breed")), qPrintable(describe(r)));
        QVERIFY2(reasonFor(r, QStringLiteral("labels.csv:4")).contains(QStringLiteral("origin")), qPrintable(describe(r)));
        QVERIFY2(reasonFor(r, QStringLiteral("labels.csv:5")).contains(QStringLiteral("time")), qPrintable(describe(r)));
        QVERIFY2(reasonFor(r, QStringLiteral("labels.csv:8")).contains(QStringLiteral("fields")), qPrintable(describe(r)));
        QVERIFY2(reasonFor(r, QStringLiteral("other.jpg")).contains(QStringLiteral("SHA-256")), qPrintable(describe(r)));
        QVERIFY2(!reasonFor(r, QStringLiteral("missing.jpg")).isEmpty(), qPrintable(describe(r)));
        const LabelEvent label = labelsByHash(*ws).value(goodSha);
        QCOMPARE(label.breed, QStringLiteral("pug"));
        QCOMPARE(toString(label.origin), toString(LabelOrigin::Curator));
        QCOMPARE(label.author, QStringLiteral("import")); // no author column: the importer's name
        QCOMPARE(label.at, QDateTime::fromString(QStringLiteral("2024-05-06T07:08:09.010Z"), Qt::ISODateWithMs));

        // Not a manifest at all: one issue, nothing imported.
        for (const auto& [name, bytes] : {std::pair{QStringLiteral("broken.json"), QByteArray("[{\"path\":")},
                                          std::pair{QStringLiteral("object.json"), QByteArray("{\"path\":\"good.jpg\"}")},
                                          std::pair{QStringLiteral("nocolumns.csv"), QByteArray("file,kind\r\ngood.jpg,pug\r\n")},
                                          std::pair{QStringLiteral("labels.txt"), QByteArray("good.jpg pug\n")}}) {
            QFile bad(dir + QLatin1Char('/') + name);
            QVERIFY(bad.open(QIODevice::WriteOnly) && bad.write(bytes) == bytes.size());
            bad.close();
            const ImportReport none = importManifest(*ws, bad.fileName());
            QCOMPARE(none.added + none.duplicates, 0);
            QCOMPARE(int(none.issues.size()), 1);
            QVERIFY(!none.issues.first().reason.isEmpty());
        }
    }

    // The CLI: progress on stderr, a one-line report, and one-line errors with exit status 2. Each
// run starts a process that loads libtorch, so only a few.
    void cliExportsAndRefusesBadArguments()
    {
        const QString ws = m_ws->dir();
        const QString out = fresh(QStringLiteral("cli"));
        Cli r = runCli({QStringLiteral("export"), QStringLiteral("--workspace"), ws, QStringLiteral("--format"), QStringLiteral("csv"),
                        QStringLiteral("--breed"), QStringLiteral("beagle,Great Pyrenees"), QStringLiteral("--origin"), QStringLiteral("curator"), out});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY2(r.out.startsWith(QStringLiteral("exported 2 images")), qPrintable(r.out));
        QVERIFY2(r.out.contains(QStringLiteral("1 unlabelled, 1 removed, %1 by the filters").arg(m_labelled - 2)), qPrintable(r.out));
        QVERIFY2(r.err.contains(QStringLiteral("export: 2/2 images")), qPrintable(r.err));
        QVERIFY(QFileInfo::exists(out + QStringLiteral("/labels.csv")));
        // ... and `import --manifest` reads it back (this one loads the network, as import does).
        r = runCli({QStringLiteral("import"), QStringLiteral("--workspace"), fresh(QStringLiteral("cli-ws")), QStringLiteral("--manifest"),
                    out + QStringLiteral("/labels.csv"), QStringLiteral("--json")});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const QJsonObject imported = QJsonDocument::fromJson(r.out.toUtf8()).object();
        QCOMPARE(imported.value(QStringLiteral("added")).toInt(), 2);
        QCOMPARE(imported.value(QStringLiteral("labelled")).toInt(), 2);

        const QList<QStringList> bad = {
            {QStringLiteral("--format"), QStringLiteral("zip"), fresh(QStringLiteral("cli"))},
            {QStringLiteral("--format"), QStringLiteral("csv"), QStringLiteral("--breed"), QStringLiteral("unicorn"), fresh(QStringLiteral("cli"))},
            {QStringLiteral("--format"), QStringLiteral("csv"), QStringLiteral("--since"), QStringLiteral("2020-13-45"), fresh(QStringLiteral("cli"))},
            {QStringLiteral("--format"), QStringLiteral("csv"), out}, // not empty
        };
        for (const QStringList& args : bad) {
            r = runCli(QStringList{QStringLiteral("export"), QStringLiteral("--workspace"), ws} + args);
            QVERIFY2(r.code == 2, qPrintable(args.join(QLatin1Char(' ')) + QStringLiteral(": ") + r.err));
            QCOMPARE(int(r.err.count(QLatin1Char('\n'))), 1);
            QVERIFY2(r.err.startsWith(QStringLiteral("petcurator-cli export: ")), qPrintable(r.err));
        }
        // Writing where nothing can be written: a failure (1), said in one line.
        r = runCli({QStringLiteral("export"), QStringLiteral("--workspace"), ws, QStringLiteral("--format"), QStringLiteral("folders"),
                    out + QStringLiteral("/labels.csv/sub")});
        QCOMPARE(r.code, 1);
        QCOMPARE(int(r.err.count(QLatin1Char('\n'))), 1);
    }
};

QTEST_GUILESS_MAIN(TestExport)
#include "TestExport.moc"
