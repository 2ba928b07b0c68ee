#include "workspace/OxfordAnnotations.h"

#include "model/BreedCatalog.h"

#include <QDir>
#include <QFile>
#include <QTextStream>

namespace pc {

namespace {

// Parses one annotation file into name → breed index; records bad lines.
QVector<QPair<QString, int>> readFile(const QString& path, const QString& label, OxfordAnnotations& out)
{
    QVector<QPair<QString, int>> rows;
    QFile f(path);
    if (!f.exists())
        return rows;
    out.found = true;
    if (!f.open(QIODevice::ReadOnly | QIODevice::Text)) {
        out.issues.append({label, QStringLiteral("cannot read: %1").arg(f.errorString())});
        return rows;
    }
    const BreedCatalog& breeds = BreedCatalog::oxford();
    QTextStream in(&f);
    for (int lineNo = 1; !in.atEnd(); ++lineNo) {
        const QString line = in.readLine().trimmed();
        if (line.isEmpty() || line.startsWith(QLatin1Char('#')))
            continue;
        const QStringList cols = line.split(QLatin1Char(' '), Qt::SkipEmptyParts);
        const QString where = QStringLiteral("%1:%2").arg(label).arg(lineNo);
        if (cols.size() != 4) {
            out.issues.append({where, QStringLiteral("expected 'name class-id species breed-id', got %1 fields").arg(cols.size())});
            continue;
        }
        bool ok1 = false, ok2 = false, ok3 = false;
        const int classId = cols[1].toInt(&ok1), species = cols[2].toInt(&ok2);
        cols[3].toInt(&ok3);
        if (!ok1 || !ok2 || !ok3) {
            out.issues.append({where, QStringLiteral("class id, species and breed id must be numbers")});
            continue;
        }
        if (classId < 1 || classId > breeds.size()) {
            out.issues.append({where, QStringLiteral("class id %1 is outside 1..%2").arg(classId).arg(breeds.size())});
            continue;
        }
        const Breed& breed = breeds.at(classId - 1);
        if ((species == 1) != (breed.species == QStringLiteral("cat")) || (species != 1 && species != 2)) {
            out.issues.append({where, QStringLiteral("species %1 does not match %2 (a %3)").arg(species).arg(breed.id, breed.species)});
            continue;
        }
        rows.append({cols[0], classId - 1});
    }
    return rows;
}

} // namespace

OxfordAnnotations OxfordAnnotations::read(const QString& datasetDir)
{
    OxfordAnnotations out;
    const QDir dir(QDir(datasetDir).filePath(QStringLiteral("annotations")));
    const auto list = readFile(dir.filePath(QStringLiteral("list.txt")), QStringLiteral("list.txt"), out);
    const auto trainval = readFile(dir.filePath(QStringLiteral("trainval.txt")), QStringLiteral("trainval.txt"), out);
    const auto test = readFile(dir.filePath(QStringLiteral("test.txt")), QStringLiteral("test.txt"), out);

    QHash<QString, QString> split;
    for (const auto& r : trainval)
        split.insert(r.first, QStringLiteral("trainval"));
    for (const auto& r : test)
        split.insert(r.first, QStringLiteral("test"));

    QHash<QString, qsizetype> seen;
    auto add = [&](const QPair<QString, int>& r) {
        if (seen.contains(r.first))
            return;
        seen.insert(r.first, out.entries.size());
        out.entries.append({r.first, r.second, split.value(r.first)});
    };
    for (const auto& r : list)
        add(r);
    for (const auto& r : trainval)
        add(r);
    for (const auto& r : test)
        add(r);
    return out;
}

} // namespace pc
