#include "model/ModelBundle.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSaveFile>
#include <QSet>
#include <QtEndian>
#include <fcntl.h>
#include <opencv2/core.hpp>
#include <unistd.h>

namespace pc {

namespace {

constexpr char kMagic[8] = {'P', 'C', 'M', 'O', 'D', 'E', 'L', '1'};
constexpr qint64 kHeaderBytes = 8 + 4;
constexpr qint64 kTrailerBytes = 32;
constexpr int kFormat = 1;
// Bounds that keep a corrupt or hostile file from making us allocate without limit. The whole
// EfficientNet-B0 is ~21 MB of float32 and a 37-class manifest a few kB.
constexpr qint64 kMaxManifestBytes = 16ll << 20;
constexpr qint64 kMaxFileBytes = 512ll << 20;
constexpr int kMaxDims = 8;

struct Tensor {
    std::string name;
    cv::Mat value; // CV_32F, continuous
};

QString shapeText(const std::vector<int>& shape)
{
    QStringList parts;
    for (int d : shape)
        parts << QString::number(d);
    return parts.join(QLatin1Char('x'));
}

std::vector<int> shapeOf(const cv::Mat& m)
{
    return std::vector<int>(m.size.p, m.size.p + m.dims);
}

cv::Mat continuousFloat(const cv::Mat& m)
{
    return m.isContinuous() ? m : m.clone();
}

// fsync the directory so that the rename itself survives a power cut.
void syncDirectory(const QString& filePath)
{
    const QByteArray dir = QFile::encodeName(QFileInfo(filePath).absolutePath());
    const int fd = ::open(dir.constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
}

} // namespace

QJsonObject ModelBundle::defaultPreprocessing()
{
    return {{QStringLiteral("resize_shorter"), 256}, {QStringLiteral("crop"), 224},
            {QStringLiteral("range"), QJsonArray{0, 1}}};
}

Expected<QString> writeModelBundle(const ModelBundle& bundle, const QString& path)
{
    const ClassifierHead& head = bundle.head;
    if (!head.isValid())
        return Error{QStringLiteral("cannot write model bundle %1: the head is empty").arg(path)};
    if (int(head.learned().size()) != head.classes().size())
        return Error{QStringLiteral("cannot write model bundle %1: learned mask does not match the classes").arg(path)};

    std::vector<Tensor> tensors;
    for (size_t i = 0; i < head.layers().size(); ++i) {
        const DenseLayer& layer = head.layers()[i];
        if (layer.weight.type() != CV_32F || layer.bias.type() != CV_32F || layer.bias.total() != size_t(layer.weight.rows))
            return Error{QStringLiteral("cannot write model bundle %1: head layer %2 is malformed").arg(path).arg(i)};
        const std::string prefix = "head." + std::to_string(i);
        tensors.push_back({prefix + ".weight", continuousFloat(layer.weight)});
        tensors.push_back({prefix + ".bias", continuousFloat(layer.bias).reshape(1, 1)});
    }
    for (const auto& [name, value] : bundle.backboneTensors) {
        if (value.type() != CV_32F || value.empty() || value.dims > kMaxDims)
            return Error{QStringLiteral("cannot write model bundle %1: backbone tensor %2 is not float32")
                             .arg(path, QString::fromStdString(name))};
        tensors.push_back({"backbone." + name, continuousFloat(value)});
    }

    QJsonArray table;
    qint64 offset = 0;
    for (const Tensor& t : tensors) {
        QJsonArray shape;
        for (int d : shapeOf(t.value))
            shape.append(d);
        table.append(QJsonObject{{QStringLiteral("name"), QString::fromStdString(t.name)},
                                 {QStringLiteral("shape"), shape},
                                 {QStringLiteral("offset"), offset}});
        offset += qint64(t.value.total() * sizeof(float));
    }
    QJsonArray learned;
    for (bool l : head.learned())
        learned.append(l);
    const QJsonObject manifest{
        {QStringLiteral("format"), kFormat},
        {QStringLiteral("version"), bundle.version},
        {QStringLiteral("parent"), bundle.parent},
        {QStringLiteral("created"), bundle.created.toUTC().toString(Qt::ISODateWithMs)},
        {QStringLiteral("backbone_id"), bundle.backboneId},
        {QStringLiteral("weights_hash"), bundle.weightsHash},
        {QStringLiteral("preprocessing"), bundle.preprocessing},
        {QStringLiteral("metrics"), bundle.metrics},
        {QStringLiteral("classes"), QJsonArray::fromStringList(head.classes())},
        {QStringLiteral("learned"), learned},
        {QStringLiteral("head_layers"), int(head.layers().size())},
        {QStringLiteral("payload_bytes"), offset},
        {QStringLiteral("tensors"), table},
    };
    const QByteArray json = QJsonDocument(manifest).toJson(QJsonDocument::Compact);
    if (json.size() > kMaxManifestBytes)
        return Error{QStringLiteral("cannot write model bundle %1: manifest too large").arg(path)};

    QByteArray bytes;
    bytes.reserve(qsizetype(kHeaderBytes + json.size() + offset + kTrailerBytes));
    bytes.append(kMagic, sizeof kMagic);
    char length[4];
    qToLittleEndian<quint32>(quint32(json.size()), length);
    bytes.append(length, 4);
    bytes.append(json);
    for (const Tensor& t : tensors) {
        const qsizetype at = bytes.size();
        bytes.resize(at + qsizetype(t.value.total() * sizeof(float)));
        qToLittleEndian<float>(t.value.ptr<float>(), qsizetype(t.value.total()), bytes.data() + at);
    }
    bytes.append(QCryptographicHash::hash(bytes, QCryptographicHash::Sha256));

    // QSaveFile writes a temp file next to the target and renames it over on commit, so a reader
    // sees the old bundle or the new one, never half of one. It never falls back to writing in place.
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return Error{QStringLiteral("cannot write model bundle %1: %2").arg(path, file.errorString())};
    const qint64 written = file.write(bytes);
    if (written != bytes.size() || !file.flush()) {
        const QString why = file.error() != QFileDevice::NoError
            ? file.errorString()
            : QStringLiteral("only %1 of %2 bytes written").arg(std::max<qint64>(written, 0)).arg(bytes.size());
        file.cancelWriting(); // commit() is never called: the temp file goes, the old bundle stays
        return Error{QStringLiteral("cannot write model bundle %1: %2").arg(path, why)};
    }
    // Data on disk before the rename makes it visible (QSaveFile's own sync is best-effort).
    if (::fsync(file.handle()) != 0) {
        file.cancelWriting();
        return Error{QStringLiteral("cannot write model bundle %1: fsync failed").arg(path)};
    }
    if (!file.commit())
        return Error{QStringLiteral("cannot write model bundle %1: %2").arg(path, file.errorString())};
    syncDirectory(path);
    return QString::fromLatin1(QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex());
}

Expected<ModelBundle> readModelBundle(const QString& path, const BundleExpectations& expect)
{
    const QString name = QFileInfo(path).fileName();
    auto corrupt = [&](const QString& why) { return Error{QStringLiteral("model bundle %1 is corrupt: %2").arg(name, why)}; };

    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return Error{QStringLiteral("cannot read model bundle %1: %2").arg(path, file.errorString())};
    const qint64 size = file.size();
    if (size > kMaxFileBytes)
        return corrupt(QStringLiteral("%1 bytes is more than a model bundle can be").arg(size));
    if (size < kHeaderBytes + kTrailerBytes) {
        if (file.read(8) != QByteArray(kMagic, 8) && size >= 8)
            return Error{QStringLiteral("%1 is not a model bundle").arg(name)};
        return corrupt(QStringLiteral("truncated (%1 bytes)").arg(size));
    }
    const QByteArray bytes = file.read(size); // never more than was checked, even if the file grows
    file.close();
    if (bytes.size() != size)
        return Error{QStringLiteral("cannot read model bundle %1: short read").arg(path)};

    if (bytes.left(8) != QByteArray(kMagic, 8))
        return Error{QStringLiteral("%1 is not a model bundle").arg(name)};
    const qint64 manifestBytes = qFromLittleEndian<quint32>(bytes.constData() + 8);
    if (manifestBytes < 2 || manifestBytes > kMaxManifestBytes || kHeaderBytes + manifestBytes + kTrailerBytes > size)
        return corrupt(QStringLiteral("manifest length %1 out of bounds").arg(manifestBytes));

    // The checksum comes before anything is parsed: a flipped bit anywhere reads as exactly that.
    const qint64 bodyBytes = size - kTrailerBytes;
    const QByteArray actual = QCryptographicHash::hash(QByteArrayView(bytes.constData(), bodyBytes), QCryptographicHash::Sha256);
    if (actual != bytes.right(kTrailerBytes))
        return corrupt(QStringLiteral("checksum mismatch"));

    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(bytes.mid(kHeaderBytes, manifestBytes), &parseError);
    if (parseError.error != QJsonParseError::NoError || !doc.isObject())
        return corrupt(QStringLiteral("manifest is not a JSON object (%1)").arg(parseError.errorString()));
    const QJsonObject m = doc.object();
    if (m.value(QStringLiteral("format")).toInt() != kFormat)
        return Error{QStringLiteral("model bundle %1 has format %2; this version reads format %3")
                         .arg(name).arg(m.value(QStringLiteral("format")).toInt()).arg(kFormat)};

    const char* payload = bytes.constData() + kHeaderBytes + manifestBytes;
    const qint64 payloadBytes = bodyBytes - kHeaderBytes - manifestBytes;
    if (m.value(QStringLiteral("payload_bytes")).toInteger(-1) != payloadBytes)
        return corrupt(QStringLiteral("payload is %1 bytes, manifest says %2")
                           .arg(payloadBytes).arg(m.value(QStringLiteral("payload_bytes")).toInteger(-1)));

    // The tensor table: contiguous, in order, every shape within the payload before any allocation.
    std::map<std::string, cv::Mat> tensors;
    std::vector<std::string> order;
    qint64 expectedOffset = 0;
    for (const QJsonValue& v : m.value(QStringLiteral("tensors")).toArray()) {
        const QJsonObject t = v.toObject();
        const std::string tname = t.value(QStringLiteral("name")).toString().toStdString();
        const QJsonArray shapeJson = t.value(QStringLiteral("shape")).toArray();
        if (tname.empty() || tensors.count(tname))
            return corrupt(QStringLiteral("tensor table has a missing or repeated name"));
        if (shapeJson.isEmpty() || shapeJson.size() > kMaxDims)
            return corrupt(QStringLiteral("tensor %1 has %2 dimensions").arg(QString::fromStdString(tname)).arg(shapeJson.size()));
        std::vector<int> shape;
        qint64 count = 1;
        for (const QJsonValue& d : shapeJson) {
            const qint64 n = d.toInteger(-1);
            if (n < 1 || n > payloadBytes / qint64(sizeof(float)))
                return corrupt(QStringLiteral("tensor %1 has an impossible shape").arg(QString::fromStdString(tname)));
            count *= n;
            if (count > payloadBytes / qint64(sizeof(float)))
                return corrupt(QStringLiteral("tensor %1 is larger than the payload").arg(QString::fromStdString(tname)));
            shape.push_back(int(n));
        }
        const qint64 offset = t.value(QStringLiteral("offset")).toInteger(-1);
        const qint64 nbytes = count * qint64(sizeof(float));
        if (offset != expectedOffset || offset + nbytes > payloadBytes)
            return corrupt(QStringLiteral("tensor %1 lies outside the payload").arg(QString::fromStdString(tname)));
        expectedOffset += nbytes;
        cv::Mat value(int(shape.size()), shape.data(), CV_32F);
        qFromLittleEndian<float>(payload + offset, qsizetype(count), value.ptr<float>());
        tensors.emplace(tname, value);
        order.push_back(tname);
    }
    if (expectedOffset != payloadBytes)
        return corrupt(QStringLiteral("payload has %1 bytes the tensor table doesn't account for").arg(payloadBytes - expectedOffset));

    // The head: layers chained in → … → classes, and the mask one flag per class.
    QStringList classes;
    for (const QJsonValue& c : m.value(QStringLiteral("classes")).toArray())
        classes << c.toString();
    const QJsonArray learnedJson = m.value(QStringLiteral("learned")).toArray();
    const int layerCount = m.value(QStringLiteral("head_layers")).toInt();
    if (classes.isEmpty() || learnedJson.size() != classes.size())
        return corrupt(QStringLiteral("classes and learned mask don't match"));
    if (layerCount < 1 || layerCount > 16)
        return corrupt(QStringLiteral("head has %1 layers").arg(layerCount));
    std::vector<DenseLayer> layers;
    for (int i = 0; i < layerCount; ++i) {
        const std::string prefix = "head." + std::to_string(i);
        auto w = tensors.find(prefix + ".weight");
        auto b = tensors.find(prefix + ".bias");
        if (w == tensors.end() || b == tensors.end())
            return corrupt(QStringLiteral("head layer %1 is missing").arg(i));
        const cv::Mat& weight = w->second;
        const cv::Mat& bias = b->second;
        const int expectedIn = layers.empty() ? weight.size[1] : layers.back().weight.rows;
        const int expectedOut = i + 1 == layerCount ? int(classes.size()) : weight.size[0];
        if (weight.dims != 2 || bias.dims != 2 || bias.rows != 1 || weight.cols != expectedIn
            || weight.rows != expectedOut || bias.cols != weight.rows)
            return corrupt(QStringLiteral("head layer %1 has shapes %2 and %3")
                               .arg(i).arg(shapeText(shapeOf(weight)), shapeText(shapeOf(bias))));
        layers.push_back({weight, bias});
    }
    std::vector<bool> learned;
    for (const QJsonValue& l : learnedJson)
        learned.push_back(l.toBool());

    ModelBundle bundle;
    bundle.version = m.value(QStringLiteral("version")).toString();
    bundle.parent = m.value(QStringLiteral("parent")).toString();
    bundle.created = QDateTime::fromString(m.value(QStringLiteral("created")).toString(), Qt::ISODateWithMs);
    bundle.backboneId = m.value(QStringLiteral("backbone_id")).toString();
    bundle.weightsHash = m.value(QStringLiteral("weights_hash")).toString();
    bundle.preprocessing = m.value(QStringLiteral("preprocessing")).toObject();
    bundle.metrics = m.value(QStringLiteral("metrics")).toObject();
    bundle.head = ClassifierHead(classes, std::move(layers), std::move(learned));
    for (const std::string& tname : order) {
        if (tname.rfind("backbone.", 0) == 0)
            bundle.backboneTensors.emplace(tname.substr(9), tensors[tname]);
        else if (tname.rfind("head.", 0) != 0)
            return corrupt(QStringLiteral("unknown tensor %1").arg(QString::fromStdString(tname)));
    }
    if (int(tensors.size()) != 2 * layerCount + int(bundle.backboneTensors.size()))
        return corrupt(QStringLiteral("head has tensors beyond its %1 layers").arg(layerCount));

    // What the caller needs: a head for another class list or backbone would silently mislabel.
    if (!expect.classes.isEmpty() && expect.classes != classes)
        return Error{QStringLiteral("model bundle %1 was trained for classes %2, not %3")
                         .arg(name, classes.mid(0, 4).join(QLatin1Char(',')) + (classes.size() > 4 ? QStringLiteral(",… (%1)").arg(classes.size()) : QString()),
                              expect.classes.mid(0, 4).join(QLatin1Char(',')) + (expect.classes.size() > 4 ? QStringLiteral(",… (%1)").arg(expect.classes.size()) : QString()))};
    if (!expect.backboneId.isEmpty() && expect.backboneId != bundle.backboneId)
        return Error{QStringLiteral("model bundle %1 needs backbone %2, not %3").arg(name, bundle.backboneId, expect.backboneId)};
    if (!expect.weightsHash.isEmpty() && expect.weightsHash != bundle.weightsHash)
        return Error{QStringLiteral("model bundle %1 was trained on backbone weights %2, not %3")
                         .arg(name, bundle.weightsHash.left(12), expect.weightsHash.left(12))};
    return bundle;
}

} // namespace pc
