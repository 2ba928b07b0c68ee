// What a training run learns from (training/TrainingSet.h, with the policy of
// training/TrainingLabels.h) on a real workspace with real sample photos: the policy's short spec
// both ways, the sets two policies select from mixed-origin and pending labels, the fingerprint,
// and "no version without news" against stored versions. No network, no training.
#include "TestSupport.h"

#include "model/BreedCatalog.h"
#include "training/TrainingSet.h"
#include "workspace/Workspace.h"

#include <QTemporaryDir>
#include <QTest>

using namespace pc;

class TestTrainingSet : public QObject {
    Q_OBJECT

    QTemporaryDir m_tmp;
    std::shared_ptr<Workspace> m_ws;
    QVector<qint64> m_ids;

    static TrainingLabelSelection spec(const QString& text)
    {
        auto s = TrainingLabelSelection::fromSpec(text);
        if (!s)
            qWarning("%s", qPrintable(s.error().message));
        return s ? *s : TrainingLabelSelection{};
    }

private Q_SLOTS:
    void initTestCase()
    {
        auto ws = Workspace::open(m_tmp.filePath(QStringLiteral("ws")));
        QVERIFY(ws.ok());
        m_ws = *ws;
        const QStringList photos = {QStringLiteral("pug_112.jpg"), QStringLiteral("pug_127.jpg"), QStringLiteral("Bengal_100.jpg"),
                                    QStringLiteral("Bengal_101.jpg"), QStringLiteral("beagle_10.jpg"), QStringLiteral("beagle_107.jpg")};
        for (const QString& name : photos) {
            const QByteArray bytes = test::readFile(test::sampleImage(name));
            QVERIFY2(!bytes.isEmpty(), qPrintable(name));
            auto added = m_ws->addImage(bytes, test::sampleImage(name), 0, 0, QStringLiteral("test"));
            QVERIFY(added.ok());
            m_ids << added->id;
        }
        // Imported labels for all six; a curator relabels two; one curator label waits for review.
        const QStringList breeds = {QStringLiteral("pug"), QStringLiteral("pug"), QStringLiteral("Bengal"),
                                    QStringLiteral("Bengal"), QStringLiteral("beagle"), QStringLiteral("beagle")};
        for (int i = 0; i < m_ids.size(); ++i)
            QVERIFY(m_ws->labels().add(m_ids[i], breeds[i], LabelOrigin::Dataset, QStringLiteral("oxford")).ok());
        QVERIFY(m_ws->labels().add(m_ids[1], QStringLiteral("beagle"), LabelOrigin::Curator, QStringLiteral("ann")).ok());
        QVERIFY(m_ws->labels().add(m_ids[2], QStringLiteral("Bengal"), LabelOrigin::Curator, QStringLiteral("ann")).ok());
        QVERIFY(m_ws->labels().add(m_ids[5], QStringLiteral("pug"), LabelOrigin::Curator, QStringLiteral("bob"), ReviewStatus::Pending).ok());
    }

    void cleanupTestCase() { m_ws.reset(); }

    void policySpecRoundTrips()
    {
        for (const QString& text : {QStringLiteral("all"), QStringLiteral("approved"), QStringLiteral("origins=curator,server"),
                                    QStringLiteral("origins=dataset"), QStringLiteral("approved+origins=server"),
                                    QStringLiteral("roles=reviewer,admin"), QStringLiteral("approved+origins=curator+roles=admin")}) {
            auto s = TrainingLabelSelection::fromSpec(text);
            QVERIFY2(s.ok(), qPrintable(text + QStringLiteral(": ") + (s ? QString() : s.error().message)));
            QCOMPARE(s->spec(), text);
            QVERIFY(TrainingLabelSelection::fromJson(s->toJson()).value() == *s); // the stored form agrees
        }
        QVERIFY(spec(QStringLiteral("all")).isDefault());
        QVERIFY(spec(QStringLiteral("approved")).approvedOnly);
        QCOMPARE(spec(QStringLiteral(" Origins = Curator , server ")).origins, (QStringList{QStringLiteral("curator"), QStringLiteral("server")}));
        QCOMPARE(TrainingLabelSelection{}.describe(), QStringLiteral("all labels"));
        QCOMPARE(spec(QStringLiteral("approved")).describe(), QStringLiteral("imported and server-approved labels"));
        QCOMPARE(spec(QStringLiteral("origins=curator,server")).describe(), QStringLiteral("labels of origin curator, server"));
        QCOMPARE(TrainingLabelSelection::describeSpec(QStringLiteral("origins=dataset")), QStringLiteral("labels of origin dataset"));
        QCOMPARE(TrainingLabelSelection::describeSpec(QStringLiteral("from-the-future")), QStringLiteral("from-the-future"));
        // A typo is a one-line error, never an empty training set.
        for (const QString& bad : {QStringLiteral("bogus"), QStringLiteral(""), QStringLiteral("origins="), QStringLiteral("origins=cats"),
                                   QStringLiteral("all+approved"), QStringLiteral("approved=yes"), QStringLiteral("roles=owner")}) {
            auto s = TrainingLabelSelection::fromSpec(bad);
            QVERIFY2(!s.ok(), qPrintable(bad));
            QVERIFY(!s.error().message.contains(QLatin1Char('\n')));
        }
        QCOMPARE(TrainingLabelSelection::fromSpec(QStringLiteral("origins=cats")).error().message,
                 QStringLiteral("training-set policy 'origins=cats': unknown origin 'cats' (expected dataset,curator,server)"));
    }

    void policiesSelectDifferentSets()
    {
        const QString hash = QStringLiteral("weights-A");
        // all: five (the pending label never trains), the curator's relabel counts as beagle.
        const TrainingSet all = selectTrainingSet(*m_ws, spec(QStringLiteral("all")), hash).value();
        QCOMPARE(all.labels.size(), 5);
        QVERIFY(!all.labels.contains(m_ids[5]));
        QCOMPARE(all.labels.value(m_ids[1]), BreedCatalog::oxford().indexOf(QStringLiteral("beagle")));
        // Imported labels only: the two images a curator labelled last are left out.
        const TrainingSet dataset = selectTrainingSet(*m_ws, spec(QStringLiteral("origins=dataset")), hash).value();
        QCOMPARE(dataset.labels.size(), 3);
        QVERIFY(!dataset.labels.contains(m_ids[1]) && !dataset.labels.contains(m_ids[2]));
        // approved: curator labels the team server never approved don't count; imported ones do.
        const TrainingSet approved = selectTrainingSet(*m_ws, spec(QStringLiteral("approved")), hash).value();
        QCOMPARE(approved.labels.size(), 3);
        const TrainingSet curator = selectTrainingSet(*m_ws, spec(QStringLiteral("origins=curator")), hash).value();
        QCOMPARE(curator.labels.size(), 2);
        // The workspace's stored policy when the run names none.
        QVERIFY(spec(QStringLiteral("origins=curator")).save(*m_ws).ok());
        const TrainingSet stored = selectTrainingSet(*m_ws, std::nullopt, hash).value();
        QCOMPARE(stored.policy.spec(), QStringLiteral("origins=curator"));
        QCOMPARE(stored.labels, curator.labels);
        QVERIFY(TrainingLabelSelection{}.save(*m_ws).ok());

        // The fingerprint: the same set gives the same one; other labels or weights another.
        QCOMPARE(all.fingerprint.size(), 64);
        QCOMPARE(selectTrainingSet(*m_ws, spec(QStringLiteral("all")), hash).value().fingerprint, all.fingerprint);
        QVERIFY(dataset.fingerprint != all.fingerprint);
        QCOMPARE(dataset.fingerprint, approved.fingerprint); // the same labels, whatever the policy's name
        QVERIFY(selectTrainingSet(*m_ws, spec(QStringLiteral("all")), QStringLiteral("weights-B")).value().fingerprint != all.fingerprint);
    }

    void nothingNewComparesWithTheLastTrainedVersion()
    {
        QTemporaryDir dir;
        auto opened = Workspace::open(dir.path());
        QVERIFY(opened.ok());
        Workspace& ws = **opened;
        TrainingSet set;
        set.fingerprint = QStringLiteral("A");
        // No version yet: news.
        QCOMPARE(nothingNewSince(ws, set, true).value(), QString());
        auto add = [&ws](const QString& version, const QString& kind, const QString& trainedOn) {
            ModelRecord m;
            m.version = version;
            if (!kind.isEmpty())
                m.metrics.insert(QStringLiteral("kind"), kind);
            if (!trainedOn.isEmpty())
                m.metrics.insert(QStringLiteral("training_set"), trainedOn);
            return ws.models().add(m).ok();
        };
        QVERIFY(add(QStringLiteral("v1"), QStringLiteral("full"), QStringLiteral("A")));
        QCOMPARE(nothingNewSince(ws, set, true).value(), QStringLiteral("no new labels since v1, the last full training: nothing to train"));
        QCOMPARE(nothingNewSince(ws, set, false).value(), QStringLiteral("no new labels since v1: nothing to train"));
        // Quick updates on new labels since: a quick update compares with them, a full run with v1.
        QVERIFY(add(QStringLiteral("v2"), QStringLiteral("incremental"), QStringLiteral("B")));
        set.fingerprint = QStringLiteral("B");
        QCOMPARE(nothingNewSince(ws, set, false).value(), QStringLiteral("no new labels since v2: nothing to train"));
        QCOMPARE(nothingNewSince(ws, set, true).value(), QString()); // the nightly run consolidates the day
        // A server model (no fingerprint) is no training here: it is looked past.
        QVERIFY(add(QStringLiteral("v3"), QString(), QString()));
        QCOMPARE(nothingNewSince(ws, set, false).value(), QStringLiteral("no new labels since v2: nothing to train"));
        set.fingerprint = QStringLiteral("A"); // labels back to what v1 had: v2 is the last, so it is news
        QCOMPARE(nothingNewSince(ws, set, false).value(), QString());
    }
};

QTEST_GUILESS_MAIN(TestTrainingSet)
#include "TestTrainingSet.moc"
