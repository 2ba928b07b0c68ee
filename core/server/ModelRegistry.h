#pragma once
// Published model bundles. A bundle is accepted only when the SHA-256 the publisher sent matches
// its bytes, it reads back as a valid bundle (its own checksum, its tensor table) and it was
// trained for the 37 Oxford breeds in catalogue order on our backbone. The server numbers
// versions 1, 2, … and signs each bundle's exact bytes with its Ed25519 key. Files are
// content-addressed: <dir>/<sha256>.pcmodel.
#include "server/AccountStore.h"
#include "server/ServerError.h"

#include <QJsonObject>
#include <QVector>
#include <memory>

namespace pc::server {

class ModelSigner;
class ServerDatabase;

struct PublishedModel {
    qint64 version = 0;
    QString sha256;
    qint64 bytes = 0;
    QString sourceVersion; // the version the publisher's workspace gave it ("v7")
    QJsonObject metrics;
    int classes = 0;
    QString publishedBy;
    QString published;
    QString signature;     // base64 of the 64-byte Ed25519 signature over the bundle bytes
    QString keyId;
    QString withdrawn;     // when it was withdrawn (rolled back); empty while live
};

class ModelRegistry {
public:
    ModelRegistry(std::shared_ptr<const ServerDatabase> db, const QString& dir, std::shared_ptr<const ModelSigner> signer);

    struct Publication {
        PublishedModel model;
        bool created = false; // false: these exact bytes were published before
    };
    ServerResult<Publication> publish(const Principal& who, const QByteArray& bytes, const QString& claimedSha256) const;
    ServerResult<QVector<PublishedModel>> list() const; // oldest first
    // The newest model not withdrawn.
    ServerResult<PublishedModel> latest() const;
    // Live (not withdrawn) models, newest first.
    ServerResult<QVector<PublishedModel>> live() const;
    ServerResult<PublishedModel> get(qint64 version) const;
    // The bundle's bytes, checked against the recorded SHA-256.
    ServerResult<QByteArray> bundle(const PublishedModel& model) const;
    QString bundlePath(const PublishedModel& model) const;
    // Rollback: the model stops being "latest" and served; false when it was withdrawn already.
    ServerResult<bool> withdraw(qint64 version) const;

private:
    std::shared_ptr<const ServerDatabase> m_db;
    QString m_dir;
    std::shared_ptr<const ModelSigner> m_signer;
};

} // namespace pc::server
