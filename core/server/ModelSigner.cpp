#include "server/ModelSigner.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

namespace pc::server {

namespace {

QString opensslError()
{
    char buffer[256] = {};
    ERR_error_string_n(ERR_get_error(), buffer, sizeof buffer);
    return QString::fromLatin1(buffer);
}

} // namespace

ModelSigner::~ModelSigner()
{
    EVP_PKEY_free(static_cast<EVP_PKEY*>(m_key));
}

Expected<std::shared_ptr<ModelSigner>> ModelSigner::openOrCreate(const QString& keyPath)
{
    std::shared_ptr<ModelSigner> signer(new ModelSigner);
    EVP_PKEY* key = nullptr;
    if (QFileInfo::exists(keyPath)) {
        QFile f(keyPath);
        if (!f.open(QIODevice::ReadOnly))
            return Error{QStringLiteral("cannot read the signing key %1: %2").arg(keyPath, f.errorString())};
        const QByteArray pem = f.readAll();
        BIO* bio = BIO_new_mem_buf(pem.constData(), int(pem.size()));
        key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
        BIO_free(bio);
        if (!key || EVP_PKEY_id(key) != EVP_PKEY_ED25519) {
            EVP_PKEY_free(key);
            return Error{QStringLiteral("%1 is not an Ed25519 private key").arg(keyPath)};
        }
    } else {
        EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nullptr);
        const bool ok = ctx && EVP_PKEY_keygen_init(ctx) > 0 && EVP_PKEY_keygen(ctx, &key) > 0;
        EVP_PKEY_CTX_free(ctx);
        if (!ok)
            return Error{QStringLiteral("cannot create an Ed25519 key: %1").arg(opensslError())};
        BIO* bio = BIO_new(BIO_s_mem());
        PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
        char* data = nullptr;
        const long size = BIO_get_mem_data(bio, &data);
        const QByteArray pem(data, size);
        BIO_free(bio);
        QDir().mkpath(QFileInfo(keyPath).absolutePath());
        // Owner-only before a byte of the key is written; NewOnly never follows another's file.
        QFile f(keyPath);
        if (!f.open(QIODevice::WriteOnly | QIODevice::NewOnly) || !f.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner)
            || f.write(pem) != pem.size() || !f.flush()) {
            EVP_PKEY_free(key);
            return Error{QStringLiteral("cannot write the signing key %1: %2").arg(keyPath, f.errorString())};
        }
    }
    signer->m_key = key;
    size_t length = 32;
    signer->m_publicKey.resize(32);
    if (EVP_PKEY_get_raw_public_key(key, reinterpret_cast<unsigned char*>(signer->m_publicKey.data()), &length) <= 0 || length != 32)
        return Error{QStringLiteral("cannot read the public half of %1").arg(keyPath)};
    return signer;
}

QString ModelSigner::keyId() const
{
    return QString::fromLatin1(QCryptographicHash::hash(m_publicKey, QCryptographicHash::Sha256).toHex().left(16));
}

Expected<QByteArray> ModelSigner::sign(const QByteArray& message) const
{
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    QByteArray signature(64, Qt::Uninitialized);
    size_t length = size_t(signature.size());
    const bool ok = ctx && EVP_DigestSignInit(ctx, nullptr, nullptr, nullptr, static_cast<EVP_PKEY*>(m_key)) > 0
        && EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(signature.data()), &length,
                          reinterpret_cast<const unsigned char*>(message.constData()), size_t(message.size())) > 0;
    EVP_MD_CTX_free(ctx);
    if (!ok || length != 64)
        return Error{QStringLiteral("cannot sign: %1").arg(opensslError())};
    return signature;
}

bool ModelSigner::verify(const QByteArray& publicKey, const QByteArray& message, const QByteArray& signature)
{
    if (publicKey.size() != 32 || signature.size() != 64)
        return false;
    EVP_PKEY* key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr,
                                                reinterpret_cast<const unsigned char*>(publicKey.constData()), 32);
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    const bool ok = key && ctx && EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, key) > 0
        && EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature.constData()), 64,
                            reinterpret_cast<const unsigned char*>(message.constData()), size_t(message.size())) == 1;
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(key);
    return ok;
}

} // namespace pc::server
