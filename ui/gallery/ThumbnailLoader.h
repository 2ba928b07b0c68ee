#pragma once
// Gallery thumbnails, made in the background and only for the tiles that are painted. Requests are
// served newest first (the tiles on screen now) and the queue is bounded, so flinging through
// 10,000 images never builds up a backlog. Finished thumbnails live in a memory-bounded cache.
#include "concurrency/WorkQueue.h"

#include <QCache>
#include <QObject>
#include <QPixmap>
#include <QSize>
#include <memory>

namespace pc {

class Workspace;

class ThumbnailLoader : public QObject {
    Q_OBJECT
public:
    explicit ThumbnailLoader(std::shared_ptr<const Workspace> workspace, QObject* parent = nullptr);
    ~ThumbnailLoader() override;

    // Thumbnail edge in device pixels (logical size × device pixel ratio). Clears the cache when it changes.
    void setEdge(int devicePixels);
    int edge() const { return m_edge; }

    // The cached thumbnail, or a null pixmap after queuing a request (thumbnailReady follows).
    QPixmap thumbnail(const QString& sha256);
    bool isCached(const QString& sha256) const { return m_cache.contains(sha256); }
    void clear();

    int pendingRequests() const;

Q_SIGNALS:
    void thumbnailReady(const QString& sha256);

private:
    void deliver(const QString& sha256, const QImage& image, int edge);

    std::shared_ptr<const Workspace> m_workspace;
    QCache<QString, QPixmap> m_cache;
    int m_edge = 256;
    // Newest first, bounded: flinging through 10,000 images leaves no backlog. Last, so it goes
    // first: its destructor waits for the running jobs, which post to this object.
    WorkQueue m_queue;
};

} // namespace pc
