#pragma once
// Which labels a model learns from and is judged on: the one rule (the training-set policy), for
// training runs and for the gate's evaluation of a server model. A label counts when it is an
// image's current label and approved (a label pending review never trains); a team can narrow that
// down (stored in the workspace, so the app, the CLI and the automatic runs agree):
//   approvedOnly  curator and server labels count only once the team server reports them approved
//   roles         curator and server labels count only from these server roles (reviewer, admin, …)
//   origins       only labels of these origins (dataset, curator, server)
// Written as a short spec for the CLI, the run log and each model's metrics: "all", "approved",
// "origins=curator,server", "roles=reviewer,admin", or terms joined by '+' ("approved+origins=server").
#include "Expected.h"

#include <QHash>
#include <QJsonObject>
#include <QStringList>

namespace pc {

class Workspace;
struct LabelEvent;

struct TrainingLabelSelection {
    bool approvedOnly = false;
    QStringList roles;   // empty: any
    QStringList origins; // empty: any

    bool accepts(const LabelEvent& current) const;
    bool isDefault() const { return !approvedOnly && roles.isEmpty() && origins.isEmpty(); }
    QString describe() const; // "all labels", "imported and server-approved labels", "labels of origin curator", …
    bool operator==(const TrainingLabelSelection&) const = default;

    // The short spec ("all", "approved", "origins=curator,server", …); fromSpec(spec()) gives it back.
    QString spec() const;
    // A spec typed by a person or read back from a model; unknown words are a one-line error.
    static Expected<TrainingLabelSelection> fromSpec(const QString& spec);
    // describe() of a stored spec; the spec itself when it can't be read (an older or newer format).
    static QString describeSpec(const QString& spec);

    QJsonObject toJson() const;
    // Unknown roles or origins are an error, so a typo never silently empties the training set.
    static Expected<TrainingLabelSelection> fromJson(const QJsonObject& json);
    // The stored selection (the default when none is stored); an error when it can't be read.
    static Expected<TrainingLabelSelection> load(const Workspace& workspace);
    Status<> save(Workspace& workspace) const;
};

// Image id → class index (Oxford order) of every image whose current label the selection accepts.
Expected<QHash<qint64, int>> selectTrainingLabels(const Workspace& workspace, const TrainingLabelSelection& selection);
// The same with the workspace's stored selection.
Expected<QHash<qint64, int>> selectTrainingLabels(const Workspace& workspace);

} // namespace pc
