#pragma once
// Embedding rows kept per image (e.g. the centre view of every predicted image), stored in large
// chunks instead of one small heap block per image.
//
// Why not QHash<qint64, cv::Mat>: a worker that has just run a forward pass has freed blocks of
// 0.5–5 MB (decoded photo, input tensor, activations). A 5 KB row allocated then, and kept, is
// carved out of one of those free blocks by glibc's best fit; the rest is then a little too small
// for the next image's block of the same size, so the heap grows by about one block per image and
// never shrinks. Measured (petcurator-cli bench, 692 photos, 2 workers): keeping a 1×1280 and a
// 1×1000 row per image took peak RSS from 368 MB to 621 MB. In the app after 1,500 predictions,
// malloc held 802 MB for 187 MB in use (malloc_stats), the main arena alone 298 MB of free chunks
// of 0.56–4.9 MB (malloc_info); heaptrack's peak heap was 207 MB against 1.27 GB of RSS.
//
// Rows are written once per id and never change afterwards, so the headers row() hands out stay
// valid and unchanged (they share the chunk's reference count). Not thread-safe: guard it with
// the owner's lock.
#include <QHash>
#include <opencv2/core/mat.hpp>
#include <vector>

namespace pc {

class EmbeddingRows {
public:
    explicit EmbeddingRows(int dim, int rowsPerChunk = 1024) : m_dim(dim), m_rowsPerChunk(rowsPerChunk) {}

    int dim() const { return m_dim; }
    qsizetype size() const { return m_index.size(); }
    bool contains(qint64 id) const { return m_index.contains(id); }

    // Copies row 0 of `row` (1 × dim, CV_32F) in, unless the id already has one. Returns false for a
    // row of the wrong shape or type.
    bool insert(qint64 id, const cv::Mat& row)
    {
        if (row.empty() || row.type() != CV_32F || row.dims != 2 || row.cols != m_dim)
            return false;
        if (m_index.contains(id))
            return true;
        const qsizetype n = m_index.size();
        if (n % m_rowsPerChunk == 0)
            m_chunks.emplace_back(m_rowsPerChunk, m_dim, CV_32F);
        row.row(0).copyTo(m_chunks.back().row(int(n % m_rowsPerChunk)));
        m_index.insert(id, n);
        return true;
    }

    // A 1 × dim header into the store (no copy), or an empty Mat.
    cv::Mat row(qint64 id) const
    {
        const auto it = m_index.constFind(id);
        if (it == m_index.constEnd())
            return {};
        return m_chunks[size_t(*it / m_rowsPerChunk)].row(int(*it % m_rowsPerChunk));
    }

private:
    int m_dim;
    int m_rowsPerChunk;
    QHash<qint64, qsizetype> m_index;
    std::vector<cv::Mat> m_chunks;
};

} // namespace pc
