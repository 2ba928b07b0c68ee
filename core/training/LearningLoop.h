#pragma once
// The learning loop, shared by the GUI and the CLI: labels in, better models out.
//   update the embedding cache → fix/extend the validation split → train a head → write a bundle →
//   gate it against the active model → activate (atomic swap of the ActiveModel snapshot).
// Synchronous calls for the CLI and tests; start()/cancel() with signals for the GUI, where the
// work runs on a worker thread and never blocks predictions.
#include "Expected.h"
#include "model/ActiveModel.h"
#include "training/AutoTrainRules.h"
#include "training/Trainer.h"

#include <QHash>
#include <QObject>
#include <QThreadPool>
#include <atomic>
#include <cmath>
#include <map>
#include <memory>

namespace pc {

class Backbone;
class Workspace;

struct TrainRequest {
    enum class Kind { Full, Incremental };
    Kind kind = Kind::Full;
    TrainerOptions trainer;      // onEpoch/cancel/warmStart are set by the loop
    int augmentedViews = 4;      // cached views per image (K)
    double validationFraction = 0.2;
    int fineTuneBlocks = 0;      // > 0: also fine-tune the backbone's last blocks (slow on CPU)
    QString reason = QStringLiteral("manual"); // "manual", "after 20 labels", "daily 03:00", "correction"
};

struct TrainOutcome {
    QString version;             // the new candidate ("v3"); empty when nothing was trained
    bool activated = false;
    QString verdict;             // the gate's reason
    QString previousVersion;     // the model that was live when the gate judged the candidate
    double previousAccuracy = std::nan(""); // its validation accuracy on the same split
    qint64 runId = 0;
    bool cancelled = false;
    double seconds = 0;
    int trainImages = 0, validationImages = 0;
    TrainingResult result;
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

    // ---- synchronous (CLI, tests, and the worker thread)
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

    // ---- asynchronous (GUI)
    bool isBusy() const { return m_busy.load(); }
    bool start(const TrainRequest& request);     // false when a run is already going
    void cancel() { m_cancel = true; }
    void waitForIdle();

    // Called after each new label: runs an incremental update (debounced to one at a time) and,
    // per the rules, a full training after N labels.
    void noteNewLabel();
    void setRules(const AutoTrainRules& rules) { m_rules = rules; }
    const AutoTrainRules& rules() const { return m_rules; }
    void setIncrementalOnCorrection(bool on) { m_incrementalOnCorrection = on; }

Q_SIGNALS:
    void stageChanged(const QString& stage, int done, int total); // "embedding", "training", …
    void epochFinished(const pc::EpochMetrics& metrics);
    void trainingFinished(const pc::TrainOutcome& outcome);
    void trainingFailed(const QString& message);
    void activeModelChanged(const QString& version);

private:
    void runAsync(TrainRequest request);
    // Centre-view embeddings of stored images through another backbone (a fine-tuned one).
    LabelledEmbeddings reembed(const Backbone& backbone, const LabelledEmbeddings& set) const;
    // Fine-tunes the last blocks after the head; returns the tuned tensors and their backbone.
    Expected<std::pair<std::map<std::string, cv::Mat>, std::shared_ptr<const Backbone>>>
    fineTune(const TrainRequest& request, const LabelledEmbeddings& train, const LabelledEmbeddings& val, TrainOutcome& outcome);
    Status<> swapTo(const QString& version, const QString& reason);
    Status<> swapToZeroShot();

    std::shared_ptr<Workspace> m_workspace;
    std::shared_ptr<const Backbone> m_backbone;
    std::shared_ptr<ActiveModel> m_active;
    std::shared_ptr<const ModelSnapshot> m_zeroShot;
    AutoTrainRules m_rules;
    bool m_incrementalOnCorrection = true;
    std::atomic_bool m_busy{false};
    std::atomic_bool m_cancel{false};
    std::atomic_bool m_pendingIncremental{false};
    qint64 m_labelsAtLastFullRun = 0;
    QHash<qint64, cv::Mat> m_embeddings; // in-memory copy of the cache, owned by the worker thread
    QString m_embeddingsHash;
    QThreadPool m_pool;
};

} // namespace pc

Q_DECLARE_METATYPE(pc::EpochMetrics)
Q_DECLARE_METATYPE(pc::TrainOutcome)
