#pragma once
// What the gallery shows and in which order: all, unlabelled, disagreements, pending review, just
// added, disputed by the team, near-duplicates (each set together), a breed, a set of images (a
// confusion-matrix cell), text search; sorted least confident first (the active-learning order), by
// name, or by date. Reads the GalleryModel's rows directly, so sorting 10,000 rows costs a few
// milliseconds.
// The confidence order is held still while the curator works: a row sorts by the confidence it
// had when it was first placed, so tiles don't jump while predictions stream in; resort() takes
// the current values (on request, or once the predictions have settled).
#include <QHash>
#include <QSet>
#include <QSortFilterProxyModel>

namespace pc {

class GalleryModel;
struct GalleryItem;

class GalleryFilterModel : public QSortFilterProxyModel {
    Q_OBJECT
public:
    // NearDuplicates: only images with a near-duplicate partner, each set of partners together.
    enum class Show { All, Unlabelled, Labelled, Disagreements, Pending, JustAdded, Disputed, NearDuplicates };
    enum class Order { LeastConfident, Name, NewestFirst, OldestFirst };

    explicit GalleryFilterModel(QObject* parent = nullptr);

    void setGalleryModel(GalleryModel* model);
    GalleryModel* galleryModel() const { return m_gallery; }

    void setShow(Show show);
    Show show() const { return m_show; }
    // Breed id; empty: any. Matches the label, or the top prediction when unlabelled.
    void setBreed(const QString& breedId);
    QString breed() const { return m_breed; }
    void setSearchText(const QString& text);
    QString searchText() const { return m_search; }
    // Only these images (e.g. a confusion-matrix cell); empty optional: no restriction.
    void setImageSet(const QSet<qint64>& ids, const QString& caption);
    void clearImageSet();
    bool hasImageSet() const { return m_hasImageSet; }
    QString imageSetCaption() const { return m_imageSetCaption; }

    // The images of the latest intake, for Show::JustAdded.
    void setJustAdded(const QSet<qint64>& ids);
    const QSet<qint64>& justAdded() const { return m_justAdded; }

    void setOrder(Order order);
    Order order() const { return m_order; }
    // Sorts again by the current confidences.
    void resort();
    // True when rows were placed before their first prediction and have one now (an intake whose
    // predictions came in): the order is worth redoing.
    bool orderAwaitsPredictions() const;

    qint64 imageIdAt(int proxyRow) const;
    int proxyRowOf(qint64 imageId) const;

Q_SIGNALS:
    void criteriaChanged();

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;
    bool lessThan(const QModelIndex& left, const QModelIndex& right) const override;

private:
    bool matches(const GalleryItem& item) const;
    void refilter();
    float placedConfidence(const GalleryItem& item) const;

    GalleryModel* m_gallery = nullptr;
    Show m_show = Show::All;
    Order m_order = Order::LeastConfident;
    QString m_breed;
    QString m_search;
    QSet<qint64> m_imageSet;
    bool m_hasImageSet = false;
    QString m_imageSetCaption;
    QSet<qint64> m_justAdded;
    mutable QHash<qint64, float> m_placedConfidence; // confidence when the row was placed
};

} // namespace pc
