#include "model/ImportEfficientNet.h"

#include "model/TfjsGraphModel.h"

#include <QJsonArray>
#include <QRegularExpression>
#include <QSet>

namespace pc {

namespace {

const QString kPrefix = QStringLiteral("StatefulPartitionedCall/model/");

torch::Tensor toTorch(const TfjsTensor& t)
{
    auto out = torch::empty(t.shape, torch::kFloat32);
    std::memcpy(out.data_ptr<float>(), t.data.constData(), size_t(t.data.size()));
    return out;
}

// TF layouts → torch layouts.
torch::Tensor toTorchLayout(const QString& op, torch::Tensor w)
{
    if (op == QStringLiteral("_FusedMatMul"))
        return w.t().contiguous();                  // [in, out] → [out, in]
    if (op == QStringLiteral("FusedDepthwiseConv2dNative"))
        return w.permute({2, 3, 0, 1}).contiguous(); // [H, W, C, 1] → [C, 1, H, W]
    return w.permute({3, 2, 0, 1}).contiguous();     // HWIO → OIHW
}

struct Target {
    torch::Tensor weight, bias;
    int64_t stride = 1;
};

// Maps a node's scope ("stack_1/block_0/expand_bn") to the module layer it feeds.
std::optional<Target> targetFor(const QString& scope, EfficientNetB0& net, const std::vector<int>& stageStart)
{
    auto conv = [](const torch::nn::Conv2d& c) {
        return Target{c->weight, c->bias, c->options.stride()->at(0)};
    };
    if (scope == QStringLiteral("stem_bn"))
        return conv(net->stem->conv);
    if (scope == QStringLiteral("top_bn"))
        return conv(net->top);
    if (scope == QStringLiteral("logits"))
        return Target{net->classifier->weight, net->classifier->bias, 1};
    static const QRegularExpression re(QStringLiteral("^stack_(\\d+)/block_(\\d+)/(\\w+)$"));
    const auto m = re.match(scope);
    if (!m.hasMatch())
        return std::nullopt;
    const int stage = m.captured(1).toInt(), block = m.captured(2).toInt();
    if (stage >= int(stageStart.size()) - 1 || stageStart[stage] + block >= stageStart[stage + 1])
        return std::nullopt;
    auto mb = net->blocks[size_t(stageStart[stage] + block)]->as<MBConvImpl>();
    const QString layer = m.captured(3);
    if (layer == QStringLiteral("expand_bn") && mb->expand)
        return conv(mb->expand->conv);
    if (layer == QStringLiteral("depthwise_conv2d"))
        return conv(mb->depthwise->conv);
    if (layer == QStringLiteral("se_reduce_conv2d"))
        return conv(mb->seReduce);
    if (layer == QStringLiteral("se_expand_conv2d"))
        return conv(mb->seExpand);
    if (layer == QStringLiteral("project_bn"))
        return conv(mb->project);
    return std::nullopt;
}

QString shapeText(const torch::Tensor& t)
{
    QStringList dims;
    for (int64_t d : t.sizes())
        dims << QString::number(d);
    return QLatin1Char('[') + dims.join(QLatin1Char(',')) + QLatin1Char(']');
}

} // namespace

Expected<ImportReport> importEfficientNetB0(const TfjsGraphModel& graph, EfficientNetB0& net)
{
    torch::NoGradGuard noGrad;
    ImportReport report;
    QSet<QString> used;
    QSet<const void*> filled;

    std::vector<int> stageStart{0};
    for (const MBConvStage& s : efficientNetB0Stages())
        stageStart.push_back(stageStart.back() + int(s.repeats));

    auto copyInto = [&](torch::Tensor dst, torch::Tensor src, const QString& srcName, const QString& what) -> Status<> {
        if (!dst.sizes().equals(src.sizes()))
            return Error{QStringLiteral("%1: tensor %2 has shape %3, the model expects %4")
                             .arg(what, srcName, shapeText(src), shapeText(dst))};
        if (filled.contains(dst.data_ptr()))
            return Error{QStringLiteral("%1 is fed twice by the graph").arg(what)};
        dst.copy_(src);
        filled.insert(dst.data_ptr());
        used.insert(srcName);
        report.assignments << QStringLiteral("%1 <- %2 %3").arg(what, srcName, shapeText(src));
        return done();
    };
    auto floatConst = [&](const QString& name) -> const TfjsTensor* {
        const TfjsTensor* t = graph.tensor(name);
        return t && t->dtype == QStringLiteral("float32") ? t : nullptr;
    };
    // The graph spells a per-channel constant as BroadcastTo(const, Shape(x)).
    auto broadcastConst = [&](const QString& name) -> QString {
        const TfjsNode* n = graph.node(name);
        return n && n->op == QStringLiteral("BroadcastTo") && !n->inputs.isEmpty() ? n->inputs.first() : name;
    };

    for (const TfjsNode& node : graph.nodes()) {
        const QString& op = node.op;
        if (op == QStringLiteral("_FusedConv2D") || op == QStringLiteral("FusedDepthwiseConv2dNative")
            || op == QStringLiteral("_FusedMatMul")) {
            QString scope = node.name;
            scope.remove(0, scope.startsWith(kPrefix) ? kPrefix.size() : 0);
            scope.truncate(scope.lastIndexOf(QLatin1Char('/')));
            const auto target = targetFor(scope, net, stageStart);
            if (!target)
                return Error{QStringLiteral("graph node %1 has no counterpart in EfficientNetB0").arg(node.name)};
            if (node.inputs.size() < 3)
                return Error{QStringLiteral("graph node %1 lacks its weight or bias input").arg(node.name)};
            const TfjsTensor* w = floatConst(node.inputs[1]);
            const TfjsTensor* b = floatConst(node.inputs[2]);
            if (!w || !b)
                return Error{QStringLiteral("graph node %1: weight or bias is not a float constant").arg(node.name)};
            const QJsonArray strides = node.attr.value(QStringLiteral("strides")).toObject()
                                           .value(QStringLiteral("list")).toObject().value(QStringLiteral("i")).toArray();
            if (strides.size() == 4 && strides[1].toString().toLongLong() != target->stride)
                return Error{QStringLiteral("graph node %1 has stride %2, the model %3")
                                 .arg(node.name, strides[1].toString()).arg(target->stride)};
            if (auto s = copyInto(target->weight, toTorchLayout(op, toTorch(*w)), node.inputs[1], scope + QStringLiteral(".weight")); !s)
                return s.error();
            if (auto s = copyInto(target->bias, toTorch(*b), node.inputs[2], scope + QStringLiteral(".bias")); !s)
                return s.error();
        } else if (op == QStringLiteral("Mul") && node.inputs.contains(QStringLiteral("image_input"))) {
            const QString c = node.inputs.first() == QStringLiteral("image_input") ? node.inputs.last() : node.inputs.first();
            const TfjsTensor* t = floatConst(c);
            if (!t)
                return Error{QStringLiteral("input scaling constant %1 is missing").arg(c)};
            if (auto s = copyInto(net->inputScale, toTorch(*t).reshape({1}), c, QStringLiteral("input.scale")); !s)
                return s.error();
        } else if ((op == QStringLiteral("Sub") || op == QStringLiteral("RealDiv")) && node.inputs.size() == 2) {
            const QString c = broadcastConst(node.inputs[1]);
            const TfjsTensor* t = floatConst(c);
            if (!t)
                return Error{QStringLiteral("input normalisation constant %1 is missing").arg(c)};
            torch::Tensor dst = op == QStringLiteral("Sub") ? net->inputMean : net->inputStd;
            if (auto s = copyInto(dst, toTorch(*t).reshape({1, 3, 1, 1}), c,
                                  op == QStringLiteral("Sub") ? QStringLiteral("input.mean") : QStringLiteral("input.std")); !s)
                return s.error();
        }
    }

    for (auto it = graph.tensors().cbegin(); it != graph.tensors().cend(); ++it) {
        if (it->dtype != QStringLiteral("float32"))
            continue;
        ++report.floatTensorsTotal;
        if (!used.contains(it.key()))
            return Error{QStringLiteral("graph tensor %1 was not used by the import").arg(it.key())};
    }
    report.floatTensorsUsed = int(used.size());
    for (const auto& p : net->named_parameters())
        if (!filled.contains(p.value().data_ptr()))
            return Error{QStringLiteral("model parameter %1 was not filled from the graph").arg(QString::fromStdString(p.key()))};
    for (const auto& b : net->named_buffers())
        if (!filled.contains(b.value().data_ptr()))
            return Error{QStringLiteral("model buffer %1 was not filled from the graph").arg(QString::fromStdString(b.key()))};
    return report;
}

} // namespace pc
