#pragma once
// The content-addressed image store: <root>/<first 2 hex>/<sha256> holds the original bytes.
// Files are written atomically and never change afterwards, so a name is proof of its content.
#include "Expected.h"

#include <QByteArray>
#include <QString>

namespace pc {

class ImageStore {
public:
    explicit ImageStore(QString root) : m_root(std::move(root)) {}

    static QString sha256(const QByteArray& bytes); // lower-case hex
    static bool isSha256(const QString& text);      // 64 lower-case hex digits: safe as a file name

    QString path(const QString& sha256) const;
    // Writes the bytes (temp file, fsync, rename) unless a complete copy is already there.
    Status<> put(const QString& sha256, const QByteArray& bytes) const;
    bool has(const QString& sha256, qint64 size) const;
    // The stored bytes, checked against their hash.
    Expected<QByteArray> read(const QString& sha256) const;

private:
    QString m_root;
};

} // namespace pc
