#pragma once
// The server's Ed25519 signing key (OpenSSL). Created on first use as a PKCS#8 PEM file that only
// its owner can read; published bundles are signed over their exact bytes, and clients pin the
// public key (GET /api/v1/signing-key).
#include "Expected.h"

#include <QByteArray>
#include <QString>
#include <memory>

namespace pc::server {

class ModelSigner {
public:
    // Loads `keyPath`, or creates it (mode 0600) when it does not exist.
    static Expected<std::shared_ptr<ModelSigner>> openOrCreate(const QString& keyPath);
    ~ModelSigner();

    QByteArray publicKey() const { return m_publicKey; } // 32 raw bytes
    QString keyId() const;                                // first 16 hex digits of SHA-256(public key)
    Expected<QByteArray> sign(const QByteArray& message) const; // 64 raw bytes

    static bool verify(const QByteArray& publicKey, const QByteArray& message, const QByteArray& signature);

private:
    ModelSigner() = default;
    void* m_key = nullptr; // EVP_PKEY*, kept out of this header
    QByteArray m_publicKey;
};

} // namespace pc::server
