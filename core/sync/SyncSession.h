#pragma once
// One sync with the team server, as `petcurator-cli sync` and the app's background sync run it:
//   push the outbox → pull events and verdicts → fetch a newer signed model → hand it to the
//   local gate (the caller's `admit`, i.e. LearningLoop::admitCandidate).
// Transient failures (offline, a server restarting) are retried with capped, jittered
// exponential backoff for up to `retryForMs`; the outbox keeps what could not go out.
// Runs on the calling thread, which must not be the UI thread.
#include "Expected.h"
#include "sync/ClientSettings.h"
#include "sync/ModelPuller.h"

#include <QDateTime>
#include <QJsonObject>
#include <atomic>
#include <functional>
#include <memory>

namespace pc {
class Workspace;
}

namespace pc::sync {

struct SyncOptions {
    QString serverUrl;
    QString token;
    int batchSize = 100;       // events per POST /labels
    int pageSize = 500;        // events per pull page
    qint64 retryForMs = 0;     // keep retrying transient failures this long (0: one attempt)
    int timeoutMs = 30000;     // no byte for this long: the request failed (transient)
    bool pullModels = true;
    bool pinServerKey = false; // first contact: pin the server's signing key (the user said so)
    // The local gate for a fetched model: returns a one-line verdict ("activated: …" /
    // "kept as a candidate: …"), or an error. Without it, no model is fetched.
    std::function<Expected<QString>(const FetchedModel&)> admit;
};

struct SyncReport {
    bool reachedServer = false;
    int pushed = 0, refused = 0;      // events sent now; events the server refused for good
    int pulled = 0, verdicts = 0, images = 0;
    int queued = 0;                   // still in the outbox afterwards
    int attempts = 0;
    QString error;                    // the problem that ended the sync, in words; empty: none
    bool transient = false;           // the error may go away by itself (offline)
    QString model;                    // what happened to a newer server model, in words
    QString modelError;               // a refused model (unsigned, tampered, key not pinned or changed)
    QByteArray keyToPin;              // pinned now (first contact): the caller saves it
    QDateTime finished;

    bool ok() const { return error.isEmpty() && modelError.isEmpty(); }
    QJsonObject toJson() const;
    QString summary() const;          // one line
};

SyncReport runSync(std::shared_ptr<Workspace> workspace, const ClientSettings& settings, const SyncOptions& options,
                   const std::atomic_bool* cancel = nullptr);

} // namespace pc::sync
