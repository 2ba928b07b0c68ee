#include "ThumbnailLoader.h"

#include "gallery/ImageLoading.h"
#include "workspace/Workspace.h"

namespace pc {

namespace {
constexpr int kMaxQueued = 256;          // older requests are dropped (re-requested when painted again)
constexpr int kCacheKiB = 192 * 1024;    // ~192 MiB of thumbnails
} // namespace

ThumbnailLoader::ThumbnailLoader(std::shared_ptr<const Workspace> workspace, QObject* parent)
    : QObject(parent), m_workspace(std::move(workspace)),
      m_queue({.name = QStringLiteral("thumbnails"), .workers = 2, .order = WorkQueue::Order::NewestFirst, .capacity = kMaxQueued})
{
    m_cache.setMaxCost(kCacheKiB);
}

ThumbnailLoader::~ThumbnailLoader() = default;

void ThumbnailLoader::setEdge(int devicePixels)
{
    devicePixels = std::clamp(devicePixels, 32, 1024);
    if (devicePixels == m_edge)
        return;
    m_edge = devicePixels;
    m_queue.cancel(); // made for the old size
    m_cache.clear();
}

void ThumbnailLoader::clear()
{
    m_cache.clear();
}

int ThumbnailLoader::pendingRequests() const
{
    return m_queue.pending();
}

QPixmap ThumbnailLoader::thumbnail(const QString& sha256)
{
    if (const QPixmap* p = m_cache.object(sha256))
        return *p;
    if (sha256.isEmpty())
        return {};
    // Queued already: moves to the front (it is on screen again).
    m_queue.post([this, sha256, workspace = m_workspace, edge = m_edge] {
        QImage image = loadUprightImage(workspace->storedImagePath(sha256), QSize(edge, edge));
        if (!image.isNull() && image.format() != QImage::Format_RGB32 && image.format() != QImage::Format_ARGB32_Premultiplied)
            image = image.convertToFormat(image.hasAlphaChannel() ? QImage::Format_ARGB32_Premultiplied : QImage::Format_RGB32);
        // The queue's destructor waits for this job, so `this` is alive while we post to it.
        QMetaObject::invokeMethod(this, [this, sha256, image, edge] { deliver(sha256, image, edge); }, Qt::QueuedConnection);
    }, sha256);
    return {};
}

void ThumbnailLoader::deliver(const QString& sha256, const QImage& image, int edge)
{
    if (edge != m_edge || m_cache.contains(sha256))
        return; // made for another size, or twice (asked again before this one arrived)
    // A file that can't be read gets an empty (but cached) pixmap, so it isn't retried on every paint.
    auto* pixmap = new QPixmap(image.isNull() ? QPixmap(1, 1) : QPixmap::fromImage(image));
    if (image.isNull())
        pixmap->fill(Qt::transparent);
    const int cost = std::max(1, int(qint64(pixmap->width()) * pixmap->height() * 4 / 1024));
    m_cache.insert(sha256, pixmap, cost);
    Q_EMIT thumbnailReady(sha256);
}

} // namespace pc
