#include "server/Agreement.h"

#include <QHash>
#include <QMap>
#include <QSet>
#include <cmath>

namespace pc::server {

AgreementReport computeAgreement(const QVector<RatedItem>& ratings)
{
    QMap<qint64, QMap<QString, QString>> byItem; // item → rater → category
    for (const RatedItem& r : ratings)
        byItem[r.item].insert(r.rater, r.category);

    // pair → the two categories of every shared item
    QMap<QPair<QString, QString>, QVector<QPair<QString, QString>>> shared;
    AgreementReport report;
    QSet<QString> raters;
    for (const auto& labels : std::as_const(byItem)) {
        if (labels.size() < 2)
            continue;
        ++report.items;
        const QStringList names = labels.keys(); // sorted
        for (qsizetype i = 0; i < names.size(); ++i) {
            raters.insert(names[i]);
            for (qsizetype j = i + 1; j < names.size(); ++j)
                shared[{names[i], names[j]}].push_back({labels.value(names[i]), labels.value(names[j])});
        }
    }
    report.raters = int(raters.size());

    double kappaSum = 0;
    int kappaCount = 0;
    qint64 agreeAll = 0, itemsAll = 0;
    for (auto it = shared.cbegin(); it != shared.cend(); ++it) {
        const auto& pairs = it.value();
        const double n = double(pairs.size());
        QHash<QString, int> countA, countB;
        int agree = 0;
        for (const auto& [ca, cb] : pairs) {
            ++countA[ca];
            ++countB[cb];
            agree += ca == cb ? 1 : 0;
        }
        double expected = 0; // chance agreement from each rater's own breed frequencies
        for (auto c = countA.cbegin(); c != countA.cend(); ++c)
            expected += (c.value() / n) * (countB.value(c.key()) / n);
        PairAgreement p;
        p.a = it.key().first;
        p.b = it.key().second;
        p.items = int(pairs.size());
        p.observed = agree / n;
        if (std::abs(1.0 - expected) > 1e-12) {
            p.kappa = (p.observed - expected) / (1.0 - expected);
            kappaSum += *p.kappa;
            ++kappaCount;
        }
        agreeAll += agree;
        itemsAll += pairs.size();
        report.pairs.push_back(p);
    }
    if (kappaCount > 0)
        report.meanKappa = kappaSum / kappaCount;
    if (itemsAll > 0)
        report.observed = double(agreeAll) / double(itemsAll);
    return report;
}

} // namespace pc::server
