#pragma once
// The model petcurator-server predicts with: the newest live published model that passes the
// serving gate, else the zero-shot head. The gate: the bundle reads back for our 37 breeds and
// backbone, was trained on these exact backbone weights (its weights hash), and its head takes
// the backbone's 1280-wide embedding. A bundle that fails stays published (clients may still
// download it) but is never served; its verdict is remembered, so it is judged once.
//
// The swap is the desktop's ActiveModel: each prediction holds one snapshot from start to end, so
// a publish or rollback never fails or mixes a request in flight. refresh() runs after every
// publish and withdrawal, and at start; calls are serialised, and each reads the registry afresh,
// so the last one to finish always leaves the newest state served.
#include "Expected.h"
#include "model/ActiveModel.h"
#include "model/Predictor.h"

#include <QHash>
#include <memory>
#include <mutex>

namespace pc::server {

class ModelRegistry;

class ServedModel {
public:
    ServedModel(std::shared_ptr<const Backbone> backbone, DecodeLimits limits);

    // Re-reads the live models and swaps in the one to serve. Returns its version ("zero-shot"
    // or the registry's version number).
    Expected<QString> refresh(const ModelRegistry& registry);

    const Predictor& predictor() const { return m_predictor; }
    std::shared_ptr<const ModelSnapshot> snapshot() const { return m_active->snapshot(); }
    // Why a published model is not served, or empty when it is servable or unjudged.
    QString verdict(const QString& sha256) const;

private:
    std::shared_ptr<const Backbone> m_backbone;
    std::shared_ptr<ActiveModel> m_active;
    std::shared_ptr<const ModelSnapshot> m_zeroShot;
    Predictor m_predictor;

    mutable std::mutex m_refreshLock; // one refresh at a time; guards the two fields below
    QHash<QString, QString> m_rejected; // sha256 → why it is not served
    QString m_servedSha;                // of the snapshot now active; empty for zero-shot
};

} // namespace pc::server
