#include "training/TrainingLabels.h"

#include "model/BreedCatalog.h"
#include "workspace/Workspace.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace pc {

namespace {

const QString kSettingKey = QStringLiteral("training.label_selection");
const QStringList kRoles{QStringLiteral("curator"), QStringLiteral("reviewer"), QStringLiteral("admin")};
const QStringList kOrigins{QStringLiteral("dataset"), QStringLiteral("curator"), QStringLiteral("server")};

QJsonArray toArray(const QStringList& list) { return QJsonArray::fromStringList(list); }

} // namespace

bool TrainingLabelSelection::accepts(const LabelEvent& e) const
{
    if (e.status != ReviewStatus::Approved)
        return false;
    if (!origins.isEmpty() && !origins.contains(toString(e.origin)))
        return false;
    if (e.origin == LabelOrigin::Dataset)
        return true; // imported ground truth: the team server never judged it
    if (approvedOnly && e.serverStatus != QLatin1String("approved"))
        return false;
    if (!roles.isEmpty() && !roles.contains(e.role))
        return false;
    return true;
}

QString TrainingLabelSelection::describe() const
{
    if (isDefault())
        return QStringLiteral("all approved labels");
    QStringList parts;
    parts << (approvedOnly ? QStringLiteral("labels the server approved") : QStringLiteral("approved labels"));
    if (!roles.isEmpty())
        parts << QStringLiteral("from %1").arg(roles.join(QStringLiteral(", ")));
    if (!origins.isEmpty())
        parts << QStringLiteral("of origin %1").arg(origins.join(QStringLiteral(", ")));
    return parts.join(QLatin1Char(' '));
}

QJsonObject TrainingLabelSelection::toJson() const
{
    return {{QStringLiteral("approved_only"), approvedOnly}, {QStringLiteral("roles"), toArray(roles)}, {QStringLiteral("origins"), toArray(origins)}};
}

Expected<TrainingLabelSelection> TrainingLabelSelection::fromJson(const QJsonObject& json)
{
    TrainingLabelSelection s;
    s.approvedOnly = json.value(QStringLiteral("approved_only")).toBool();
    for (const QJsonValue& v : json.value(QStringLiteral("roles")).toArray()) {
        if (!kRoles.contains(v.toString()))
            return Error{QStringLiteral("unknown role '%1': expected %2").arg(v.toString(), kRoles.join(QStringLiteral(", ")))};
        s.roles << v.toString();
    }
    for (const QJsonValue& v : json.value(QStringLiteral("origins")).toArray()) {
        if (!kOrigins.contains(v.toString()))
            return Error{QStringLiteral("unknown origin '%1': expected %2").arg(v.toString(), kOrigins.join(QStringLiteral(", ")))};
        s.origins << v.toString();
    }
    return s;
}

Expected<TrainingLabelSelection> TrainingLabelSelection::load(const Workspace& workspace)
{
    const auto stored = workspace.setting(kSettingKey);
    if (!stored)
        return stored.error();
    const QString& text = *stored;
    if (text.isEmpty())
        return TrainingLabelSelection{};
    auto s = fromJson(QJsonDocument::fromJson(text.toUtf8()).object());
    return s ? *s : TrainingLabelSelection{};
}

Status<> TrainingLabelSelection::save(Workspace& workspace) const
{
    return workspace.setSetting(kSettingKey, QString::fromUtf8(QJsonDocument(toJson()).toJson(QJsonDocument::Compact)));
}

Expected<QHash<qint64, int>> selectTrainingLabels(const Workspace& workspace, const TrainingLabelSelection& selection)
{
    const BreedCatalog& breeds = BreedCatalog::oxford();
    QHash<qint64, int> labels;
    const auto read = workspace.labels().currentByImage();
    if (!read)
        return read.error();
    const QHash<qint64, LabelEvent>& current = *read;
    for (auto it = current.cbegin(); it != current.cend(); ++it) {
        const int c = breeds.indexOf(it->breed);
        if (c >= 0 && selection.accepts(*it))
            labels.insert(it.key(), c);
    }
    return labels;
}

Expected<QHash<qint64, int>> selectTrainingLabels(const Workspace& workspace)
{
    auto selection = TrainingLabelSelection::load(workspace);
    if (!selection)
        return selection.error();
    return selectTrainingLabels(workspace, *selection);
}

} // namespace pc
