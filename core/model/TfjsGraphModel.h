#pragma once
// Reader for a TF.js "graph-model" directory: model.json (topology + weights manifest) and its
// binary shards. Knows the file format only; what the tensors mean is ImportEfficientNet's job.
#include "Expected.h"

#include <QByteArray>
#include <QHash>
#include <QJsonObject>
#include <QStringList>
#include <vector>

namespace pc {

struct TfjsNode {
    QString name;       // full node name, e.g. "StatefulPartitionedCall/model/stem_bn/FusedBatchNormV3"
    QString op;         // "_FusedConv2D", "Const", ...
    QStringList inputs; // names of the nodes feeding this one, in order
    QJsonObject attr;
};

struct TfjsTensor {
    QString dtype;               // "float32" or "int32"
    std::vector<int64_t> shape;
    QByteArray data;             // little-endian, element count × 4 bytes
    qint64 elementCount() const;
};

class TfjsGraphModel {
public:
    static Expected<TfjsGraphModel> load(const QString& directory);

    const std::vector<TfjsNode>& nodes() const { return m_nodes; }
    const TfjsNode* node(const QString& name) const;
    const TfjsTensor* tensor(const QString& name) const;
    const QHash<QString, TfjsTensor>& tensors() const { return m_tensors; }

private:
    std::vector<TfjsNode> m_nodes;
    QHash<QString, qsizetype> m_nodeIndex;
    QHash<QString, TfjsTensor> m_tensors;
};

} // namespace pc
