#include "training/Gate.h"

#include <QJsonArray>
#include <cmath>

namespace pc {

// Enough decimals that two different accuracies never print the same ("0.905 < active 0.905").
static std::pair<QString, QString> formatPair(double a, double b)
{
    int digits = 3;
    while (digits < 6 && a != b && QString::number(a, 'f', digits) == QString::number(b, 'f', digits))
        ++digits;
    return {QString::number(a, 'f', digits), QString::number(b, 'f', digits)};
}

static QString missingMetric(const QJsonObject& m)
{
    if (!m.value(QStringLiteral("val_accuracy")).isDouble())
        return QStringLiteral("val_accuracy");
    if (!m.value(QStringLiteral("split_id")).isString() || m.value(QStringLiteral("split_id")).toString().isEmpty())
        return QStringLiteral("split_id");
    if (!m.value(QStringLiteral("classes")).isArray())
        return QStringLiteral("classes");
    return {};
}

GateVerdict judgeCandidate(const QJsonObject& candidate, const std::optional<QJsonObject>& active)
{
    if (!active)
        return {true, QStringLiteral("first model")};

    if (const QString m = missingMetric(candidate); !m.isEmpty())
        return {false, QStringLiteral("candidate metrics lack %1").arg(m)};
    if (const QString m = missingMetric(*active); !m.isEmpty())
        return {false, QStringLiteral("active model metrics lack %1").arg(m)};

    const QString split = candidate.value(QStringLiteral("split_id")).toString();
    const QString activeSplit = active->value(QStringLiteral("split_id")).toString();
    // Accuracies on different validation sets can't be compared.
    if (split != activeSplit)
        return {false, QStringLiteral("validation split changed (%1 → %2)").arg(activeSplit, split)};
    if (candidate.value(QStringLiteral("classes")).toArray() != active->value(QStringLiteral("classes")).toArray())
        return {false, QStringLiteral("class set differs")};

    const double acc = candidate.value(QStringLiteral("val_accuracy")).toDouble();
    const double activeAcc = active->value(QStringLiteral("val_accuracy")).toDouble();
    if (!std::isfinite(acc))
        return {false, QStringLiteral("candidate val accuracy is not a number")};
    const auto [a, b] = formatPair(acc, activeAcc);
    if (acc >= activeAcc)
        return {true, QStringLiteral("val accuracy %1 ≥ active %2 on split %3").arg(a, b, split)};
    return {false, QStringLiteral("val accuracy %1 < active %2").arg(a, b)};
}

} // namespace pc
