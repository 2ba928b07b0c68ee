#include "ThumbnailLoader.h"

#include "gallery/ImageLoading.h"
#include "workspace/Workspace.h"

#include <QMutex>
#include <QSet>
#include <deque>

namespace pc {

namespace {
constexpr int kMaxQueued = 256;          // older requests are dropped (re-requested when painted again)
constexpr int kCacheKiB = 192 * 1024;    // ~192 MiB of thumbnails
} // namespace

struct ThumbnailLoader::Shared {
    QMutex mutex;
    std::deque<QString> stack;   // newest at the back
    QSet<QString> queued;        // in `stack` or being loaded
    int edge = 256;
    int running = 0;
    bool stopped = false;
};

ThumbnailLoader::ThumbnailLoader(std::shared_ptr<const Workspace> workspace, QObject* parent)
    : QObject(parent), m_workspace(std::move(workspace)), m_shared(std::make_shared<Shared>())
{
    m_cache.setMaxCost(kCacheKiB);
    m_pool.setMaxThreadCount(2);
    m_pool.setExpiryTimeout(-1);
    m_pool.setObjectName(QStringLiteral("thumbnails"));
}

ThumbnailLoader::~ThumbnailLoader()
{
    {
        QMutexLocker lock(&m_shared->mutex);
        m_shared->stopped = true;
        m_shared->stack.clear();
    }
    m_pool.waitForDone();
}

void ThumbnailLoader::setEdge(int devicePixels)
{
    devicePixels = std::clamp(devicePixels, 32, 1024);
    if (devicePixels == m_edge)
        return;
    m_edge = devicePixels;
    {
        QMutexLocker lock(&m_shared->mutex);
        m_shared->edge = devicePixels;
        for (const QString& s : m_shared->stack)
            m_shared->queued.remove(s);
        m_shared->stack.clear();
    }
    m_cache.clear();
}

void ThumbnailLoader::clear()
{
    m_cache.clear();
}

int ThumbnailLoader::pendingRequests() const
{
    QMutexLocker lock(&m_shared->mutex);
    return int(m_shared->queued.size());
}

QPixmap ThumbnailLoader::thumbnail(const QString& sha256)
{
    if (const QPixmap* p = m_cache.object(sha256))
        return *p;
    if (sha256.isEmpty())
        return {};
    {
        QMutexLocker lock(&m_shared->mutex);
        if (m_shared->queued.contains(sha256)) {
            // Move it to the top: it is on screen again.
            auto it = std::find(m_shared->stack.begin(), m_shared->stack.end(), sha256);
            if (it != m_shared->stack.end() && std::next(it) != m_shared->stack.end()) {
                m_shared->stack.erase(it);
                m_shared->stack.push_back(sha256);
            }
            return {};
        }
        m_shared->queued.insert(sha256);
        m_shared->stack.push_back(sha256);
        while (int(m_shared->stack.size()) > kMaxQueued) {
            m_shared->queued.remove(m_shared->stack.front());
            m_shared->stack.pop_front();
        }
    }
    startWorkers();
    return {};
}

void ThumbnailLoader::startWorkers()
{
    auto shared = m_shared;
    auto workspace = m_workspace;
    QMutexLocker lock(&shared->mutex);
    while (shared->running < m_pool.maxThreadCount() && shared->running < int(shared->stack.size())) {
        ++shared->running;
        m_pool.start([this, shared, workspace] {
            for (;;) {
                QString sha;
                int edge = 0;
                {
                    QMutexLocker lock(&shared->mutex);
                    if (shared->stopped || shared->stack.empty()) {
                        --shared->running;
                        return;
                    }
                    sha = shared->stack.back();
                    shared->stack.pop_back();
                    edge = shared->edge;
                }
                QImage image = loadUprightImage(workspace->storedImagePath(sha), QSize(edge, edge));
                if (!image.isNull() && image.format() != QImage::Format_RGB32 && image.format() != QImage::Format_ARGB32_Premultiplied)
                    image = image.convertToFormat(image.hasAlphaChannel() ? QImage::Format_ARGB32_Premultiplied : QImage::Format_RGB32);
                QMutexLocker lock(&shared->mutex);
                if (shared->stopped) {
                    --shared->running;
                    return;
                }
                // Still alive (the destructor waits for us), so posting to `this` is safe.
                QMetaObject::invokeMethod(this, [this, sha, image, edge] { deliver(sha, image, edge); }, Qt::QueuedConnection);
            }
        });
    }
}

void ThumbnailLoader::deliver(const QString& sha256, const QImage& image, int edge)
{
    {
        QMutexLocker lock(&m_shared->mutex);
        m_shared->queued.remove(sha256);
    }
    if (edge != m_edge)
        return; // made for another size
    // A file that can't be read gets an empty (but cached) pixmap, so it isn't retried on every paint.
    auto* pixmap = new QPixmap(image.isNull() ? QPixmap(1, 1) : QPixmap::fromImage(image));
    if (image.isNull())
        pixmap->fill(Qt::transparent);
    const int cost = std::max(1, int(qint64(pixmap->width()) * pixmap->height() * 4 / 1024));
    m_cache.insert(sha256, pixmap, cost);
    Q_EMIT thumbnailReady(sha256);
}

} // namespace pc
