#pragma once
// The model that serves predictions. Readers take a snapshot (a shared pointer) and keep it for the
// whole prediction, so a swap never blocks a reader, never fails it and never mixes two models.
#include "model/ClassifierHead.h"

#include <QString>
#include <atomic>
#include <memory>

namespace pc {

class Backbone;

struct ModelSnapshot {
    QString version;       // "zero-shot" or the bundle version, e.g. "v7"
    ClassifierHead head;
    // A model that fine-tuned the backbone's last blocks brings its own; null: the shared one.
    std::shared_ptr<const Backbone> backbone;
};

class ActiveModel {
public:
    explicit ActiveModel(std::shared_ptr<const ModelSnapshot> initial = {}) : m_current(std::move(initial)) {}

    std::shared_ptr<const ModelSnapshot> snapshot() const { return m_current.load(std::memory_order_acquire); }
    void swap(std::shared_ptr<const ModelSnapshot> next) { m_current.store(std::move(next), std::memory_order_release); }

private:
    std::atomic<std::shared_ptr<const ModelSnapshot>> m_current;
};

} // namespace pc
