#pragma once
// A curator's workspace: one SQLite database (Qt SQL, WAL, foreign keys, versioned schema) plus a
// content-addressed image store and the model bundles, all under one folder:
//   <dir>/workspace.sqlite   images, label events, predictions, embeddings, models, training runs
//   <dir>/images/ab/<sha256> original image bytes, keyed by their SHA-256
//   <dir>/models/<version>.pcmodel
// The workspace holds the images and the settings itself and hands out one store per group of
// tables (labels(), predictions(), embeddings(), split(), models(), runs()), all on one database
// handle. Thread-safe: every thread gets its own database connection, created on first use.
// Every call that can fail returns a typed one-line error; writes are transactions.
#include "Expected.h"
#include "workspace/EmbeddingStore.h"
#include "workspace/LabelStore.h"
#include "workspace/ModelStore.h"
#include "workspace/PredictionStore.h"
#include "workspace/RunStore.h"
#include "workspace/ValidationSplitStore.h"
#include "workspace/WorkspaceDatabase.h"

#include <QByteArray>
#include <QDateTime>
#include <QString>
#include <QVector>
#include <memory>
#include <optional>

class QSqlDatabase;

namespace pc {

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
    Expected<int> removedImageCount() const; // taken out with setImagesRemoved (an export says how many it left out)
    // Takes images out of the workspace, or puts them back (undo), in one transaction. Their bytes
    // and label events stay; a removed image is left out of images(), labels().currentByImage() and training.
    Status<> setImagesRemoved(const QVector<qint64>& imageIds, bool removed);
    Expected<bool> isImageRemoved(qint64 imageId) const;
    QString storedImagePath(const QString& sha256) const;
    Expected<QByteArray> readImageBytes(const QString& sha256) const;

    // ---- the stores, one per table group, all on this workspace's database
    LabelStore& labels() { return m_labels; }
    const LabelStore& labels() const { return m_labels; }
    PredictionStore& predictions() { return m_predictions; }
    const PredictionStore& predictions() const { return m_predictions; }
    EmbeddingStore& embeddings() { return m_embeddings; }
    const EmbeddingStore& embeddings() const { return m_embeddings; }
    ValidationSplitStore& split() { return m_split; }
    const ValidationSplitStore& split() const { return m_split; }
    ModelStore& models() { return m_models; }
    const ModelStore& models() const { return m_models; }
    RunStore& runs() { return m_runs; }
    const RunStore& runs() const { return m_runs; }

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
    WorkspaceDatabase m_db;
    LabelStore m_labels{m_db};
    PredictionStore m_predictions{m_db};
    EmbeddingStore m_embeddings{m_db};
    ValidationSplitStore m_split{m_db};
    ModelStore m_models{m_db};
    RunStore m_runs{m_db};
};

} // namespace pc
