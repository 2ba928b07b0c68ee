#include "imaging/CollectFiles.h"

#include <QCollator>
#include <QDirIterator>
#include <QFileInfo>

namespace pc {

QStringList collectFiles(const QStringList& paths)
{
    QStringList out;
    QCollator numeric;
    numeric.setNumericMode(true);
    for (const QString& path : paths) {
        const QFileInfo info(path);
        if (!info.isDir()) {
            out << path;
            continue;
        }
        QStringList found;
        QDirIterator it(path, QDir::Files | QDir::NoDotAndDotDot, QDirIterator::Subdirectories);
        while (it.hasNext())
            found << it.next();
        std::sort(found.begin(), found.end(), [&](const QString& a, const QString& b) { return numeric.compare(a, b) < 0; });
        out << found;
    }
    return out;
}

} // namespace pc
