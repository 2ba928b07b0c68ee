// Writes N servable model bundles (random linear heads for the 37 breeds on this machine's
// backbone weights) for scripts/server-bench.sh's hot-swap phase:
//   server-predict-bundles DIR N
// Prints each file's path and SHA-256, tab-separated, one a line.
#include "model/Backbone.h"
#include "model/BreedCatalog.h"
#include "model/ModelBundle.h"

#include <QCoreApplication>
#include <QDir>
#include <cstdio>
#include <opencv2/core.hpp>

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    bool ok = false;
    const int n = args.value(2).toInt(&ok);
    if (args.size() != 3 || !ok || n < 1 || n > 1000) {
        std::fprintf(stderr, "usage: server-predict-bundles DIR N (1-1000)\n");
        return 2;
    }
    auto backbone = pc::Backbone::load();
    if (!backbone) {
        std::fprintf(stderr, "server-predict-bundles: %s\n", qPrintable(backbone.error().message));
        return 1;
    }
    QDir().mkpath(args[1]);
    const QStringList ids = pc::BreedCatalog::oxford().ids();
    for (int i = 1; i <= n; ++i) {
        pc::ModelBundle b;
        b.version = QStringLiteral("bench-%1").arg(i);
        b.created = QDateTime::currentDateTimeUtc();
        b.backboneId = QString::fromLatin1(pc::Backbone::kId);
        b.weightsHash = (*backbone)->weightsHash();
        b.preprocessing = pc::ModelBundle::defaultPreprocessing();
        cv::Mat w(int(ids.size()), pc::Backbone::kEmbeddingSize, CV_32F), bias(1, int(ids.size()), CV_32F);
        cv::RNG rng(quint64(i) * 7919 + quint64(QDateTime::currentMSecsSinceEpoch()));
        rng.fill(w, cv::RNG::NORMAL, 0.0, 0.08);
        rng.fill(bias, cv::RNG::NORMAL, 0.0, 0.5);
        b.head = pc::ClassifierHead(ids, {pc::DenseLayer{w, bias}}, std::vector<bool>(size_t(ids.size()), true));
        const QString path = QDir(args[1]).filePath(QStringLiteral("bench-%1.pcmodel").arg(i));
        auto sha = pc::writeModelBundle(b, path);
        if (!sha) {
            std::fprintf(stderr, "server-predict-bundles: %s\n", qPrintable(sha.error().message));
            return 1;
        }
        std::printf("%s\t%s\n", qPrintable(path), qPrintable(*sha));
    }
    return 0;
}
