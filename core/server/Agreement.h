#pragma once
// Inter-annotator agreement over images that two or more people labelled: Cohen's κ for every
// pair of labellers (over the images both labelled), and overall the mean of the pairwise κs
// (Light's κ) next to the pooled observed agreement. Pure maths on (image, author, breed) triples.
#include <QString>
#include <QVector>
#include <optional>

namespace pc::server {

struct RatedItem {
    qint64 item = 0;  // image
    QString rater;    // author
    QString category; // breed
};

struct PairAgreement {
    QString a, b;               // a < b
    int items = 0;              // images both labelled
    double observed = 0;        // share of those they labelled alike
    std::optional<double> kappa; // undefined when chance agreement is 1 (one breed only)
};

struct AgreementReport {
    int items = 0;                   // images labelled by two or more raters
    int raters = 0;                  // raters with at least one such image
    QVector<PairAgreement> pairs;    // pairs with at least one shared image, sorted by (a, b)
    std::optional<double> meanKappa; // Light's κ: mean over pairs with a defined κ
    std::optional<double> observed;  // pooled over every pair's shared images
};

// Each (item, rater) pair at most once: the rater's current label.
AgreementReport computeAgreement(const QVector<RatedItem>& ratings);

} // namespace pc::server
