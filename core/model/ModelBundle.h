#pragma once
// One self-describing file per model version:
//   "PCMODEL1"                         8-byte magic
//   u32 little-endian manifest length, then the manifest (UTF-8 JSON)
//   tensor payload (float32, little-endian, in manifest order)
//   32-byte SHA-256 of everything before it
// The manifest holds version, parent, classes, backbone id and weights hash, preprocessing,
// metrics, created, and the tensor table (name, shape, offset). Writes are atomic (temp file,
// fsync, rename); reads verify the checksum and what the caller expects before returning anything.
#include "Expected.h"
#include "model/ClassifierHead.h"

#include <QDateTime>
#include <QJsonObject>
#include <map>
#include <string>

namespace pc {

struct ModelBundle {
    QString version;
    QString parent;
    QDateTime created;
    QString backboneId;
    QString weightsHash;        // of the base backbone the head was trained on
    QJsonObject preprocessing;  // {"resize_shorter": 256, "crop": 224, "range": [0,1]}
    QJsonObject metrics;
    ClassifierHead head;
    // Fine-tuned backbone parameters (empty for a head-only model): name → N-d CV_32F.
    std::map<std::string, cv::Mat> backboneTensors;

    static QJsonObject defaultPreprocessing();
};

struct BundleExpectations {
    QStringList classes;        // empty: don't check
    QString backboneId;         // empty: don't check
    QString weightsHash;        // empty: don't check
};

// Returns the SHA-256 (hex) of the written file.
Expected<QString> writeModelBundle(const ModelBundle& bundle, const QString& path);
Expected<ModelBundle> readModelBundle(const QString& path, const BundleExpectations& expect = {});

} // namespace pc
