// Cohen's κ per pair and Light's κ overall (core/server/Agreement), against values worked out
// by hand.
#include "server/Agreement.h"

#include <QTest>

using namespace pc::server;

class TestServerAgreement : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void textbookExample()
    {
        // 50 items, two raters, yes/no: both yes 20, both no 15, a-yes/b-no 5, a-no/b-yes 10.
        // po = 35/50 = 0.7; pe = 0.5·0.6 + 0.5·0.4 = 0.5; κ = 0.4.
        QVector<RatedItem> r;
        qint64 item = 0;
        auto add = [&](int n, const char* a, const char* b) {
            for (int i = 0; i < n; ++i, ++item) {
                r.push_back({item, QStringLiteral("a"), QLatin1String(a)});
                r.push_back({item, QStringLiteral("b"), QLatin1String(b)});
            }
        };
        add(20, "yes", "yes");
        add(15, "no", "no");
        add(5, "yes", "no");
        add(10, "no", "yes");
        const AgreementReport report = computeAgreement(r);
        QCOMPARE(report.items, 50);
        QCOMPARE(report.pairs.size(), 1);
        QVERIFY(qAbs(report.pairs[0].observed - 0.7) < 1e-12);
        QVERIFY(qAbs(*report.pairs[0].kappa - 0.4) < 1e-12);
        QVERIFY(qAbs(*report.meanKappa - 0.4) < 1e-12);
    }

    void onlyItemsWithTwoRatersCount()
    {
        const QVector<RatedItem> r{{1, QStringLiteral("a"), QStringLiteral("x")}, {2, QStringLiteral("b"), QStringLiteral("y")}};
        const AgreementReport report = computeAgreement(r);
        QCOMPARE(report.items, 0);
        QVERIFY(report.pairs.isEmpty());
        QVERIFY(!report.meanKappa);
        QVERIFY(!report.observed);
    }

    void perfectAgreementOnOneCategoryIsUndefined()
    {
        const QVector<RatedItem> r{{1, QStringLiteral("a"), QStringLiteral("x")}, {1, QStringLiteral("b"), QStringLiteral("x")},
                                   {2, QStringLiteral("a"), QStringLiteral("x")}, {2, QStringLiteral("b"), QStringLiteral("x")}};
        const AgreementReport report = computeAgreement(r);
        QCOMPARE(report.pairs.size(), 1);
        QVERIFY(!report.pairs[0].kappa);
        QCOMPARE(report.pairs[0].observed, 1.0);
        QVERIFY(!report.meanKappa);
    }

    void threeRatersGiveThreePairsAndTheirMean()
    {
        // Items 1–4; c rates only 1–2. a–b agree fully over two breeds (κ 1); a–c: a x,x / c x,y
        // → po ½, pe = 1·½ = ½ → κ 0; b–c the same as a–c. Mean (1 + 0 + 0) / 3.
        QVector<RatedItem> r;
        const char* ab[] = {"x", "x", "y", "y"};
        for (int i = 0; i < 4; ++i) {
            r.push_back({i, QStringLiteral("a"), QLatin1String(ab[i])});
            r.push_back({i, QStringLiteral("b"), QLatin1String(ab[i])});
        }
        r.push_back({0, QStringLiteral("c"), QStringLiteral("x")});
        r.push_back({1, QStringLiteral("c"), QStringLiteral("y")});
        const AgreementReport report = computeAgreement(r);
        QCOMPARE(report.items, 4);
        QCOMPARE(report.raters, 3);
        QCOMPARE(report.pairs.size(), 3);
        QCOMPARE(report.pairs[0].a + report.pairs[0].b, QStringLiteral("ab"));
        QVERIFY(qAbs(*report.pairs[0].kappa - 1.0) < 1e-12);
        QVERIFY(qAbs(*report.pairs[1].kappa) < 1e-12);
        QVERIFY(qAbs(*report.meanKappa - 1.0 / 3.0) < 1e-12);
        // pooled: (4 + 1 + 1) / (4 + 2 + 2)
        QVERIFY(qAbs(*report.observed - 0.75) < 1e-12);
    }
};

QTEST_GUILESS_MAIN(TestServerAgreement)
#include "TestServerAgreement.moc"
