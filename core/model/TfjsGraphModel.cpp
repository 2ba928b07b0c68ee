#include "model/TfjsGraphModel.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>

namespace pc {

qint64 TfjsTensor::elementCount() const
{
    qint64 n = 1;
    for (int64_t d : shape)
        n *= d;
    return n;
}

static Expected<QByteArray> readFile(const QString& path, qint64 maxBytes)
{
    QFile f(path);
    if (!f.exists())
        return Error{QStringLiteral("missing file %1").arg(path)};
    if (f.size() > maxBytes)
        return Error{QStringLiteral("%1 is %2 bytes, more than the %3 allowed").arg(path).arg(f.size()).arg(maxBytes)};
    if (!f.open(QIODevice::ReadOnly))
        return Error{QStringLiteral("cannot read %1: %2").arg(path, f.errorString())};
    return f.readAll();
}

Expected<TfjsGraphModel> TfjsGraphModel::load(const QString& directory)
{
    const QDir dir(directory);
    auto json = readFile(dir.filePath(QStringLiteral("model.json")), 64 << 20);
    if (!json)
        return json.error();
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(*json, &parseError);
    if (doc.isNull())
        return Error{QStringLiteral("model.json is not valid JSON: %1").arg(parseError.errorString())};
    const QJsonObject root = doc.object();
    if (root.value(QStringLiteral("format")).toString() != QStringLiteral("graph-model"))
        return Error{QStringLiteral("model.json is not a TF.js graph model")};

    TfjsGraphModel model;
    const QJsonArray nodes = root.value(QStringLiteral("modelTopology")).toObject().value(QStringLiteral("node")).toArray();
    for (const QJsonValue& v : nodes) {
        const QJsonObject o = v.toObject();
        TfjsNode n{o.value(QStringLiteral("name")).toString(), o.value(QStringLiteral("op")).toString(), {},
                   o.value(QStringLiteral("attr")).toObject()};
        for (const QJsonValue& in : o.value(QStringLiteral("input")).toArray())
            n.inputs << in.toString();
        model.m_nodeIndex.insert(n.name, qsizetype(model.m_nodes.size()));
        model.m_nodes.push_back(std::move(n));
    }
    if (model.m_nodes.empty())
        return Error{QStringLiteral("model.json has no graph nodes")};

    // Weights are the concatenation of all shards of all groups, in manifest order.
    for (const QJsonValue& groupValue : root.value(QStringLiteral("weightsManifest")).toArray()) {
        const QJsonObject group = groupValue.toObject();
        QByteArray blob;
        for (const QJsonValue& p : group.value(QStringLiteral("paths")).toArray()) {
            auto shard = readFile(dir.filePath(p.toString()), 1ll << 30);
            if (!shard)
                return shard.error();
            blob += *shard;
        }
        qint64 offset = 0;
        for (const QJsonValue& wv : group.value(QStringLiteral("weights")).toArray()) {
            const QJsonObject w = wv.toObject();
            TfjsTensor t;
            t.dtype = w.value(QStringLiteral("dtype")).toString();
            if (w.contains(QStringLiteral("quantization")))
                return Error{QStringLiteral("quantized weights are not supported (%1)").arg(w.value(QStringLiteral("name")).toString())};
            if (t.dtype != QStringLiteral("float32") && t.dtype != QStringLiteral("int32"))
                return Error{QStringLiteral("unsupported dtype %1").arg(t.dtype)};
            for (const QJsonValue& d : w.value(QStringLiteral("shape")).toArray())
                t.shape.push_back(d.toInteger());
            const qint64 bytes = t.elementCount() * 4;
            if (offset + bytes > blob.size())
                return Error{QStringLiteral("weight shards are truncated: %1 needs bytes up to %2, shards hold %3")
                                 .arg(w.value(QStringLiteral("name")).toString()).arg(offset + bytes).arg(blob.size())};
            t.data = blob.mid(offset, bytes);
            offset += bytes;
            model.m_tensors.insert(w.value(QStringLiteral("name")).toString(), std::move(t));
        }
        if (offset != blob.size())
            return Error{QStringLiteral("weight shards hold %1 bytes, the manifest describes %2").arg(blob.size()).arg(offset)};
    }
    return model;
}

const TfjsNode* TfjsGraphModel::node(const QString& name) const
{
    const auto it = m_nodeIndex.constFind(name);
    return it == m_nodeIndex.cend() ? nullptr : &m_nodes[*it];
}

const TfjsTensor* TfjsGraphModel::tensor(const QString& name) const
{
    const auto it = m_tensors.constFind(name);
    return it == m_tensors.cend() ? nullptr : &*it;
}

} // namespace pc
