#pragma once
// How one sync step ended: done, or stopped by a problem that is either transient (try again
// later: offline, server restarting) or not (a refused token, a refused model).
#include <QString>

namespace pc::sync {

struct StepResult {
    QString error;          // empty: the step finished
    bool transient = false;

    bool ok() const { return error.isEmpty(); }
    static StepResult success() { return {}; }
    static StepResult failure(const QString& why, bool transient) { return {why, transient}; }
};

} // namespace pc::sync
