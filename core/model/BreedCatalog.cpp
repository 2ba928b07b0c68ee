#include "model/BreedCatalog.h"

#include <QFile>
#include <QTextStream>

namespace pc {

const BreedCatalog& BreedCatalog::oxford()
{
    static const BreedCatalog catalog = [] {
        BreedCatalog c;
        QFile f(QStringLiteral(":/data/breeds.txt"));
        if (!f.open(QIODevice::ReadOnly))
            qFatal("breeds.txt resource missing");
        QTextStream in(&f);
        while (!in.atEnd()) {
            const QString line = in.readLine().trimmed();
            if (line.isEmpty() || line.startsWith(QLatin1Char('#')))
                continue;
            const QStringList cols = line.split(QLatin1Char('\t'));
            if (cols.size() == 4)
                c.m_breeds.push_back({cols[0].toInt(), cols[1], cols[2], cols[3]});
        }
        return c;
    }();
    return catalog;
}

QStringList BreedCatalog::ids() const
{
    QStringList out;
    for (const Breed& b : m_breeds)
        out << b.id;
    return out;
}

QString BreedCatalog::fold(const QString& name)
{
    QString s = name.trimmed().toLower();
    s.replace(QLatin1Char('-'), QLatin1Char('_')).replace(QLatin1Char(' '), QLatin1Char('_'));
    return s;
}

int BreedCatalog::indexOf(const QString& nameOrId) const
{
    const QString key = fold(nameOrId);
    bool isNumber = false;
    const int classId = key.toInt(&isNumber);
    for (size_t i = 0; i < m_breeds.size(); ++i) {
        const Breed& b = m_breeds[i];
        if ((isNumber && b.classId == classId) || fold(b.id) == key || fold(b.name) == key)
            return int(i);
    }
    return -1;
}

QString breedDisplayName(const QString& breedId)
{
    if (breedId.isEmpty())
        return {};
    const BreedCatalog& c = BreedCatalog::oxford();
    const int i = c.indexOf(breedId);
    return i >= 0 ? c.at(i).name : breedId;
}

bool breedIsCat(const QString& breedId)
{
    const BreedCatalog& c = BreedCatalog::oxford();
    const int i = c.indexOf(breedId);
    return i >= 0 && c.at(i).species == QLatin1String("cat");
}

} // namespace pc
