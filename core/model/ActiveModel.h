#pragma once
// The model that serves predictions. Readers take a snapshot (a shared pointer) and keep it for the
// whole prediction, so a swap never blocks a reader, never fails it and never mixes two models.
#include "model/ClassifierHead.h"

#include <QString>
#include <memory>
#include <mutex>

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

    std::shared_ptr<const ModelSnapshot> snapshot() const
    {
        const std::lock_guard lock(m_mutex);
        return m_current;
    }
    void swap(std::shared_ptr<const ModelSnapshot> next)
    {
        {
            const std::lock_guard lock(m_mutex);
            m_current.swap(next);
        }
        // `next` now holds the old model: the last reader of it frees it, never under the lock.
    }

private:
    // A mutex, not std::atomic<shared_ptr>: libstdc++ 12's load() unlocks with a relaxed store, so
    // a later store() is not ordered after the read (ThreadSanitizer: TestActiveModel's
    // swapIsAtomicUnderLoad). The lock covers one pointer copy, next to a 20 ms prediction.
    mutable std::mutex m_mutex;
    std::shared_ptr<const ModelSnapshot> m_current;
};

} // namespace pc
