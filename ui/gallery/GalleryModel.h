#pragma once
// The gallery's rows: one per stored image, with its current label and latest prediction. Filled
// from snapshots made off the UI thread (merge) and kept current by label and prediction updates.
// Thumbnails come lazily from a ThumbnailLoader, only for rows that are painted.
#include "curation/ImageGroups.h"
#include "model/Predictor.h"
#include "workspace/Workspace.h"

#include <QAbstractListModel>
#include <QHash>
#include <QSet>
#include <vector>

namespace pc {

class ThumbnailLoader;

enum class TileStatus { Unlabelled = 0, Labelled = 1, Disagreeing = 2, Pending = 3 };

struct GalleryItem {
    qint64 id = 0;
    QString sha256;
    QString name;           // file name of the original
    QString originalPath;
    QDateTime added;
    QString source;
    int width = 0, height = 0;

    // The current label (latest non-rejected event); empty breed: unlabelled.
    QString label;
    LabelOrigin labelOrigin = LabelOrigin::Curator;
    ReviewStatus labelStatus = ReviewStatus::Approved;
    bool disputed = false;  // team curators disagree and no reviewer has decided yet (SyncLedger)

    // The latest prediction.
    std::vector<Guess> top; // best first, up to 3
    QString model;
    double ms = 0;
    bool fromCache = false; // recomputed from the cached embedding after a model swap

    bool hasPrediction() const { return !top.empty(); }
    float confidence() const { return top.empty() ? -1.0f : top.front().p; }
    TileStatus status() const;
};

// Builds gallery rows from the workspace (slow for big workspaces: call off the UI thread).
Expected<std::vector<GalleryItem>> loadGalleryItems(const Workspace& workspace);
// The display name of a breed id ("american_bulldog" → "American Bulldog").

class GalleryModel : public QAbstractListModel {
    Q_OBJECT
public:
    enum Role {
        ImageIdRole = Qt::UserRole + 1,
        Sha256Role,
        NameRole,
        AddedRole,
        StatusRole,          // int(TileStatus)
        ConfidenceRole,      // float, -1 without prediction
        PredictedBreedRole,  // breed id
        PredictedNameRole,   // display name
        LabelRole,           // breed id or empty
        LabelNameRole,
        ModelRole,
        HasPredictionRole,
        NearDuplicateRole,      // bool: the image has a near-duplicate partner in the gallery
        NearDuplicateGroupRole, // qint64: the smallest id of its set of near-duplicates; 0 when none
    };

    explicit GalleryModel(QObject* parent = nullptr);

    void setThumbnailLoader(ThumbnailLoader* loader);

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    const GalleryItem& at(int row) const { return m_items[size_t(row)]; }
    const GalleryItem* find(qint64 imageId) const;
    int rowOf(qint64 imageId) const { return m_rowOf.value(imageId, -1); }
    QModelIndex indexOf(qint64 imageId) const;
    const std::vector<GalleryItem>& items() const { return m_items; }

    // Adds the rows that are new; for the known ones takes the stored label and, when newer, the
    // prediction. Returns the ids that were added.
    QVector<qint64> merge(std::vector<GalleryItem> items);
    void clear();
    // Removes the rows of these images and returns them; until restoreItems() gives them back, a
    // merge() does not add them again (a reload may read the store before the removal is written).
    std::vector<GalleryItem> takeItems(const QVector<qint64>& imageIds);
    void restoreItems(std::vector<GalleryItem> items);

    void setLabel(qint64 imageId, const QString& breed, LabelOrigin origin, ReviewStatus status);
    void clearLabel(qint64 imageId);

    struct PredictionUpdate {
        qint64 imageId = 0;
        std::vector<Guess> top;
        QString model;
        double ms = 0;
        bool fromCache = false;
    };
    void applyPredictions(const QVector<PredictionUpdate>& updates);

    // Near-duplicate pairs (cosine ≥ the threshold they were found at). An image is flagged while a
    // partner of it is in the gallery (a removal unflags its partner, an undo flags it again).
    struct NearDuplicatePartner {
        qint64 imageId = 0;
        float cosine = 0;
    };
    void setNearDuplicates(const QVector<NearDuplicateImages>& pairs, float threshold);
    // A cosine for people: three decimals, cut rather than rounded (0.9996 is "0.999", never "1.000").
    static QString cosineText(float cosine);
    QVector<NearDuplicatePartner> nearDuplicatesOf(qint64 imageId) const; // most similar first
    // The pairs among the images of its set (partners, their partners, ...), most similar first.
    QVector<NearDuplicateImages> nearDuplicatePairsAround(qint64 imageId) const;
    qint64 nearDuplicateGroup(qint64 imageId) const { return m_nearDuplicateGroup.value(imageId, 0); }
    int nearDuplicateImageCount() const { return int(m_nearDuplicateGroup.size()); }
    float nearDuplicateThreshold() const { return m_nearDuplicateThreshold; }

Q_SIGNALS:
    void itemChanged(qint64 imageId);   // label or prediction of one row
    void bulkChanged();                 // many rows at once

private:
    void rowChanged(int row);
    void thumbnailReady(const QString& sha256);
    void reindex();
    // Flags and sets from m_nearDuplicatePairs and the rows present now; signals the rows that changed.
    void updateNearDuplicates();

    std::vector<GalleryItem> m_items;
    QSet<qint64> m_removed;
    QHash<qint64, int> m_rowOf;
    QHash<QString, QVector<int>> m_rowsOfSha;
    ThumbnailLoader* m_thumbs = nullptr;
    QVector<NearDuplicateImages> m_nearDuplicatePairs; // as found, rows present or not
    float m_nearDuplicateThreshold = 0;
    QHash<qint64, QVector<NearDuplicatePartner>> m_nearDuplicates; // of the rows present
    QHash<qint64, qint64> m_nearDuplicateGroup;
};

} // namespace pc

Q_DECLARE_METATYPE(pc::GalleryModel::PredictionUpdate)
