#include "training/Gate.h"

#include <QJsonArray>
#include <QTest>

using namespace pc;

static QJsonObject metrics(double acc, const QString& split = QStringLiteral("S1"),
                           const QJsonArray& classes = {QStringLiteral("Abyssinian"), QStringLiteral("pug")})
{
    return {{QStringLiteral("val_accuracy"), acc}, {QStringLiteral("split_id"), split},
            {QStringLiteral("classes"), classes}};
}

class TestGate : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void firstModelIsAccepted()
    {
        const GateVerdict v = judgeCandidate(metrics(0.5), std::nullopt);
        QVERIFY(v.accept);
        QCOMPARE(v.reason, QStringLiteral("first model"));
    }

    void betterOrEqualIsAccepted()
    {
        GateVerdict v = judgeCandidate(metrics(0.912), metrics(0.905));
        QVERIFY(v.accept);
        QCOMPARE(v.reason, QStringLiteral("val accuracy 0.912 ≥ active 0.905 on split S1"));
        v = judgeCandidate(metrics(0.9), metrics(0.9));
        QVERIFY2(v.accept, qPrintable(v.reason));
    }

    void worseIsRejected()
    {
        const GateVerdict v = judgeCandidate(metrics(0.88), metrics(0.90));
        QVERIFY(!v.accept);
        QCOMPARE(v.reason, QStringLiteral("val accuracy 0.880 < active 0.900"));
    }

    void closeValuesPrintApart()
    {
        const GateVerdict v = judgeCandidate(metrics(0.90512), metrics(0.90538));
        QVERIFY(!v.accept);
        QCOMPARE(v.reason, QStringLiteral("val accuracy 0.9051 < active 0.9054"));
    }

    void splitChangeIsRejected()
    {
        const GateVerdict v = judgeCandidate(metrics(0.99, QStringLiteral("S2")), metrics(0.5, QStringLiteral("S1")));
        QVERIFY(!v.accept);
        QCOMPARE(v.reason, QStringLiteral("validation split changed (S1 → S2)"));
    }

    void classChangeIsRejected()
    {
        const GateVerdict v = judgeCandidate(metrics(0.99, QStringLiteral("S1"), {QStringLiteral("pug")}), metrics(0.5));
        QVERIFY(!v.accept);
        QCOMPARE(v.reason, QStringLiteral("class set differs"));
        // Same ids, another order: class indices would mean other breeds.
        const GateVerdict w = judgeCandidate(metrics(0.99, QStringLiteral("S1"), {QStringLiteral("pug"), QStringLiteral("Abyssinian")}),
                                             metrics(0.5));
        QVERIFY(!w.accept);
    }

    void missingMetricsAreRejected()
    {
        QJsonObject c = metrics(0.99);
        c.remove(QStringLiteral("val_accuracy"));
        GateVerdict v = judgeCandidate(c, metrics(0.5));
        QVERIFY(!v.accept);
        QCOMPARE(v.reason, QStringLiteral("candidate metrics lack val_accuracy"));

        c = metrics(0.99);
        c.remove(QStringLiteral("split_id"));
        v = judgeCandidate(c, metrics(0.5));
        QVERIFY(!v.accept);
        QCOMPARE(v.reason, QStringLiteral("candidate metrics lack split_id"));

        QJsonObject a = metrics(0.5);
        a.remove(QStringLiteral("classes"));
        v = judgeCandidate(metrics(0.99), a);
        QVERIFY(!v.accept);
        QCOMPARE(v.reason, QStringLiteral("active model metrics lack classes"));

        c = metrics(0.99);
        c[QStringLiteral("val_accuracy")] = QStringLiteral("0.99"); // a string is not a metric
        QVERIFY(!judgeCandidate(c, metrics(0.5)).accept);
    }
};

QTEST_GUILESS_MAIN(TestGate)
#include "TestGate.moc"
