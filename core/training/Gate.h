#pragma once
// The quality gate: a candidate goes live automatically only when it is at least as good as the
// active model on the same validation split and class set.
#include <QJsonObject>
#include <QString>
#include <optional>

namespace pc {

struct GateVerdict {
    bool accept = false;
    QString reason; // one line, stored with the model
};

// Metrics objects carry "val_accuracy", "split_id" and "classes" (array of class ids).
GateVerdict judgeCandidate(const QJsonObject& candidate, const std::optional<QJsonObject>& active);

} // namespace pc
