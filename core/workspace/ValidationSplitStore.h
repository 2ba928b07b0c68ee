#pragma once
// The fixed validation split (image ids), stored once per workspace, so model versions are
// compared on the same images.
#include "Expected.h"

#include <QSet>
#include <QString>
#include <optional>

namespace pc {

class WorkspaceDatabase;

struct ValidationSplit {
    QString id;           // changes only when the split is (re)made
    QSet<qint64> imageIds;
};

class ValidationSplitStore {
public:
    explicit ValidationSplitStore(const WorkspaceDatabase& db) : m_db(db) {}

    Expected<std::optional<ValidationSplit>> get() const;
    Status<> set(const ValidationSplit& split);
    // Adds images to the existing split (new labelled images keep the split stratified).
    Status<> add(const QSet<qint64>& imageIds);

private:
    const WorkspaceDatabase& m_db;
};

} // namespace pc
