#include "workspace/LabelExport.h"

#include "imaging/ImageDecoder.h"
#include "model/BreedCatalog.h"
#include "workspace/LabelManifest.h"
#include "workspace/Workspace.h"

#include <QDir>
#include <QFileInfo>
#include <QHash>
#include <QSaveFile>
#include <QSet>

#include <algorithm>

namespace pc {

namespace {

// Oxford's own header of list.txt, word for word (trainval.txt and test.txt have none).
const QByteArray kOxfordHeader = QByteArrayLiteral("#Image CLASS-ID SPECIES BREED ID\n"
                                                   "#ID: 1:37 Class ids\n"
                                                   "#SPECIES: 1:Cat 2:Dog\n"
                                                   "#BREED ID: 1-25:Cat 1:12:Dog\n"
                                                   "#All images with 1st letter as captial are cat images\n"
                                                   "#images with small first letter are dog images\n");

struct Item {
    ImageRecord image;
    LabelEvent label;
    int breed = -1;  // into BreedCatalog::oxford()
    QString folder;  // relative to the export folder: "images" or the breed id
    QString stem;    // the file name is stem.suffix
    QString suffix;
    QString name() const { return suffix.isEmpty() ? stem : stem + QLatin1Char('.') + suffix; }
    QString file() const { return folder + QLatin1Char('/') + name(); }
};

ExportError failed(const QString& message) { return {ExportError::Kind::Failed, message}; }

// The extension of the image's format, for an original without one.
Expected<QString, ExportError> extensionFromContent(const Workspace& ws, const QString& sha256)
{
    auto bytes = ws.readImageBytes(sha256);
    if (!bytes)
        return failed(bytes.error().message);
    const auto header = ImageDecoder::probe(*bytes);
    if (!header)
        return QStringLiteral("img");
    return header->format == QLatin1String("jpeg") ? QStringLiteral("jpg") : header->format;
}

// The name an image asks for: its original file name (hidden-file dots dropped, so a folder walk
// sees it); for Oxford, without blanks (list.txt splits on them) and starting with the breed id as
// Oxford's names do. Each step leaves a name it made unchanged, which keeps a re-export identical.
Status<ExportError> nameFromOriginal(const Workspace& ws, ExportFormat format, Item& item)
{
    QString fileName = QFileInfo(item.image.originalPath).fileName();
    while (fileName.startsWith(QLatin1Char('.')))
        fileName.remove(0, 1);
    const qsizetype dot = fileName.lastIndexOf(QLatin1Char('.'));
    item.stem = dot < 0 ? fileName : fileName.left(dot);
    item.suffix = dot < 0 ? QString() : fileName.mid(dot + 1);
    if (item.stem.isEmpty())
        item.stem = item.image.sha256;
    if (item.suffix.isEmpty()) {
        auto ext = extensionFromContent(ws, item.image.sha256);
        if (!ext)
            return ext.error();
        item.suffix = *ext;
    }
    if (format == ExportFormat::Oxford) {
        for (QChar& c : item.stem)
            if (c.isSpace() || c == QLatin1Char('\\'))
                c = QLatin1Char('_');
        for (QChar& c : item.suffix)
            if (c.isSpace() || c == QLatin1Char('\\'))
                c = QLatin1Char('_');
        const QString prefix = BreedCatalog::oxford().at(item.breed).id + QLatin1Char('_');
        if (!item.stem.startsWith(prefix))
            item.stem.prepend(prefix);
    }
    return done();
}

// Two different images asking for one name in one folder (ignoring case, as Oxford's importer and
// some file systems do; for Oxford the stem is the name) get it in SHA-256 order; the later ones
// get <stem>_<first 8 of their SHA-256>, so the outcome does not depend on the workspace's ids.
void makeNamesUnique(QVector<Item>& items, bool stemIsTheName)
{
    auto key = [&](const Item& item, const QString& stem) {
        return (item.folder + QLatin1Char('/') + (stemIsTheName ? stem : stem + QLatin1Char('.') + item.suffix)).toLower();
    };
    std::sort(items.begin(), items.end(), [&](const Item& a, const Item& b) {
        const QString ka = key(a, a.stem), kb = key(b, b.stem);
        return ka != kb ? ka < kb : a.image.sha256 < b.image.sha256;
    });
    QSet<QString> taken;
    for (Item& item : items) {
        if (taken.contains(key(item, item.stem))) {
            const QString base = item.stem + QLatin1Char('_') + item.image.sha256.left(8);
            QString stem = base;
            for (int n = 2; taken.contains(key(item, stem)); ++n)
                stem = base + QLatin1Char('_') + QString::number(n);
            item.stem = stem;
        }
        taken.insert(key(item, item.stem));
    }
}

// What this export created, removed again unless it finished: a cancelled or failed export
// leaves the folder as it found it (files it replaced keep their new content).
class Written {
public:
    Written() = default;
    Written(const Written&) = delete;
    Written& operator=(const Written&) = delete;
    ~Written()
    {
        if (m_kept)
            return;
        for (auto it = m_files.crbegin(); it != m_files.crend(); ++it)
            QFile::remove(*it);
        for (auto it = m_folders.crbegin(); it != m_folders.crend(); ++it)
            QDir().rmdir(*it);
    }
    void keep() { m_kept = true; }

    Status<ExportError> makeFolder(const QString& path)
    {
        QStringList missing;
        for (QString p = QDir::cleanPath(path); !QFileInfo::exists(p); p = QFileInfo(p).path()) {
            missing.prepend(p);
            if (QFileInfo(p).path() == p)
                break;
        }
        for (const QString& p : missing) {
            if (!QDir().mkdir(p))
                return failed(QStringLiteral("cannot create the folder %1").arg(p));
            m_folders.append(p);
        }
        if (!QFileInfo(path).isDir())
            return failed(QStringLiteral("%1 is not a folder").arg(path));
        return done();
    }

    Status<ExportError> writeFile(const QString& path, const QByteArray& bytes)
    {
        const bool existed = QFileInfo::exists(path);
        QSaveFile f(path);
        if (!f.open(QIODevice::WriteOnly) || f.write(bytes) != bytes.size() || !f.commit())
            return failed(QStringLiteral("cannot write %1: %2").arg(path, f.errorString()));
        if (!existed)
            m_files.append(path);
        return done();
    }

private:
    QStringList m_files, m_folders;
    bool m_kept = false;
};

// "name class-id species breed-id": Oxford's breed id counts within the species, in class order.
QByteArray oxfordLine(const Item& item)
{
    const BreedCatalog& breeds = BreedCatalog::oxford();
    const Breed& breed = breeds.at(item.breed);
    int withinSpecies = 0;
    for (int i = 0; i <= item.breed; ++i)
        withinSpecies += breeds.at(i).species == breed.species ? 1 : 0;
    return QStringLiteral("%1 %2 %3 %4\n")
        .arg(item.stem)
        .arg(breed.classId)
        .arg(breed.species == QLatin1String("cat") ? 1 : 2)
        .arg(withinSpecies)
        .toUtf8();
}

// The manifests, written after every image: (path relative to the export folder, bytes), the
// main one last.
QList<QPair<QString, QByteArray>> manifests(ExportFormat format, const QVector<Item>& items)
{
    if (format == ExportFormat::Oxford) {
        QByteArray list = kOxfordHeader, trainval, test;
        for (const Item& item : items) {
            const QByteArray line = oxfordLine(item);
            list += line;
            (item.image.split == QLatin1String("test") ? test : trainval) += line;
        }
        return {{QStringLiteral("annotations/trainval.txt"), trainval},
                {QStringLiteral("annotations/test.txt"), test},
                {QStringLiteral("annotations/list.txt"), list}};
    }
    if (format == ExportFormat::Csv || format == ExportFormat::Json) {
        QVector<ManifestRow> rows;
        for (const Item& item : items)
            rows.append({item.file(), item.image.sha256, item.label.breed, item.label.origin, item.label.author,
                         item.label.status, item.label.at, item.image.split});
        const ManifestFormat manifest = format == ExportFormat::Csv ? ManifestFormat::Csv : ManifestFormat::Json;
        return {{QStringLiteral("labels.") + toString(manifest), writeManifest(manifest, rows)}};
    }
    return {};
}

} // namespace

QString toString(ExportFormat format)
{
    switch (format) {
    case ExportFormat::Folders: return QStringLiteral("folders");
    case ExportFormat::Oxford: return QStringLiteral("oxford");
    case ExportFormat::Csv: return QStringLiteral("csv");
    case ExportFormat::Json: return QStringLiteral("json");
    }
    return {};
}

std::optional<ExportFormat> exportFormatFromString(const QString& name)
{
    for (ExportFormat f : {ExportFormat::Folders, ExportFormat::Oxford, ExportFormat::Csv, ExportFormat::Json})
        if (name == toString(f))
            return f;
    return std::nullopt;
}

QStringList exportFormatNames()
{
    return {toString(ExportFormat::Folders), toString(ExportFormat::Oxford), toString(ExportFormat::Csv), toString(ExportFormat::Json)};
}

Expected<ExportReport, ExportError> exportLabels(const Workspace& ws, const QString& outDir, const ExportOptions& options)
{
    if (auto s = options.filter.check(); !s)
        return ExportError{ExportError::Kind::BadOptions, s.error().message};
    const QString out = QDir(outDir).absolutePath();
    const QFileInfo outInfo(out);
    if (outInfo.exists() && !outInfo.isDir())
        return failed(QStringLiteral("%1 is not a folder").arg(out));
    if (outInfo.exists() && !options.intoNonEmptyFolder
        && !QDir(out).isEmpty(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden | QDir::System))
        return ExportError{ExportError::Kind::NotEmpty, QStringLiteral("%1 is not empty: export into an empty or new folder").arg(out)};

    // What to export: the current labels of the images still in the workspace.
    auto images = ws.images();
    if (!images)
        return failed(images.error().message);
    auto labels = ws.labels().currentByImage();
    if (!labels)
        return failed(labels.error().message);
    auto removed = ws.removedImageCount();
    if (!removed)
        return failed(removed.error().message);
    ExportReport report;
    report.removed = *removed;
    const BreedCatalog& breeds = BreedCatalog::oxford();
    QVector<Item> items;
    for (const ImageRecord& image : *images) {
        const auto label = labels->constFind(image.id);
        if (label == labels->cend()) {
            ++report.unlabelled;
            continue;
        }
        const int breed = breeds.indexOf(label->breed);
        if (!options.filter.accepts(*label) || breed < 0) { // a breed from a newer catalogue can't be placed
            ++report.filteredOut;
            continue;
        }
        Item item{image, *label, breed, {}, {}, {}};
        item.folder = options.format == ExportFormat::Folders ? breeds.at(breed).id : QStringLiteral("images");
        if (auto s = nameFromOriginal(ws, options.format, item); !s)
            return s.error();
        items.append(item);
    }
    makeNamesUnique(items, options.format == ExportFormat::Oxford);
    // The order of the lists: Oxford's (class, then name), else by file.
    std::sort(items.begin(), items.end(), [&](const Item& a, const Item& b) {
        if (options.format == ExportFormat::Oxford)
            return a.breed != b.breed ? a.breed < b.breed : a.stem != b.stem ? a.stem < b.stem : a.suffix < b.suffix;
        return a.file() < b.file();
    });

    Written written;
    if (auto s = written.makeFolder(out); !s)
        return s.error();
    const QDir root(out);
    const int total = int(items.size());
    if (options.progress)
        options.progress(0, total);
    auto cancelled = [&] { return options.cancel && options.cancel->load(); };
    for (int i = 0; i < total; ++i) {
        if (cancelled()) {
            report.cancelled = true;
            return report; // `written` takes back what was written
        }
        const Item& item = items[i];
        auto bytes = ws.readImageBytes(item.image.sha256);
        if (!bytes)
            return failed(bytes.error().message);
        if (auto s = written.makeFolder(root.filePath(item.folder)); !s)
            return s.error();
        if (auto s = written.writeFile(root.filePath(item.file()), *bytes); !s)
            return s.error();
        if (options.progress)
            options.progress(i + 1, total);
    }
    if (cancelled()) {
        report.cancelled = true;
        return report;
    }
    for (const auto& [path, bytes] : manifests(options.format, items)) {
        if (auto s = written.makeFolder(QFileInfo(root.filePath(path)).path()); !s)
            return s.error();
        if (auto s = written.writeFile(root.filePath(path), bytes); !s)
            return s.error();
        report.manifest = root.filePath(path);
    }
    written.keep();
    report.exported = total;
    return report;
}

} // namespace pc
