#pragma once
// Which model bundles a workspace keeps. Every correction makes a version with its own bundle
// (~190 KB): a thousand corrections would leave a thousand files. The rule:
//   kept    the active version and the one before it (what a rollback goes back to); every version
//           that was ever active and is not a quick update (a full run's, or the team server's);
//           and the newest N of the other versions (quick updates, and candidates the gate refused)
//   pruned  the bundles of the rest. Each row, its metrics and its place in the activation log
//           stay, marked pruned; a pruned version can't be activated again.
// N is a workspace setting (default 10), so the app, the CLI and the automatic runs agree. The
// learning loop applies the rule after each training, on its own thread (it owns model state).
#include "Expected.h"
#include "workspace/ModelStore.h"

#include <QJsonObject>
#include <QVector>

namespace pc {

class Workspace;

struct PrunedBundle {
    QString version;
    QString file;     // relative to the workspace, as the row names it
    qint64 bytes = 0; // freed (0 for a bundle that was gone already)
};

struct RetentionReport {
    int keep = 0;               // the N it ran with
    bool dryRun = false;        // nothing was changed: `pruned` is what would go
    QVector<PrunedBundle> pruned;
    qint64 bytesFreed = 0;

    QString summary() const;    // "pruned 2 bundles (v2, v3): 380.2 KB freed", "nothing to prune …"
    QJsonObject toJson() const;
};

struct ModelRetention {
    static constexpr int kDefaultKeep = 10;
    static constexpr int kMaxKeep = 100000;

    // The stored N (the default when none is stored); an unreadable value is an error.
    static Expected<int> keep(const Workspace& workspace);
    static Status<> setKeep(Workspace& workspace, int keep);

    // The versions the rule prunes now, oldest first, without changing anything.
    static Expected<QVector<ModelRecord>> toPrune(const Workspace& workspace, int keep);
    // Prunes them: marks each row pruned (a commit), then deletes its bundle, so a crash in between
    // leaves a file too many, never a live row without its bundle. A pruned row whose file is still
    // there (such a crash) loses the file now. dryRun: only reports what would go.
    static Expected<RetentionReport> prune(Workspace& workspace, int keep, bool dryRun = false);
};

} // namespace pc
