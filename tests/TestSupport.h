#pragma once
// Paths and shared fixtures for the tests. Data is real: the Oxford-IIIT Pet sample and the
// pretrained weights fetched by scripts/fetch-weights.sh.
#include "model/Backbone.h"

#include <QDir>
#include <QString>
#include <QTest>
#include <opencv2/core.hpp>

namespace pc::test {

inline QString sampleDir() { return QStringLiteral(PC_SAMPLE_DIR); }
inline QString sampleImage(const QString& name) { return sampleDir() + QStringLiteral("/images/") + name; }
inline QString sourceDir() { return QStringLiteral(PC_SOURCE_DIR); }
inline QString cliPath() { return QStringLiteral(PC_BINARY_DIR "/app/petcurator-cli"); }

// One backbone per test process: loading it takes ~0.4 s.
inline std::shared_ptr<const Backbone> backbone()
{
    static std::shared_ptr<const Backbone> b = [] {
        auto loaded = Backbone::load();
        if (!loaded)
            qFatal("cannot load the backbone: %s", qPrintable(loaded.error().message));
        return std::shared_ptr<const Backbone>(*loaded);
    }();
    return b;
}

} // namespace pc::test
