#pragma once
// The learning loop, shared by the GUI and the CLI: labels in, better models out.
//   update the embedding cache → fix/extend the validation split → train a head → write a bundle →
//   gate it against the active model → activate (atomic swap of the ActiveModel snapshot).
//
// One owner: every request (train, incremental update, activate, rollback, admitCandidate, the
// label count) runs on the loop's own worker thread, one at a time, in the order asked (a Strand).
// So an activation is one step (the database commit, then the snapshot swap, with no other request
// in between), and the in-memory embeddings and the label count have one thread that touches them.
// The synchronous calls (CLI, tests, the sync worker) queue their request and block the caller
// until it has run; start() and the *Async calls return at once, with signals or a callback out.
// Signals are emitted on the worker thread: connect with a receiver for a queued delivery.
// Predictions never wait: they read the ActiveModel snapshot, which the worker only swaps.
// One thing runs beside the strand: the background fill of the augmented views after a training on
// centre views (TrainRequest::centreViewsFirst). It only adds rows to the embedding cache; the
// training it leads to is queued on the strand like any request.
#include "Expected.h"
#include "model/ActiveModel.h"
#include "model/FreeMemoryRelease.h"
#include "training/ModelRetention.h"
#include "training/Trainer.h"
#include "training/TrainingLabels.h"

#include <QHash>
#include <QObject>
#include <atomic>
#include <cmath>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

namespace pc {

class Backbone;
class BackgroundViews;
class Strand;
class Workspace;

struct TrainRequest {
    enum class Kind { Full, Incremental };
    Kind kind = Kind::Full;
    TrainerOptions trainer;      // onEpoch/cancel/warmStart are set by the loop
    int augmentedViews = 4;      // cached views per image (K)
    double validationFraction = 0.2;
    int fineTuneBlocks = 0;      // > 0: also fine-tune the backbone's last blocks (slow on CPU)
    QString reason = QStringLiteral("manual"); // "manual", "after 20 labels", "daily 03:00", "correction"
    // The training-set policy of this run; none: the workspace's stored one (TrainingLabels.h).
    std::optional<TrainingLabelSelection> policy;
    // Scheduled and automatic runs: no version when the training set is the one the last trained
    // version learned from (TrainingSet.h); the outcome then says so. Manual runs train anyway.
    bool onlyIfNew = false;
    // When at least centreFirstMinImages images lack their augmented views (a fresh import), the
    // run embeds only the centre views that are missing (one forward pass per image), trains and
    // gates on centre views: a first model in seconds. The augmented views are then filled in the
    // background (at the loop's priority, idle in the app; cancel() stops it), and the same request
    // runs again once they are all there (reason "augmented views ready"). Fewer missing, or off,
    // the run computes every view first and trains once (the CLI's train, whose caller waits).
    bool centreViewsFirst = true;
    int centreFirstMinImages = 64;
};

struct TrainOutcome {
    QString version;             // the new candidate ("v3"); empty when nothing was trained
    bool activated = false;
    QString verdict;             // the gate's reason, or why nothing was trained
    QString policy;              // the training-set policy's spec: "all", "approved", "origins=curator", …
    QString previousVersion;     // the model that was live when the gate judged the candidate
    double previousAccuracy = std::nan(""); // its validation accuracy on the same split
    qint64 runId = 0;
    bool cancelled = false;
    double seconds = 0;
    int trainImages = 0, validationImages = 0;
    bool centreViewsOnly = false; // trained on centre views; augmented views and a new training follow
    qint64 viewsEmbedded = 0;    // views this run added to the embedding cache…
    double embeddingSeconds = 0; // …and the time that took
    TrainingResult result;
    RetentionReport retention;   // the old bundles pruned after this run (ModelRetention.h)
};

class LearningLoop : public QObject {
    Q_OBJECT
public:
    LearningLoop(std::shared_ptr<Workspace> workspace, std::shared_ptr<const Backbone> backbone, QObject* parent = nullptr);
    ~LearningLoop() override;

    // What predictions read. Starts as the workspace's active model, or the zero-shot head.
    std::shared_ptr<ActiveModel> activeModel() const { return m_active; }
    QString activeVersion() const;
    // (Re)loads the workspace's active bundle. A bad bundle leaves the current model in place.
    Status<> loadActiveModel();

    // ---- synchronous: queued on the loop's thread like every request; the caller waits for it
    Expected<TrainOutcome> train(const TrainRequest& request);
    // The untrained head every workspace starts with; activate() takes it like a stored version.
    static QString zeroShotVersion() { return QStringLiteral("zero-shot"); }
    Status<> activate(const QString& version);   // manual: no gate
    // Back to the previously active version (the zero-shot head when there is none); returns it.
    Expected<QString> rollback();
    // A bundle made elsewhere (the team server's model): stored as the next candidate version and
    // judged by the gate like one trained here, on this workspace's validation split against the
    // active model; `trusted` activates it without the gate. outcome.version is the new version.
    Expected<TrainOutcome> admitCandidate(const QString& bundlePath, const QString& source, bool trusted);
    // Deletes old model bundles by the retention rule (ModelRetention.h), keeping the newest `keep`
    // quick updates (none given: the workspace's setting). Runs by itself after every training.
    Expected<RetentionReport> pruneModels(std::optional<int> keep = std::nullopt, bool dryRun = false);

    // ---- asynchronous (GUI): queued, answered by signals or by `done`, which runs on the thread
    // this object lives in (the one that created it: the UI thread), only while `context` exists.
    // A training is queued or running (through start() or train()).
    bool isBusy() const { return m_trainings.load() > 0; }
    bool start(const TrainRequest& request);     // false when a training is already queued or running
    void activateAsync(const QString& version, QObject* context, std::function<void(const Status<>&)> done);
    void rollbackAsync(QObject* context, std::function<void(const Expected<QString>&)> done);
    // Label events since the last full training that finished (for the after-N-labels rule).
    void labelsSinceLastFullRun(QObject* context, std::function<void(int)> done);
    // Cancels every training and model check asked for before this call, queued or running. A
    // request made afterwards runs normally.
    void cancel();
    // Blocks until no request is queued or running and no augmented views are being filled in
    // the background (their follow-up training included).
    void waitForIdle();

Q_SIGNALS:
    void stageChanged(const QString& stage, int done, int total); // "embedding", "training", …
    void epochFinished(const pc::EpochMetrics& metrics);
    void trainingFinished(const pc::TrainOutcome& outcome);
    void trainingFailed(const QString& message);
    void activeModelChanged(const QString& version);
    // The augmented views a centre-views-first run left for the background are all cached; the
    // follow-up training is queued. views: how many were embedded, in `seconds`.
    void augmentedViewsReady(qint64 views, double seconds);
    // Images done of the background fill so far (emitted on its threads, often: throttle).
    void augmentedViewsProgress(int done, int total);

private:
    // Everything below runs on the strand.
    Expected<TrainOutcome> runTraining(const TrainRequest& request, quint64 cancelTicket);
    // After a training that made a version: prunes by the workspace's rule, into outcome.retention.
    void pruneAfterTraining(TrainOutcome& outcome);
    Expected<TrainOutcome> runAdmission(const QString& bundlePath, const QString& source, bool trusted, quint64 cancelTicket);
    Status<> runActivate(const QString& version);
    Expected<QString> runRollback();
    // The one way a model goes live: the database commit, then the swap, then the signal.
    Status<> commitActivation(std::shared_ptr<const ModelSnapshot> snapshot, const QString& verdict, const QString& reason);
    // The cancel state a request took when it was asked for, applied as it starts.
    quint64 cancelTicket();
    void beginCancellable(quint64 ticket);
    // Runs `done(result)` on this object's thread, while `context` lives.
    template <class R>
    void answer(QObject* context, std::function<void(const R&)> done, R result);
    // Centre-view embeddings of stored images through another backbone (a fine-tuned one).
    LabelledEmbeddings reembed(const Backbone& backbone, const LabelledEmbeddings& set) const;
    // Fine-tunes the last blocks after the head; returns the tuned tensors and their backbone.
    Expected<std::pair<std::map<std::string, cv::Mat>, std::shared_ptr<const Backbone>>>
    fineTune(const TrainRequest& request, const LabelledEmbeddings& train, const LabelledEmbeddings& val, TrainOutcome& outcome);
    Status<> swapTo(const QString& version, const QString& reason);
    // A queued training, run and reported by signals (start() and the follow-up below).
    void runAndReport(const TrainRequest& request, quint64 cancelTicket);
    // The cache step of runTraining (LearningLoopViews.cpp): whether this request trains on centre
    // views first; the views it needs cached and kept in memory; the augmented views filled
    // afterwards, in the background, then the follow-up training.
    Expected<bool> trainsOnCentreViewsFirst(const TrainRequest& request) const;
    Status<> fillEmbeddingCache(const TrainRequest& request, bool centreViewsOnly, TrainOutcome& outcome);
    Status<> refreshEmbeddings();
    void fillAugmentedViewsLater(const TrainRequest& request, quint64 cancelTicket);

    std::shared_ptr<Workspace> m_workspace;
    std::shared_ptr<const Backbone> m_backbone;
    std::shared_ptr<ActiveModel> m_active;
    std::shared_ptr<const ModelSnapshot> m_zeroShot;
    std::atomic_int m_trainings{0}; // trainings queued or running
    // Cancellation by generation: cancel() moves it on; a request remembers the one it was asked
    // under, and is cancelled when it differs as it starts (so a Cancel before the start counts).
    std::mutex m_cancelMutex;
    quint64 m_cancelGeneration = 0;
    std::atomic_bool m_runCancel{false}; // the running request's flag, polled by the trainer
    // Owned by the strand (only its jobs touch them).
    qint64 m_labelsAtLastFullRun = 0;
    QHash<qint64, cv::Mat> m_embeddings; // in-memory copy of the cache
    QString m_embeddingsHash;
    bool m_awaitingAugmentedViews = false; // the last training used centre views only
    // The augmented views' background fill (thread-safe; before the strand, whose jobs start it).
    std::unique_ptr<BackgroundViews> m_views;
    FreeMemoryRelease m_memoryRelease; // what a run freed goes back to the system, at normal priority
    std::unique_ptr<Strand> m_strand; // last: its jobs use everything above
};

} // namespace pc

Q_DECLARE_METATYPE(pc::EpochMetrics)
Q_DECLARE_METATYPE(pc::TrainOutcome)
