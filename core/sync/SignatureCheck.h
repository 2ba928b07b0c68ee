#pragma once
// Ed25519 verification of a model bundle's exact bytes against the server key pinned in the
// client's settings (OpenSSL). The server signs with core/server/ModelSigner.
#include <QByteArray>
#include <QString>

namespace pc::sync {

// True when `signature` (64 raw bytes) is `publicKey`'s (32 raw bytes) over `message`.
bool verifyEd25519(const QByteArray& publicKey, const QByteArray& message, const QByteArray& signature);

// The key id the server shows: the first 16 hex digits of SHA-256(public key).
QString keyId(const QByteArray& publicKey);

} // namespace pc::sync
