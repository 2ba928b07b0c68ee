#include "GalleryModel.h"

#include "workspace/SyncLedger.h"

#include "gallery/ThumbnailLoader.h"
#include "model/BreedCatalog.h"

#include <QFileInfo>
#include <algorithm>
#include <cmath>
#include <numeric>
#include <utility>

namespace pc {

namespace {
// Bulk updates above this size re-sort once (layoutChanged) instead of row by row.
constexpr int kBulkThreshold = 64;
} // namespace

TileStatus GalleryItem::status() const
{
    if (label.isEmpty())
        return TileStatus::Unlabelled;
    if (labelStatus == ReviewStatus::Pending)
        return TileStatus::Pending;
    // A curator's label is the reviewed truth: only labels nobody here has looked at (a dataset's,
    // another curator's from the server) are put in front of the curator when the model disagrees.
    if (labelOrigin != LabelOrigin::Curator && !top.empty() && top.front().label != label)
        return TileStatus::Disagreeing;
    return TileStatus::Labelled;
}

static std::vector<Guess> guessesFromJson(const QJsonArray& top)
{
    std::vector<Guess> out;
    for (const QJsonValue& v : top) {
        const QJsonObject o = v.toObject();
        const QString label = o.value(QLatin1String("label")).toString();
        if (label.isEmpty())
            continue;
        out.push_back(Guess{label, breedDisplayName(label), float(o.value(QLatin1String("p")).toDouble())});
    }
    return out;
}

Expected<std::vector<GalleryItem>> loadGalleryItems(const Workspace& workspace)
{
    const auto images = workspace.images();
    if (!images)
        return images.error();
    const auto labelsRead = workspace.labels().currentByImage();
    if (!labelsRead)
        return labelsRead.error();
    const auto predictionsRead = workspace.predictions().latestByImage();
    if (!predictionsRead)
        return predictionsRead.error();
    const auto disputedRead = SyncLedger::disputedImages(workspace);
    if (!disputedRead)
        return disputedRead.error();
    const QHash<qint64, LabelEvent>& labels = *labelsRead;
    const QHash<qint64, StoredPrediction>& predictions = *predictionsRead;
    const QSet<qint64>& disputed = *disputedRead;
    std::vector<GalleryItem> items;
    items.reserve(size_t(images->size()));
    for (const ImageRecord& r : *images) {
        GalleryItem it;
        it.id = r.id;
        it.sha256 = r.sha256;
        it.originalPath = r.originalPath;
        it.name = QFileInfo(r.originalPath).fileName();
        if (it.name.isEmpty())
            it.name = r.sha256.left(12);
        it.added = r.added;
        it.source = r.source;
        it.width = r.width;
        it.height = r.height;
        it.disputed = disputed.contains(r.id);
        if (auto l = labels.constFind(r.id); l != labels.constEnd()) {
            it.label = l->breed;
            it.labelOrigin = l->origin;
            it.labelStatus = l->status;
        }
        if (auto p = predictions.constFind(r.id); p != predictions.constEnd()) {
            it.top = guessesFromJson(p->top);
            it.model = p->modelVersion;
            it.ms = p->ms;
        }
        items.push_back(std::move(it));
    }
    return items;
}

GalleryModel::GalleryModel(QObject* parent) : QAbstractListModel(parent) {}

void GalleryModel::setThumbnailLoader(ThumbnailLoader* loader)
{
    m_thumbs = loader;
    connect(loader, &ThumbnailLoader::thumbnailReady, this, &GalleryModel::thumbnailReady);
}

int GalleryModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_items.size());
}

QVariant GalleryModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= int(m_items.size()))
        return {};
    const GalleryItem& it = m_items[size_t(index.row())];
    switch (role) {
    case Qt::DisplayRole:
    case NameRole:
        return it.name;
    case Qt::DecorationRole:
        return m_thumbs ? m_thumbs->thumbnail(it.sha256) : QPixmap();
    case Qt::ToolTipRole: {
        QString tip = QStringLiteral("<b>%1</b><br>%2 × %3").arg(it.name.toHtmlEscaped()).arg(it.width).arg(it.height);
        if (!it.label.isEmpty())
            tip += tr("<br>Label: %1%2").arg(breedDisplayName(it.label).toHtmlEscaped(),
                                            it.labelStatus == ReviewStatus::Pending ? tr(" (pending review)") : QString());
        for (size_t i = 0; i < it.top.size(); ++i)
            tip += QStringLiteral("<br>%1. %2 — %3%").arg(i + 1).arg(it.top[i].name.toHtmlEscaped()).arg(double(it.top[i].p) * 100, 0, 'f', 1);
        for (const NearDuplicatePartner& p : m_nearDuplicates.value(it.id))
            if (const GalleryItem* other = find(p.imageId))
                tip += tr("<br>≈ Near-duplicate of %1 (cosine %2)").arg(other->name.toHtmlEscaped(), cosineText(p.cosine));
        return tip;
    }
    case Qt::AccessibleTextRole: {
        QString text = it.name;
        if (!it.top.empty())
            text += tr(", predicted %1 %2 percent").arg(it.top.front().name).arg(qRound(it.top.front().p * 100));
        text += it.label.isEmpty() ? tr(", unlabelled") : tr(", labelled %1").arg(breedDisplayName(it.label));
        if (m_nearDuplicates.contains(it.id))
            text += tr(", has a near-duplicate");
        return text;
    }
    case ImageIdRole:
        return it.id;
    case Sha256Role:
        return it.sha256;
    case AddedRole:
        return it.added;
    case StatusRole:
        return int(it.status());
    case ConfidenceRole:
        return it.confidence();
    case PredictedBreedRole:
        return it.top.empty() ? QString() : it.top.front().label;
    case PredictedNameRole:
        return it.top.empty() ? QString() : it.top.front().name;
    case LabelRole:
        return it.label;
    case LabelNameRole:
        return breedDisplayName(it.label);
    case ModelRole:
        return it.model;
    case HasPredictionRole:
        return it.hasPrediction();
    case NearDuplicateRole:
        return m_nearDuplicates.contains(it.id);
    case NearDuplicateGroupRole:
        return m_nearDuplicateGroup.value(it.id, 0);
    default:
        return {};
    }
}

QHash<int, QByteArray> GalleryModel::roleNames() const
{
    QHash<int, QByteArray> r = QAbstractListModel::roleNames();
    r.insert(ImageIdRole, "imageId");
    r.insert(StatusRole, "status");
    r.insert(ConfidenceRole, "confidence");
    r.insert(PredictedBreedRole, "predictedBreed");
    r.insert(LabelRole, "label");
    return r;
}

const GalleryItem* GalleryModel::find(qint64 imageId) const
{
    const int row = rowOf(imageId);
    return row < 0 ? nullptr : &m_items[size_t(row)];
}

QModelIndex GalleryModel::indexOf(qint64 imageId) const
{
    const int row = rowOf(imageId);
    return row < 0 ? QModelIndex() : index(row);
}

QVector<qint64> GalleryModel::merge(std::vector<GalleryItem> items)
{
    QVector<qint64> added;
    std::vector<GalleryItem> fresh;
    int changed = 0;
    QVector<int> changedRows;
    for (GalleryItem& it : items) {
        if (m_removed.contains(it.id))
            continue; // a snapshot read before the removal was stored
        const int row = rowOf(it.id);
        if (row < 0) {
            added << it.id;
            fresh.push_back(std::move(it));
            continue;
        }
        GalleryItem& cur = m_items[size_t(row)];
        bool rowChangedNow = false;
        if (cur.label != it.label || cur.labelStatus != it.labelStatus || cur.labelOrigin != it.labelOrigin || cur.disputed != it.disputed) {
            cur.label = it.label;
            cur.labelStatus = it.labelStatus;
            cur.labelOrigin = it.labelOrigin;
            cur.disputed = it.disputed;
            rowChangedNow = true;
        }
        if (it.hasPrediction() && (!cur.hasPrediction() || cur.model != it.model)) {
            cur.top = it.top;
            cur.model = it.model;
            cur.ms = it.ms;
            cur.fromCache = false;
            rowChangedNow = true;
        }
        if (rowChangedNow) {
            ++changed;
            changedRows << row;
        }
    }
    if (changed > kBulkThreshold) {
        Q_EMIT layoutAboutToBeChanged();
        Q_EMIT layoutChanged();
        Q_EMIT bulkChanged();
    } else {
        for (int row : changedRows)
            rowChanged(row);
    }
    if (!fresh.empty()) {
        const int first = int(m_items.size());
        beginInsertRows({}, first, first + int(fresh.size()) - 1);
        for (GalleryItem& it : fresh) {
            const int row = int(m_items.size());
            m_rowOf.insert(it.id, row);
            m_rowsOfSha[it.sha256].append(row);
            m_items.push_back(std::move(it));
        }
        endInsertRows();
        if (!m_nearDuplicatePairs.isEmpty())
            updateNearDuplicates(); // an undone removal: its partners are flagged again
    }
    return added;
}

std::vector<GalleryItem> GalleryModel::takeItems(const QVector<qint64>& imageIds)
{
    std::vector<GalleryItem> taken;
    QVector<int> rows;
    for (qint64 id : imageIds) {
        m_removed.insert(id);
        if (const int row = rowOf(id); row >= 0)
            rows << row;
    }
    std::sort(rows.begin(), rows.end(), std::greater<>());
    rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
    if (rows.isEmpty())
        return taken;
    // Contiguous runs from the bottom, so each removal leaves the rows above it where they were.
    for (qsizetype i = 0; i < rows.size();) {
        qsizetype j = i;
        while (j + 1 < rows.size() && rows[j + 1] == rows[j] - 1)
            ++j;
        const int first = rows[j], last = rows[i];
        beginRemoveRows({}, first, last);
        for (int r = last; r >= first; --r)
            taken.push_back(std::move(m_items[size_t(r)]));
        m_items.erase(m_items.begin() + first, m_items.begin() + last + 1);
        endRemoveRows();
        i = j + 1;
    }
    reindex();
    updateNearDuplicates();
    return taken;
}

void GalleryModel::restoreItems(std::vector<GalleryItem> items)
{
    for (const GalleryItem& it : items)
        m_removed.remove(it.id);
    merge(std::move(items));
}

void GalleryModel::reindex()
{
    m_rowOf.clear();
    m_rowsOfSha.clear();
    for (int row = 0; row < int(m_items.size()); ++row) {
        m_rowOf.insert(m_items[size_t(row)].id, row);
        m_rowsOfSha[m_items[size_t(row)].sha256].append(row);
    }
}

void GalleryModel::clear()
{
    beginResetModel();
    m_items.clear();
    m_rowOf.clear();
    m_rowsOfSha.clear();
    m_nearDuplicates.clear();
    m_nearDuplicateGroup.clear();
    endResetModel();
}

void GalleryModel::setLabel(qint64 imageId, const QString& breed, LabelOrigin origin, ReviewStatus status)
{
    const int row = rowOf(imageId);
    if (row < 0)
        return;
    GalleryItem& it = m_items[size_t(row)];
    if (it.label == breed && it.labelOrigin == origin && it.labelStatus == status)
        return;
    it.label = breed;
    it.labelOrigin = origin;
    it.labelStatus = status;
    rowChanged(row);
}

void GalleryModel::clearLabel(qint64 imageId)
{
    const int row = rowOf(imageId);
    if (row < 0 || m_items[size_t(row)].label.isEmpty())
        return;
    m_items[size_t(row)].label.clear();
    rowChanged(row);
}

void GalleryModel::applyPredictions(const QVector<PredictionUpdate>& updates)
{
    QVector<int> rows;
    rows.reserve(updates.size());
    for (const PredictionUpdate& u : updates) {
        const int row = rowOf(u.imageId);
        if (row < 0)
            continue;
        GalleryItem& it = m_items[size_t(row)];
        it.top = u.top;
        it.model = u.model;
        it.ms = u.ms;
        it.fromCache = u.fromCache;
        rows << row;
    }
    if (rows.size() > kBulkThreshold) {
        // One re-sort for the proxy instead of one move per row.
        Q_EMIT layoutAboutToBeChanged();
        Q_EMIT layoutChanged();
        Q_EMIT bulkChanged();
    } else {
        for (int row : rows)
            rowChanged(row);
    }
}

QString GalleryModel::cosineText(float cosine)
{
    return QString::number(std::floor(double(cosine) * 1000.0) / 1000.0, 'f', 3);
}

void GalleryModel::setNearDuplicates(const QVector<NearDuplicateImages>& pairs, float threshold)
{
    m_nearDuplicatePairs = pairs;
    m_nearDuplicateThreshold = threshold;
    updateNearDuplicates();
}

QVector<GalleryModel::NearDuplicatePartner> GalleryModel::nearDuplicatesOf(qint64 imageId) const
{
    return m_nearDuplicates.value(imageId);
}

QVector<NearDuplicateImages> GalleryModel::nearDuplicatePairsAround(qint64 imageId) const
{
    const qint64 group = nearDuplicateGroup(imageId);
    QVector<NearDuplicateImages> out;
    if (group == 0)
        return out;
    for (const NearDuplicateImages& p : m_nearDuplicatePairs)
        if (nearDuplicateGroup(p.a) == group && nearDuplicateGroup(p.b) == group)
            out.append(p); // found most similar first: the order stays
    return out;
}

void GalleryModel::updateNearDuplicates()
{
    // Over row numbers and flat arrays: with hash maps, 77,537 pairs among 10,000 photos took
    // 36 ms of the UI thread, most of a 50 ms frame.
    const int n = int(m_items.size());
    std::vector<int> parent(static_cast<size_t>(n));
    std::iota(parent.begin(), parent.end(), 0);
    const auto root = [&parent](int r) {
        int top = r;
        while (parent[size_t(top)] != top)
            top = parent[size_t(top)];
        while (parent[size_t(r)] != top)
            r = std::exchange(parent[size_t(r)], top);
        return top;
    };
    // Each pair's rows, looked up once; -1 for a pair with an image not in the gallery.
    std::vector<std::pair<int, int>> pairRows;
    pairRows.reserve(size_t(m_nearDuplicatePairs.size()));
    std::vector<int> start(size_t(n) + 1, 0); // each row's first partner in the flat list below
    for (const NearDuplicateImages& p : std::as_const(m_nearDuplicatePairs)) {
        const int ra = rowOf(p.a), rb = rowOf(p.b);
        if (ra < 0 || rb < 0) {
            pairRows.emplace_back(-1, -1); // a removed image flags nobody
            continue;
        }
        pairRows.emplace_back(ra, rb);
        ++start[size_t(ra) + 1];
        ++start[size_t(rb) + 1];
        // Connected sets, each named by its smallest id, so partners sort next to each other.
        const int a = root(ra), b = root(rb);
        if (a != b) {
            const bool aFirst = m_items[size_t(a)].id < m_items[size_t(b)].id;
            parent[size_t(aFirst ? b : a)] = aFirst ? a : b;
        }
    }
    int flagged = 0;
    for (int row = 0; row < n; ++row)
        flagged += start[size_t(row) + 1] > 0 ? 1 : 0;
    std::partial_sum(start.begin(), start.end(), start.begin());
    std::vector<NearDuplicatePartner> flat(size_t(start.back()));
    std::vector<int> fill(start.begin(), start.end() - 1);
    for (qsizetype i = 0; i < m_nearDuplicatePairs.size(); ++i) {
        const auto [ra, rb] = pairRows[size_t(i)];
        if (ra < 0)
            continue;
        const NearDuplicateImages& p = m_nearDuplicatePairs[i];
        flat[size_t(fill[size_t(ra)]++)] = {p.b, p.cosine};
        flat[size_t(fill[size_t(rb)]++)] = {p.a, p.cosine};
    }

    QHash<qint64, QVector<NearDuplicatePartner>> partners;
    QHash<qint64, qint64> groups;
    partners.reserve(flagged);
    groups.reserve(flagged);
    std::vector<int> rows; // whose flag, partners or set changed; in order
    for (int row = 0; row < n; ++row) {
        const qint64 id = m_items[size_t(row)].id;
        const auto first = flat.begin() + start[size_t(row)], last = flat.begin() + start[size_t(row) + 1];
        const auto before = m_nearDuplicates.constFind(id);
        if (first == last) {
            if (before != m_nearDuplicates.cend())
                rows.push_back(row);
            continue;
        }
        std::sort(first, last, [](const NearDuplicatePartner& x, const NearDuplicatePartner& y) {
            return x.cosine != y.cosine ? x.cosine > y.cosine : x.imageId < y.imageId;
        });
        const QVector<NearDuplicatePartner> mine(first, last);
        const qint64 group = m_items[size_t(root(row))].id;
        const bool same = before != m_nearDuplicates.cend() && m_nearDuplicateGroup.value(id) == group
                          && std::equal(mine.cbegin(), mine.cend(), before->cbegin(), before->cend(),
                                        [](const NearDuplicatePartner& x, const NearDuplicatePartner& y) {
                                            return x.imageId == y.imageId && x.cosine == y.cosine;
                                        });
        if (!same)
            rows.push_back(row);
        partners.insert(id, mine);
        groups.insert(id, group);
    }
    m_nearDuplicates = std::move(partners);
    m_nearDuplicateGroup = std::move(groups);
    // All roles: the filter (near-duplicates only) and its order depend on the flag. One
    // dataChanged per run of adjacent rows: thousands of single-row signals after a large import
    // kept the UI thread busy for 63 ms, each one re-sorting the filter model.
    for (size_t first = 0; first < rows.size();) {
        size_t last = first;
        while (last + 1 < rows.size() && rows[last + 1] == rows[last] + 1)
            ++last;
        Q_EMIT dataChanged(index(rows[first]), index(rows[last]));
        for (size_t k = first; k <= last; ++k)
            Q_EMIT itemChanged(m_items[size_t(rows[k])].id);
        first = last + 1;
    }
}

void GalleryModel::rowChanged(int row)
{
    const QModelIndex i = index(row);
    Q_EMIT dataChanged(i, i);
    Q_EMIT itemChanged(m_items[size_t(row)].id);
}

void GalleryModel::thumbnailReady(const QString& sha256)
{
    for (int row : m_rowsOfSha.value(sha256)) {
        const QModelIndex i = index(row);
        Q_EMIT dataChanged(i, i, {Qt::DecorationRole});
    }
}

} // namespace pc
