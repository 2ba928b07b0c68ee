#pragma once
#include <QStringList>

namespace pc {

// Expands folders recursively (sorted, hidden entries and symlinked folders skipped, so a symlink
// loop can't trap the walk). Files and paths that don't exist pass through unchanged, so the
// decoder reports them with a reason.
QStringList collectFiles(const QStringList& paths);

} // namespace pc
