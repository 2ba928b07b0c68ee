#include "GalleryFilterModel.h"
#include "model/BreedCatalog.h"

#include "gallery/GalleryModel.h"

namespace pc {

namespace {
constexpr float kUnpredicted = 2.0f; // above every confidence: images without a prediction yet go last
}

GalleryFilterModel::GalleryFilterModel(QObject* parent) : QSortFilterProxyModel(parent)
{
    setDynamicSortFilter(true);
    // Thumbnail arrivals (DecorationRole) must not re-sort: sort/filter on a role nobody changes alone.
    setSortRole(GalleryModel::ConfidenceRole);
    setFilterRole(GalleryModel::LabelRole);
}

void GalleryFilterModel::setGalleryModel(GalleryModel* model)
{
    m_gallery = model;
    setSourceModel(model);
    sort(0, Qt::AscendingOrder);
}

void GalleryFilterModel::refilter()
{
    invalidateFilter();
    Q_EMIT criteriaChanged();
}

void GalleryFilterModel::setShow(Show show)
{
    if (show == m_show)
        return;
    const bool regroup = show == Show::NearDuplicates || m_show == Show::NearDuplicates;
    m_show = show;
    if (regroup) {
        invalidate(); // the order changes too: partners next to each other
        sort(0, Qt::AscendingOrder);
        Q_EMIT criteriaChanged();
        return;
    }
    refilter();
}

void GalleryFilterModel::setBreed(const QString& breedId)
{
    if (breedId == m_breed)
        return;
    m_breed = breedId;
    refilter();
}

void GalleryFilterModel::setSearchText(const QString& text)
{
    const QString t = text.trimmed();
    if (t == m_search)
        return;
    m_search = t;
    refilter();
}

void GalleryFilterModel::setImageSet(const QSet<qint64>& ids, const QString& caption)
{
    m_imageSet = ids;
    m_hasImageSet = true;
    m_imageSetCaption = caption;
    refilter();
}

void GalleryFilterModel::clearImageSet()
{
    if (!m_hasImageSet)
        return;
    m_imageSet.clear();
    m_hasImageSet = false;
    m_imageSetCaption.clear();
    refilter();
}

void GalleryFilterModel::setJustAdded(const QSet<qint64>& ids)
{
    m_justAdded = ids;
    if (m_show == Show::JustAdded)
        refilter();
}

void GalleryFilterModel::resort()
{
    // Every row placed by its confidence now, in one pass: filling the map from the sort's own
    // comparisons rehashed it as it grew.
    m_placedConfidence.clear();
    if (m_gallery) {
        m_placedConfidence.reserve(m_gallery->rowCount());
        for (const GalleryItem& it : m_gallery->items())
            m_placedConfidence.insert(it.id, it.hasPrediction() ? it.confidence() : kUnpredicted);
    }
    invalidate();
    sort(0, Qt::AscendingOrder);
}

bool GalleryFilterModel::orderAwaitsPredictions() const
{
    if (m_order != Order::LeastConfident)
        return false;
    for (auto it = m_placedConfidence.cbegin(); it != m_placedConfidence.cend(); ++it)
        if (it.value() == kUnpredicted)
            if (const GalleryItem* item = m_gallery->find(it.key()); item && item->hasPrediction())
                return true;
    return false;
}

float GalleryFilterModel::placedConfidence(const GalleryItem& it) const
{
    auto found = m_placedConfidence.constFind(it.id);
    if (found != m_placedConfidence.constEnd())
        return *found;
    const float c = it.hasPrediction() ? it.confidence() : kUnpredicted;
    m_placedConfidence.insert(it.id, c);
    return c;
}

void GalleryFilterModel::setOrder(Order order)
{
    if (order == m_order)
        return;
    m_order = order;
    m_placedConfidence.clear();
    invalidate();
    sort(0, Qt::AscendingOrder);
    Q_EMIT criteriaChanged();
}

qint64 GalleryFilterModel::imageIdAt(int proxyRow) const
{
    if (proxyRow < 0 || proxyRow >= rowCount())
        return 0;
    const QModelIndex s = mapToSource(index(proxyRow, 0));
    return m_gallery->at(s.row()).id;
}

int GalleryFilterModel::proxyRowOf(qint64 imageId) const
{
    const QModelIndex s = m_gallery ? m_gallery->indexOf(imageId) : QModelIndex();
    return s.isValid() ? mapFromSource(s).row() : -1;
}

bool GalleryFilterModel::matches(const GalleryItem& it) const
{
    if (m_hasImageSet && !m_imageSet.contains(it.id))
        return false;
    switch (m_show) {
    case Show::All:
        break;
    case Show::Unlabelled:
        if (!it.label.isEmpty())
            return false;
        break;
    case Show::Labelled:
        if (it.label.isEmpty())
            return false;
        break;
    case Show::Disagreements:
        if (it.status() != TileStatus::Disagreeing)
            return false;
        break;
    case Show::Pending:
        if (it.status() != TileStatus::Pending)
            return false;
        break;
    case Show::JustAdded:
        if (!m_justAdded.contains(it.id))
            return false;
        break;
    case Show::Disputed:
        if (!it.disputed)
            return false;
        break;
    case Show::NearDuplicates:
        if (m_gallery->nearDuplicateGroup(it.id) == 0)
            return false;
        break;
    }
    if (!m_breed.isEmpty()) {
        const QString& b = !it.label.isEmpty() ? it.label : (it.top.empty() ? QString() : it.top.front().label);
        if (b != m_breed)
            return false;
    }
    if (!m_search.isEmpty()) {
        const auto cs = Qt::CaseInsensitive;
        bool hit = it.name.contains(m_search, cs) || (!it.label.isEmpty() && breedDisplayName(it.label).contains(m_search, cs));
        for (size_t i = 0; !hit && i < it.top.size() && i < 1; ++i)
            hit = it.top[i].name.contains(m_search, cs);
        if (!hit)
            return false;
    }
    return true;
}

bool GalleryFilterModel::filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const
{
    if (!m_gallery || sourceParent.isValid() || sourceRow >= m_gallery->rowCount())
        return false;
    return matches(m_gallery->at(sourceRow));
}

bool GalleryFilterModel::lessThan(const QModelIndex& left, const QModelIndex& right) const
{
    const GalleryItem& a = m_gallery->at(left.row());
    const GalleryItem& b = m_gallery->at(right.row());
    if (m_show == Show::NearDuplicates) {
        // Each set of near-duplicates together, in the chosen order within.
        const qint64 ga = m_gallery->nearDuplicateGroup(a.id), gb = m_gallery->nearDuplicateGroup(b.id);
        if (ga != gb)
            return ga < gb;
    }
    switch (m_order) {
    case Order::LeastConfident: {
        // Ties by id for a stable order.
        const float ca = placedConfidence(a);
        const float cb = placedConfidence(b);
        if (ca != cb)
            return ca < cb;
        return a.id < b.id;
    }
    case Order::Name: {
        const int c = QString::compare(a.name, b.name, Qt::CaseInsensitive);
        return c != 0 ? c < 0 : a.id < b.id;
    }
    case Order::NewestFirst:
        return a.added != b.added ? a.added > b.added : a.id > b.id;
    case Order::OldestFirst:
        return a.added != b.added ? a.added < b.added : a.id < b.id;
    }
    return a.id < b.id;
}

} // namespace pc
