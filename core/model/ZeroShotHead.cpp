#include "model/ZeroShotHead.h"

#include "model/Backbone.h"
#include "model/BreedCatalog.h"

#include <QFile>
#include <QSet>
#include <QTextStream>

namespace pc {

Expected<std::vector<ZeroShotEntry>> loadZeroShotMap(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return Error{QStringLiteral("cannot read zero-shot map %1").arg(path)};
    const BreedCatalog& breeds = BreedCatalog::oxford();
    std::vector<ZeroShotEntry> out;
    QSet<int> seen;
    QTextStream in(&f);
    for (int lineNo = 1; !in.atEnd(); ++lineNo) {
        const QString line = in.readLine();
        if (line.trimmed().isEmpty() || line.startsWith(QLatin1Char('#')))
            continue;
        const QStringList cols = line.split(QLatin1Char('\t'));
        bool ok = false;
        const int cls = cols.value(1).toInt(&ok);
        const int breed = breeds.indexOf(cols.value(0));
        if (cols.size() < 3 || !ok || cls < 0 || cls >= 1000 || breed < 0 || seen.contains(breed)
            || (cols[2] != QStringLiteral("exact") && cols[2] != QStringLiteral("close")))
            return Error{QStringLiteral("%1:%2: bad zero-shot entry \"%3\"").arg(path).arg(lineNo).arg(line)};
        seen.insert(breed);
        out.push_back({breed, cls, cols[2]});
    }
    return out;
}

ClassifierHead makeZeroShotHead(const cv::Mat& imagenetWeight, const cv::Mat& imagenetBias,
                                const std::vector<ZeroShotEntry>& map)
{
    const BreedCatalog& breeds = BreedCatalog::oxford();
    DenseLayer layer{cv::Mat::zeros(breeds.size(), imagenetWeight.cols, CV_32F), cv::Mat::zeros(1, breeds.size(), CV_32F)};
    std::vector<bool> learned(size_t(breeds.size()), false);
    for (const ZeroShotEntry& e : map) {
        imagenetWeight.row(e.imagenetClass).copyTo(layer.weight.row(e.breedIndex));
        layer.bias.at<float>(0, e.breedIndex) = imagenetBias.at<float>(0, e.imagenetClass);
        learned[size_t(e.breedIndex)] = true;
    }
    return ClassifierHead(breeds.ids(), {layer}, learned);
}

ClassifierHead makeZeroShotHead(const Backbone& backbone)
{
    auto map = loadZeroShotMap();
    return makeZeroShotHead(backbone.imagenetWeight(), backbone.imagenetBias(), map ? *map : std::vector<ZeroShotEntry>{});
}

} // namespace pc
