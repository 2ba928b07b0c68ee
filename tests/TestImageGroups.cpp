// Curation at scale (core/curation): k-means groups over embeddings, the automatic k,
// near-duplicates, and the CLI's groups, duplicates and many-image label, on real photos.
#include "TestSupport.h"

#include "curation/EmbeddingClusters.h"
#include "curation/ImageGroups.h"
#include "curation/NearDuplicates.h"
#include "training/EmbeddingCache.h"
#include "workspace/DatasetImporter.h"
#include "workspace/Workspace.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSet>
#include <QTemporaryDir>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <random>

using namespace pc;

namespace {

// `perCluster` noisy copies of each of `clusters` random directions in `dim` dimensions.
cv::Mat blobs(int clusters, int perCluster, int dim, float noise, quint32 seed)
{
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal;
    cv::Mat out(clusters * perCluster, dim, CV_32F);
    for (int c = 0; c < clusters; ++c) {
        std::vector<float> centre(static_cast<size_t>(dim), 0.f);
        for (float& v : centre)
            v = normal(rng);
        for (int i = 0; i < perCluster; ++i)
            for (int d = 0; d < dim; ++d)
                out.at<float>(c * perCluster + i, d) = centre[size_t(d)] + noise * normal(rng);
    }
    return out;
}

} // namespace

class TestImageGroups : public QObject {
    Q_OBJECT

    QTemporaryDir m_tmp;
    QString m_ws, m_copy, m_original;
    std::shared_ptr<Workspace> m_workspace;
    QHash<qint64, QString> m_breedOf; // image id → breed from the file name (the truth, not stored)

    using Run = test::CliRun;
    Run cli(QStringList args) const { return test::runCli(args << QStringLiteral("--workspace") << m_ws); }

private Q_SLOTS:
    void initTestCase()
    {
        const QString data = test::makeOxfordSubset(m_tmp.filePath(QStringLiteral("data")),
                                                     {QStringLiteral("pug"), QStringLiteral("Persian"), QStringLiteral("samoyed"),
                                                      QStringLiteral("Bombay")},
                                                     6);
        // A near-duplicate: the first pug saved again (JPEG quality 95). Measured cosines to the
        // original: 0.991 for this, 0.970 at 80 % of the size, 0.953 at quality 75, 0.45 for
        // another pug.
        m_original = QDir(data + QStringLiteral("/images")).entryList({QStringLiteral("pug_*.jpg")}, QDir::Files, QDir::Name).value(0);
        const cv::Mat pug = cv::imread((data + QStringLiteral("/images/") + m_original).toStdString());
        QVERIFY(!pug.empty());
        m_copy = m_tmp.filePath(QStringLiteral("pug_1_copy.jpg"));
        QVERIFY(cv::imwrite(m_copy.toStdString(), pug, {cv::IMWRITE_JPEG_QUALITY, 95}));
        m_ws = m_tmp.filePath(QStringLiteral("ws"));
        auto ws = Workspace::open(m_ws);
        QVERIFY(ws);
        m_workspace = *ws;
        const ImportReport report = importFiles(*m_workspace, {data + QStringLiteral("/images"), m_copy});
        QCOMPARE(report.added, 25);
        auto images = m_workspace->images();
        QVERIFY(images);
        for (const ImageRecord& r : *images)
            m_breedOf.insert(r.id, QFileInfo(r.originalPath).completeBaseName().section(QLatin1Char('_'), 0, -2));
    }

    void separatedClustersAreFoundWithTheirK()
    {
        const cv::Mat rows = blobs(5, 40, 64, 0.3f, 7);
        auto clusters = clusterEmbeddings(rows);
        QVERIFY(clusters);
        QVERIFY(clusters->automatic);
        QCOMPARE(clusters->k, 5);
        for (const auto& g : clusters->groups) {
            QCOMPARE(int(g.size()), 40);
            QSet<int> blob;
            for (int i : g)
                blob.insert(i / 40);
            QCOMPARE(blob.size(), 1); // every group is one blob
        }
        // Most typical first: the similarities fall along each group.
        for (const auto& s : clusters->similarity)
            QVERIFY(std::is_sorted(s.rbegin(), s.rend()));
        // The same input and seed give the same groups.
        auto again = clusterEmbeddings(rows);
        QVERIFY(again);
        QCOMPARE(again->groups, clusters->groups);
    }

    void badInputIsAnError()
    {
        QVERIFY(!clusterEmbeddings(cv::Mat()));
        ClusterOptions negative;
        negative.k = -1;
        QVERIFY(!clusterEmbeddings(blobs(2, 5, 8, 0.1f, 1), negative));
        QVERIFY(!findNearDuplicates(blobs(2, 5, 8, 0.1f, 1), 1.5f));
        ClusterOptions tooMany;
        tooMany.k = 50; // more groups than rows: one row each
        auto capped = clusterEmbeddings(blobs(2, 5, 8, 0.1f, 1), tooMany);
        QVERIFY(capped);
        QCOMPARE(capped->k, 10);
    }

    void realPhotosGroupByBreed()
    {
        auto ids = imagesIn(*m_workspace, ImageScope::Unlabelled);
        QVERIFY(ids);
        QCOMPARE(ids->size(), 25);
        auto embeddings = computeCentreEmbeddings(*m_workspace, *test::backbone(), *ids, {});
        QVERIFY2(embeddings, embeddings ? "" : qPrintable(embeddings.error().message));
        QCOMPARE(embeddings->imageIds.size(), 25);
        QVERIFY(embeddings->missing.isEmpty());
        ClusterOptions options;
        options.k = 4;
        auto grouping = groupImages(*embeddings, {}, options);
        QVERIFY(grouping);
        QCOMPARE(grouping->groups.size(), 4);
        // Purity: the share of images whose group's most common breed is their own.
        int agreeing = 0;
        for (const ImageGroup& g : grouping->groups) {
            QHash<QString, int> count;
            for (qint64 id : g.imageIds)
                ++count[m_breedOf.value(id)];
            agreeing += *std::max_element(count.cbegin(), count.cend());
        }
        qInfo("purity at k=4: %d of 25", agreeing);
        QVERIFY2(agreeing >= 22, qPrintable(QString::number(agreeing)));
        auto automatic = groupImages(*embeddings, {}, {});
        QVERIFY(automatic);
        qInfo("automatic k on 25 photos of 4 breeds: %d", automatic->k);
        QVERIFY(automatic->k >= 2 && automatic->k <= 8);
    }

    void theReencodedCopyIsANearDuplicate()
    {
        auto ids = imagesIn(*m_workspace, ImageScope::All);
        QVERIFY(ids);
        auto embeddings = computeCentreEmbeddings(*m_workspace, *test::backbone(), *ids, {});
        QVERIFY(embeddings);
        auto pairs = nearDuplicateImages(*embeddings, kDefaultNearDuplicateThreshold);
        QVERIFY(pairs);
        QVERIFY(!pairs->isEmpty());
        const NearDuplicateImages& top = pairs->front();
        QCOMPARE(QSet<QString>({QFileInfo(m_workspace->image(top.a)->value().originalPath).fileName(),
                                QFileInfo(m_workspace->image(top.b)->value().originalPath).fileName()}),
                 QSet<QString>({m_original, QStringLiteral("pug_1_copy.jpg")}));
        QVERIFY(top.cosine >= 0.97f);
        qInfo("copy cosine %.4f; %d pair(s) at >= 0.97 among 25", double(top.cosine), int(pairs->size()));
    }

    void cliGroupsListsEveryImageOnce()
    {
        const Run r = cli({QStringLiteral("groups"), QStringLiteral("--k"), QStringLiteral("4"), QStringLiteral("--json")});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const QJsonObject j = r.json();
        QCOMPARE(j[QStringLiteral("k")].toInt(), 4);
        QCOMPARE(j[QStringLiteral("images")].toInt(), 25);
        QSet<QString> seen;
        for (const QJsonValue g : j[QStringLiteral("groups")].toArray()) {
            QVERIFY(!g[QStringLiteral("suggestion")].toString().isEmpty()); // the zero-shot head suggests
            for (const QJsonValue image : g[QStringLiteral("images")].toArray()) {
                QCOMPARE(image[QStringLiteral("sha256")].toString().size(), 64);
                QVERIFY(!image[QStringLiteral("path")].toString().isEmpty());
                seen.insert(image[QStringLiteral("sha256")].toString());
            }
        }
        QCOMPARE(seen.size(), 25);
        const Run text = cli({QStringLiteral("groups")});
        QCOMPARE(text.code, 0);
        QVERIFY2(text.out.contains(QStringLiteral("k chosen automatically")), qPrintable(text.out));
    }

    void cliDuplicatesFindsTheCopy()
    {
        const Run r = cli({QStringLiteral("duplicates"), QStringLiteral("--json")});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const QJsonArray pairs = r.json()[QStringLiteral("pairs")].toArray();
        QVERIFY(!pairs.isEmpty());
        const QString a = pairs[0][QStringLiteral("a")][QStringLiteral("path")].toString();
        const QString b = pairs[0][QStringLiteral("b")][QStringLiteral("path")].toString();
        QVERIFY2(QStringList({a, b}).contains(m_copy), qPrintable(a + QLatin1Char(' ') + b));
    }

    void cliLabelsManyImagesAllOrNone()
    {
        const Run groups = cli({QStringLiteral("groups"), QStringLiteral("--k"), QStringLiteral("4"), QStringLiteral("--json")});
        QCOMPARE(groups.code, 0);
        const QJsonArray first = groups.json()[QStringLiteral("groups")].toArray()[0][QStringLiteral("images")].toArray();
        QStringList shas;
        for (const QJsonValue image : first)
            shas << image[QStringLiteral("sha256")].toString();
        QVERIFY(shas.size() >= 2);
        auto before = m_workspace->labels().eventCount();
        QVERIFY(before);
        // One unknown image among them: nothing is written.
        Run r = cli(QStringList{QStringLiteral("label")} << shas << QString(64, QLatin1Char('0')) << QStringLiteral("pug") << QStringLiteral("--json"));
        QCOMPARE(r.code, 1);
        QVERIFY(r.err.contains(QStringLiteral("neither an image file nor the SHA-256")));
        QCOMPARE(m_workspace->labels().eventCount().value(), *before);
        r = cli({QStringLiteral("label"), QStringLiteral("pug")});
        QCOMPARE(r.code, 2);
        r = cli(QStringList{QStringLiteral("label")} << shas << QStringLiteral("pug") << QStringLiteral("--json"));
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QCOMPARE(r.json()[QStringLiteral("images")].toArray().size(), shas.size());
        QCOMPARE(m_workspace->labels().eventCount().value(), *before + int(shas.size())); // one event per image
        for (const QString& sha : shas) {
            const auto image = m_workspace->imageByHash(sha);
            const auto label = m_workspace->labels().current(image->value().id);
            QVERIFY(label && *label);
            QCOMPARE((*label)->breed, QStringLiteral("pug"));
            QVERIFY((*label)->origin == LabelOrigin::Curator);
        }
        // Groups of unlabelled images now leave them out.
        const Run after = cli({QStringLiteral("groups"), QStringLiteral("--json")});
        QCOMPARE(after.json()[QStringLiteral("images")].toInt(), 25 - int(shas.size()));
    }

    void cliBadArgumentsSayWhy()
    {
        for (const QStringList& args : {QStringList{QStringLiteral("groups"), QStringLiteral("--k"), QStringLiteral("0")},
                                        QStringList{QStringLiteral("groups"), QStringLiteral("--k"), QStringLiteral("many")},
                                        QStringList{QStringLiteral("groups"), QStringLiteral("extra")},
                                        QStringList{QStringLiteral("duplicates"), QStringLiteral("--threshold"), QStringLiteral("1.5")},
                                        QStringList{QStringLiteral("duplicates"), QStringLiteral("--threshold"), QStringLiteral("x")}}) {
            const Run r = cli(args);
            QCOMPARE(r.code, 2);
            QCOMPARE(r.err.trimmed().count(QLatin1Char('\n')), 0);
            QVERIFY2(r.err.startsWith(QStringLiteral("petcurator-cli ")), qPrintable(r.err));
        }
    }
};

QTEST_GUILESS_MAIN(TestImageGroups)
#include "TestImageGroups.moc"
