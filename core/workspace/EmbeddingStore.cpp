#include "workspace/EmbeddingStore.h"

#include "workspace/SqlSupport.h"
#include "workspace/WorkspaceDatabase.h"

#include <QSqlQuery>

#include <opencv2/core.hpp>

namespace pc {

using sql::readOne;
using sql::readRows;

namespace {

// float16 rows × cols from the database's bytes, widened to CV_32F; nullopt when the sizes disagree.
std::optional<cv::Mat> embeddingsFrom(int views, int dim, const QByteArray& data)
{
    if (views <= 0 || dim <= 0 || data.size() != qsizetype(views) * dim * 2)
        return std::nullopt;
    const cv::Mat half(views, dim, CV_16F, const_cast<char*>(data.constData())); // a view, no copy
    cv::Mat out;
    half.convertTo(out, CV_32F);
    return out;
}

} // namespace

Status<> EmbeddingStore::put(qint64 imageId, const QString& weightsHash, const cv::Mat& views)
{
    if (auto written = write(imageId, weightsHash, views, true); !written)
        return written.error();
    return done();
}

Expected<bool> EmbeddingStore::putIfAbsent(qint64 imageId, const QString& weightsHash, const cv::Mat& views)
{
    return write(imageId, weightsHash, views, false);
}

Expected<bool> EmbeddingStore::write(qint64 imageId, const QString& weightsHash, const cv::Mat& views, bool replace)
{
    if (weightsHash.isEmpty())
        return Error{QStringLiteral("cannot store embeddings without the backbone's weights hash")};
    if (views.empty() || views.dims != 2 || views.channels() != 1
        || (views.depth() != CV_32F && views.depth() != CV_64F && views.depth() != CV_16F))
        return Error{QStringLiteral("embeddings must be a non-empty views × dim float matrix")};
    cv::Mat half;
    views.convertTo(half, CV_16F); // a new, continuous matrix
    const QByteArray blob(reinterpret_cast<const char*>(half.data), qsizetype(half.total() * half.elemSize()));

    const QSqlDatabase db = m_db.connection();
    sql::WriteTransaction tx(db);
    if (auto s = tx.begin(); !s)
        return s.error();
    auto exists = imageExists(db, imageId);
    if (!exists)
        return exists.error();
    if (!*exists)
        return Error{QStringLiteral("unknown image id %1").arg(imageId)};
    bool written = false;
    {
        QSqlQuery q(db);
        if (!sql::exec(q, replace ? QStringLiteral("INSERT OR REPLACE INTO embeddings (image_id, weights_hash, views, dim, data) VALUES (?, ?, ?, ?, ?)")
                                  : QStringLiteral("INSERT OR IGNORE INTO embeddings (image_id, weights_hash, views, dim, data) VALUES (?, ?, ?, ?, ?)"),
                       {imageId, weightsHash, views.rows, views.cols, blob}))
            return sql::error(QStringLiteral("cannot store the embeddings of image %1").arg(imageId), q);
        written = q.numRowsAffected() > 0;
    }
    if (auto s = tx.commit(); !s)
        return s.error();
    return written;
}

Expected<std::optional<cv::Mat>> EmbeddingStore::views(qint64 imageId, const QString& weightsHash) const
{
    auto row = readOne<std::optional<cv::Mat>>(
        m_db.connection(), QStringLiteral("cannot read the embeddings of image %1").arg(imageId),
        QStringLiteral("SELECT views, dim, data FROM embeddings WHERE image_id = ? AND weights_hash = ?"), {imageId, weightsHash},
        [](const QSqlQuery& q) { return embeddingsFrom(q.value(0).toInt(), q.value(1).toInt(), q.value(2).toByteArray()); });
    if (!row)
        return row.error();
    return row->value_or(std::nullopt);
}

Expected<QHash<qint64, cv::Mat>> EmbeddingStore::all(const QString& weightsHash) const
{
    QHash<qint64, cv::Mat> out;
    auto s = readRows(m_db.connection(), QStringLiteral("cannot read the embeddings"),
                      QStringLiteral("SELECT image_id, views, dim, data FROM embeddings WHERE weights_hash = ?"), {weightsHash},
                      [&](const QSqlQuery& q) {
                          if (auto m = embeddingsFrom(q.value(1).toInt(), q.value(2).toInt(), q.value(3).toByteArray()))
                              out.insert(q.value(0).toLongLong(), std::move(*m));
                      });
    if (!s)
        return s.error();
    return out;
}

Expected<QHash<qint64, cv::Mat>> EmbeddingStore::centreViews(const QString& weightsHash) const
{
    QHash<qint64, cv::Mat> out;
    auto s = readRows(m_db.connection(), QStringLiteral("cannot read the embeddings"),
                      QStringLiteral("SELECT image_id, dim, substr(data, 1, dim * 2) FROM embeddings WHERE weights_hash = ? AND views > 0"),
                      {weightsHash}, [&](const QSqlQuery& q) {
                          if (auto m = embeddingsFrom(1, q.value(1).toInt(), q.value(2).toByteArray()))
                              out.insert(q.value(0).toLongLong(), std::move(*m));
                      });
    if (!s)
        return s.error();
    return out;
}

Expected<QSet<qint64>> EmbeddingStore::imagesWith(const QString& weightsHash) const
{
    QSet<qint64> out;
    auto s = readRows(m_db.connection(), QStringLiteral("cannot read the embeddings"),
                      QStringLiteral("SELECT image_id FROM embeddings WHERE weights_hash = ?"), {weightsHash},
                      [&](const QSqlQuery& q) { out.insert(q.value(0).toLongLong()); });
    if (!s)
        return s.error();
    return out;
}

Expected<QHash<qint64, int>> EmbeddingStore::viewCounts(const QString& weightsHash) const
{
    QHash<qint64, int> out;
    auto s = readRows(m_db.connection(), QStringLiteral("cannot read the embeddings"),
                      QStringLiteral("SELECT image_id, views FROM embeddings WHERE weights_hash = ?"), {weightsHash},
                      [&](const QSqlQuery& q) { out.insert(q.value(0).toLongLong(), q.value(1).toInt()); });
    if (!s)
        return s.error();
    return out;
}

} // namespace pc
