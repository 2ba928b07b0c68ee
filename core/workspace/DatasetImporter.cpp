#include "workspace/DatasetImporter.h"

#include "imaging/CollectFiles.h"
#include "model/BreedCatalog.h"
#include "workspace/ImportPipeline.h"
#include "workspace/LabelManifest.h"
#include "workspace/OxfordAnnotations.h"

#include <QCollator>
#include <QDir>
#include <QFileInfo>
#include <QHash>
#include <QSet>

namespace pc {

namespace {

// Folder entries (no hidden ones), in the order a person reads them: "x_2" before "x_10".
QStringList entries(const QDir& dir, QDir::Filters filters)
{
    QStringList names = dir.entryList(filters | QDir::NoDotAndDotDot);
    QCollator numeric;
    numeric.setNumericMode(true);
    std::sort(names.begin(), names.end(), [&](const QString& a, const QString& b) { return numeric.compare(a, b) < 0; });
    return names;
}

bool isPlainName(const QString& name)
{
    return !name.isEmpty() && name != QStringLiteral(".") && name != QStringLiteral("..") && !name.contains(QLatin1Char('/'))
        && !name.contains(QLatin1Char('\\'));
}

ImportReport notAFolder(const QString& dir)
{
    ImportReport report;
    report.issues.append({dir, QStringLiteral("not a folder")});
    return report;
}

} // namespace

ImportReport importOxford(Workspace& ws, const QString& dir, const ImportOptions& options)
{
    if (!QFileInfo(dir).isDir())
        return notAFolder(dir);
    ImportReport report;
    const QDir root(dir);
    const OxfordAnnotations annotations = OxfordAnnotations::read(dir);
    for (const auto& issue : annotations.issues) {
        report.issues.append({issue.first, issue.second});
        ++report.skipped;
    }
    if (!annotations.found) {
        report.issues.append({root.filePath(QStringLiteral("annotations/list.txt")),
                              QStringLiteral("not an Oxford-IIIT Pet folder: annotations/list.txt, trainval.txt and test.txt are all missing")});
        return report;
    }
    const QDir images(root.filePath(QStringLiteral("images")));
    if (!images.exists()) {
        report.issues.append({images.path(), QStringLiteral("not an Oxford-IIIT Pet folder: the images folder is missing")});
        return report;
    }

    // The dataset's file names are <name>.jpg; other extensions are accepted for the same stem.
    const QStringList files = entries(images, QDir::Files);
    QHash<QString, QString> byStem;
    for (const QString& f : files) {
        const QString stem = QFileInfo(f).completeBaseName();
        if (!byStem.contains(stem) || f.endsWith(QStringLiteral(".jpg"), Qt::CaseInsensitive))
            byStem.insert(stem, f);
    }

    QVector<ImportJob> jobs;
    QSet<QString> listed;
    for (const OxfordEntry& e : annotations.entries) {
        if (!isPlainName(e.name)) {
            report.issues.append({e.name, QStringLiteral("not a plain image name: skipped")});
            ++report.skipped;
            continue;
        }
        const QString file = images.exists(e.name + QStringLiteral(".jpg")) ? e.name + QStringLiteral(".jpg") : byStem.value(e.name);
        if (file.isEmpty()) {
            ++report.seen;
            ++report.skipped;
            report.issues.append({images.filePath(e.name + QStringLiteral(".jpg")), QStringLiteral("listed in the annotations but missing")});
            continue;
        }
        listed.insert(file);
        jobs.append({images.filePath(file), e.breedIndex, e.split, QStringLiteral("oxford"), {}, {}});
    }
    // Files nobody listed are imported unlabelled and named in the report: a curator can label them
    // later, and nothing in the folder is dropped silently.
    for (const QString& f : files)
        if (!listed.contains(f))
            jobs.append({images.filePath(f), -1, {}, QStringLiteral("oxford"),
                         QStringLiteral("no valid line in the annotation lists: imported unlabelled"), {}});

    runImport(ws, jobs, options, report);
    return report;
}

ImportReport importFolderPerClass(Workspace& ws, const QString& dir, const ImportOptions& options)
{
    if (!QFileInfo(dir).isDir())
        return notAFolder(dir);
    ImportReport report;
    const QDir root(dir);
    const BreedCatalog& breeds = BreedCatalog::oxford();
    QVector<ImportJob> jobs;
    for (const QString& folder : entries(root, QDir::Dirs)) {
        const QString path = root.filePath(folder);
        const QStringList files = collectFiles({path});
        const int breed = breeds.indexOf(folder);
        if (breed < 0) {
            report.issues.append({path, QStringLiteral("unknown breed folder \"%1\": its %2 file(s) were skipped").arg(folder).arg(files.size())});
            report.skipped += int(files.size());
            continue;
        }
        for (const QString& f : files)
            jobs.append({f, breed, {}, QStringLiteral("folders"), {}, {}});
    }
    // Loose files beside the breed folders: unlabelled, and said so (see importOxford).
    for (const QString& f : entries(root, QDir::Files))
        jobs.append({root.filePath(f), -1, {}, QStringLiteral("folders"), QStringLiteral("not in a breed folder: imported unlabelled"), {}});

    runImport(ws, jobs, options, report);
    return report;
}

ImportReport importManifest(Workspace& ws, const QString& manifest, const ImportOptions& options, std::optional<ManifestFormat> format)
{
    ImportReport report;
    const QFileInfo info(manifest);
    if (!info.isFile()) {
        report.issues.append({manifest, QStringLiteral("not a file")});
        return report;
    }
    if (!format)
        format = manifestFormatForFile(manifest);
    if (!format) {
        report.issues.append({manifest, QStringLiteral("not a manifest: the name ends neither in .csv nor in .json")});
        return report;
    }
    auto contents = readManifest(manifest, *format, options.author);
    if (!contents) {
        report.issues.append({manifest, contents.error().message});
        return report;
    }
    for (const auto& issue : contents->issues) {
        report.issues.append({issue.first, issue.second});
        ++report.skipped;
    }
    const QDir base = info.absoluteDir();
    const BreedCatalog& breeds = BreedCatalog::oxford();
    QVector<ImportJob> jobs;
    for (const ManifestRow& row : contents->rows) {
        LabelEvent recorded;
        recorded.origin = row.origin;
        recorded.author = row.author;
        recorded.status = row.status;
        recorded.at = row.at;
        jobs.append({base.filePath(row.path), breeds.indexOf(row.breed), row.split, QStringLiteral("manifest"), {}, ManifestEntry{row.sha256, recorded}});
    }
    runImport(ws, jobs, options, report);
    return report;
}

ImportReport importFiles(Workspace& ws, const QStringList& paths, const ImportOptions& options, const QString& source)
{
    ImportReport report;
    QVector<ImportJob> jobs;
    for (const QString& f : collectFiles(paths))
        jobs.append({f, -1, {}, source, {}, {}});
    runImport(ws, jobs, options, report);
    return report;
}

} // namespace pc
