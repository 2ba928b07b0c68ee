#pragma once
// A curator's workspace: one SQLite database (Qt SQL, WAL, foreign keys, versioned schema) plus a
// content-addressed image store and the model bundles, all under one folder:
//   <dir>/workspace.sqlite   images, label events, predictions, embeddings, models, training runs
//   <dir>/images/ab/<sha256> original image bytes, keyed by their SHA-256
//   <dir>/models/<version>.pcmodel
// Thread-safe: every thread gets its own database connection, created on first use.
// Every call that can fail returns a typed one-line error; writes are transactions.
#include "Expected.h"
#include "workspace/ConnectionPerThread.h"

#include <QDateTime>
#include <QHash>
#include <QJsonArray>
#include <QJsonObject>
#include <QMutex>
#include <QSet>
#include <QVector>
#include <memory>
#include <opencv2/core/mat.hpp>
#include <optional>

class QSqlDatabase;

namespace pc {

enum class LabelOrigin { Dataset, Curator, Server };
enum class ReviewStatus { Pending, Approved, Rejected };
enum class ModelState { Candidate, Active, Retired };

QString toString(LabelOrigin);
QString toString(ReviewStatus);
QString toString(ModelState);
std::optional<LabelOrigin> labelOriginFromString(const QString&);
std::optional<ReviewStatus> reviewStatusFromString(const QString&);
std::optional<ModelState> modelStateFromString(const QString&);

struct ImageRecord {
    qint64 id = 0;
    QString sha256;
    QString originalPath;
    qint64 bytes = 0;
    int width = 0, height = 0;
    QDateTime added;
    QString source;     // "oxford", "folders", "files", "server", "drop", ...
    QString split;      // official dataset split when known: "trainval", "test", or empty
};

struct LabelEvent {
    qint64 id = 0;
    qint64 imageId = 0;
    QString breed;      // breed id, e.g. "Persian" (BreedCatalog ids)
    LabelOrigin origin = LabelOrigin::Curator;
    QString author;
    QDateTime at;
    ReviewStatus status = ReviewStatus::Approved;
    QString uuid;         // names the event on the team server (and in a retried upload)
    QString role;         // the author's role on the server ("curator", "reviewer", "admin"); empty: unknown
    QString serverStatus; // the server's review status; empty: the server has not reported one
};

struct StoredPrediction {
    qint64 imageId = 0;
    QString modelVersion;
    QJsonArray top;     // [{"label":…, "p":…}, …]
    double ms = 0;
    QDateTime at;
};

struct ModelRecord {
    QString version;        // "v1", "v2", …
    QString parent;         // version it was warm-started from, or empty
    QDateTime created;
    QString backboneId;
    QString weightsHash;
    QJsonObject metrics;    // val_accuracy, val_mean_per_class, split_id, classes, …
    QString file;           // path relative to the workspace dir
    QString checksum;       // SHA-256 of the bundle file
    ModelState state = ModelState::Candidate;
    QString gateVerdict;    // why it was (not) activated
};

struct TrainingRunRecord {
    qint64 id = 0;
    QJsonObject params;
    QJsonArray epochs;      // one object per epoch: loss, train_accuracy, val_accuracy
    QString outcome;        // "running", "activated", "candidate", "cancelled", "failed: …"
    QString modelVersion;
    QDateTime started, finished;
};

class Workspace {
public:
    // $PETCURATOR_WORKSPACE, else QStandardPaths::AppDataLocation.
    static QString defaultLocation();
    // Opens (creating or migrating when needed) the workspace in dir.
    static Expected<std::shared_ptr<Workspace>> open(const QString& dir);
    ~Workspace();

    QString dir() const { return m_dir; }
    QString modelsDir() const;
    Expected<int> schemaVersion() const;

    // ---- images
    struct AddedImage {
        qint64 id;
        QString sha256;
        bool duplicate; // the bytes were already in the store: nothing was added
    };
    // Copies the bytes into the store (atomic write) and records them. A duplicate (same SHA-256)
    // changes nothing and returns the existing id; a removed image comes back (not a duplicate).
    Expected<AddedImage> addImage(const QByteArray& bytes, const QString& originalPath, int width, int height,
                                  const QString& source, const QString& split = {});
    // Reads return an error when the database can't answer (locked, damaged, gone): an empty
    // result always means "none", never "could not look".
    Expected<std::optional<ImageRecord>> image(qint64 id) const;
    Expected<std::optional<ImageRecord>> imageByHash(const QString& sha256) const;
    // Latest image whose original path is `path` (for "label IMAGE BREED" by file name).
    Expected<std::optional<ImageRecord>> imageByOriginalPath(const QString& path) const;
    // The images in the workspace (removed ones left out).
    Expected<QVector<ImageRecord>> images() const;
    Expected<int> imageCount() const;
    // Takes images out of the workspace, or puts them back (undo), in one transaction. Their bytes
    // and label events stay; a removed image is left out of images(), currentLabels() and training.
    Status<> setImagesRemoved(const QVector<qint64>& imageIds, bool removed);
    Expected<bool> isImageRemoved(qint64 imageId) const;
    QString storedImagePath(const QString& sha256) const;
    Expected<QByteArray> readImageBytes(const QString& sha256) const;

    // ---- labels (append-only events; the current label is the latest non-rejected event)
    Expected<qint64> addLabel(qint64 imageId, const QString& breed, LabelOrigin origin, const QString& author,
                              ReviewStatus status = ReviewStatus::Approved);
    Status<> setReviewStatus(qint64 eventId, ReviewStatus status);
    Expected<std::optional<LabelEvent>> currentLabel(qint64 imageId) const;
    Expected<QVector<LabelEvent>> labelHistory(qint64 imageId) const;
    Expected<QHash<qint64, LabelEvent>> currentLabels() const; // every labelled image still in the workspace
    Expected<int> labelEventCount() const;
    // Label events (curator or server) added after event id `afterId`.
    Expected<int> labelEventsSince(qint64 afterId) const;
    Expected<qint64> lastLabelEventId() const;

    // ---- predictions
    Status<> savePrediction(const StoredPrediction& prediction);
    Expected<std::optional<StoredPrediction>> latestPrediction(qint64 imageId) const;
    Expected<QHash<qint64, StoredPrediction>> latestPredictions() const;

    // ---- embedding cache: views × dim float matrix per (image, backbone weights hash), stored as float16
    Status<> putEmbeddings(qint64 imageId, const QString& weightsHash, const cv::Mat& views);
    // None when not cached (or when the stored sizes disagree: computed again then).
    Expected<std::optional<cv::Mat>> embeddings(qint64 imageId, const QString& weightsHash) const; // CV_32F
    Expected<QHash<qint64, cv::Mat>> allEmbeddings(const QString& weightsHash) const;
    Expected<QSet<qint64>> imagesWithEmbeddings(const QString& weightsHash) const;

    // ---- fixed validation split (image ids), stored once per workspace
    struct ValidationSplit {
        QString id;           // changes only when the split is (re)made
        QSet<qint64> imageIds;
    };
    Expected<std::optional<ValidationSplit>> validationSplit() const;
    Status<> setValidationSplit(const ValidationSplit& split);
    // Adds images to the existing split (new labelled images keep the split stratified).
    Status<> addToValidationSplit(const QSet<qint64>& imageIds);

    // ---- models
    Status<> addModel(const ModelRecord& model);
    Status<> updateModel(const ModelRecord& model);
    Expected<std::optional<ModelRecord>> model(const QString& version) const;
    Expected<QVector<ModelRecord>> models() const; // oldest first
    Expected<std::optional<ModelRecord>> activeModel() const;
    // Makes `version` the only active model (the previous one becomes retired), in one transaction,
    // and logs it. An empty verdict keeps the gate's verdict stored with the model.
    Status<> setActiveModel(const QString& version, const QString& verdict = {}, const QString& reason = {});
    struct Activation {
        QString version;
        QDateTime at;
        QString reason; // the gate's verdict, "activated by hand", "rollback", …
    };
    Expected<QVector<Activation>> activations() const; // oldest first
    // No model active any more (the active one is retired): predictions come from the zero-shot
    // head. The log only lists stored versions, so this leaves no entry in it.
    Status<> clearActiveModel();
    Expected<QString> nextModelVersion() const;

    // ---- training runs
    Expected<qint64> startTrainingRun(const QJsonObject& params);
    Status<> appendTrainingEpoch(qint64 runId, const QJsonObject& epoch);
    Status<> finishTrainingRun(qint64 runId, const QString& outcome, const QString& modelVersion = {});
    Expected<QVector<TrainingRunRecord>> trainingRuns() const;

    // ---- workspace-wide single values (the pull cursor, the training label selection, …)
    Expected<QString> setting(const QString& key) const; // empty when unset
    Status<> setSetting(const QString& key, const QString& value);

    // PRAGMA integrity_check == "ok"
    Status<> checkIntegrity() const;

private:
    friend class SyncLedger; // the sync side of the same database (SyncLedger.h)
    explicit Workspace(QString dir);
    QSqlDatabase db() const; // this thread's connection
    Status<> migrate();

    QString m_dir;
    sql::ConnectionPerThread m_connections;
};

} // namespace pc
