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
        return QStringLiteral("all labels");
    QStringList parts;
    parts << (approvedOnly ? QStringLiteral("imported and server-approved labels") : QStringLiteral("labels"));
    if (!origins.isEmpty())
        parts << QStringLiteral("of origin %1").arg(origins.join(QStringLiteral(", ")));
    if (!roles.isEmpty())
        parts << QStringLiteral("by %1").arg(roles.join(QStringLiteral(", ")));
    return parts.join(QLatin1Char(' '));
}

QString TrainingLabelSelection::spec() const
{
    if (isDefault())
        return QStringLiteral("all");
    QStringList terms;
    if (approvedOnly)
        terms << QStringLiteral("approved");
    if (!origins.isEmpty())
        terms << QStringLiteral("origins=") + origins.join(QLatin1Char(','));
    if (!roles.isEmpty())
        terms << QStringLiteral("roles=") + roles.join(QLatin1Char(','));
    return terms.join(QLatin1Char('+'));
}

Expected<TrainingLabelSelection> TrainingLabelSelection::fromSpec(const QString& spec)
{
    const QString usage = QStringLiteral("expected all, approved, origins=LIST (of %1) or roles=LIST (of %2), joined by '+'")
                              .arg(kOrigins.join(QLatin1Char(',')), kRoles.join(QLatin1Char(',')));
    const QStringList terms = spec.trimmed().split(QLatin1Char('+'));
    TrainingLabelSelection s;
    for (const QString& raw : terms) {
        const QString term = raw.trimmed();
        const QString key = term.section(QLatin1Char('='), 0, 0).trimmed().toLower();
        const QString value = term.section(QLatin1Char('='), 1);
        const QStringList list = value.split(QLatin1Char(','), Qt::SkipEmptyParts);
        if (key == QLatin1String("all") && !term.contains(QLatin1Char('=')) && terms.size() == 1)
            return s;
        if (key == QLatin1String("approved") && !term.contains(QLatin1Char('='))) {
            s.approvedOnly = true;
            continue;
        }
        if ((key == QLatin1String("origins") || key == QLatin1String("roles")) && term.contains(QLatin1Char('='))) {
            const QStringList& known = key == QLatin1String("origins") ? kOrigins : kRoles;
            QStringList& into = key == QLatin1String("origins") ? s.origins : s.roles;
            if (list.isEmpty())
                return Error{QStringLiteral("training-set policy '%1': %2= needs at least one of %3").arg(spec, key, known.join(QLatin1Char(',')))};
            for (const QString& item : list) {
                const QString v = item.trimmed().toLower();
                if (!known.contains(v))
                    return Error{QStringLiteral("training-set policy '%1': unknown %2 '%3' (expected %4)")
                                     .arg(spec, key.chopped(1), item.trimmed(), known.join(QLatin1Char(',')))};
                if (!into.contains(v))
                    into << v;
            }
            continue;
        }
        return Error{QStringLiteral("unknown training-set policy '%1': %2").arg(spec, usage)};
    }
    return s;
}

QString TrainingLabelSelection::describeSpec(const QString& spec)
{
    const auto s = fromSpec(spec);
    return s ? s->describe() : spec;
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
