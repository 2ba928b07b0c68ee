#include "server/ServedModel.h"

#include "model/Backbone.h"
#include "model/BreedCatalog.h"
#include "model/ModelBundle.h"
#include "model/ZeroShotHead.h"
#include "server/ModelRegistry.h"

namespace pc::server {

namespace {

const QString kZeroShot = QStringLiteral("zero-shot");

} // namespace

ServedModel::ServedModel(std::shared_ptr<const Backbone> backbone, DecodeLimits limits)
    : m_backbone(backbone)
    , m_active(std::make_shared<ActiveModel>())
    , m_zeroShot(std::make_shared<const ModelSnapshot>(ModelSnapshot{kZeroShot, makeZeroShotHead(*backbone), nullptr}))
    , m_predictor(backbone, m_active, limits)
{
    m_active->swap(m_zeroShot);
}

QString ServedModel::verdict(const QString& sha256) const
{
    std::lock_guard lock(m_refreshLock);
    return m_rejected.value(sha256);
}

Expected<QString> ServedModel::refresh(const ModelRegistry& registry)
{
    std::lock_guard lock(m_refreshLock);
    auto live = registry.live();
    if (!live)
        return Error{live.error().message};
    for (const PublishedModel& m : *live) {
        if (m_rejected.contains(m.sha256))
            continue;
        if (m.sha256 == m_servedSha)
            return m_active->snapshot()->version; // already served: no reload
        auto bundle = readModelBundle(registry.bundlePath(m), {BreedCatalog::oxford().ids(), QString::fromLatin1(Backbone::kId), {}});
        QString why;
        if (!bundle)
            why = bundle.error().message;
        else if (bundle->weightsHash != m_backbone->weightsHash())
            why = QStringLiteral("trained on other backbone weights (%1, the server has %2)").arg(bundle->weightsHash.left(16), m_backbone->weightsHash().left(16));
        else if (bundle->head.inputSize() != Backbone::kEmbeddingSize)
            why = QStringLiteral("its head takes %1 inputs, not the backbone's %2").arg(bundle->head.inputSize()).arg(Backbone::kEmbeddingSize);
        if (!why.isEmpty()) {
            qWarning("petcurator-server: model %lld is published but not served: %s", m.version, qPrintable(why));
            m_rejected.insert(m.sha256, why);
            continue;
        }
        auto next = std::make_shared<ModelSnapshot>(ModelSnapshot{QString::number(m.version), bundle->head, nullptr});
        if (!bundle->backboneTensors.empty()) {
            auto tuned = m_backbone->withTunedTensors(bundle->backboneTensors);
            if (!tuned) {
                m_rejected.insert(m.sha256, tuned.error().message);
                continue;
            }
            next->backbone = *tuned;
        }
        m_active->swap(std::move(next));
        m_servedSha = m.sha256;
        return QString::number(m.version);
    }
    m_active->swap(m_zeroShot);
    m_servedSha.clear();
    return kZeroShot;
}

} // namespace pc::server
