#include "sync/ModelPuller.h"

#include "sync/SignatureCheck.h"
#include "workspace/ImageStore.h"
#include "workspace/SyncLedger.h"
#include "workspace/Workspace.h"

#include <QDir>
#include <QSaveFile>

namespace pc::sync {

StepResult ModelPuller::pull(const QByteArray& pinnedKey, bool pinOnFirstContact)
{
    const HttpResult latest = m_client.get(QStringLiteral("/api/v1/models/latest"));
    if (latest.status == 404) {
        m_note = QStringLiteral("no model published yet");
        return StepResult::success();
    }
    if (!latest.ok())
        return StepResult::failure(QStringLiteral("reading the latest model: %1").arg(latest.message()), latest.transient());
    const QJsonObject record = latest.json();
    const qint64 version = record.value(QStringLiteral("version")).toInteger();
    const QString sha = record.value(QStringLiteral("sha256")).toString();
    if (version <= 0 || !ImageStore::isSha256(sha))
        return StepResult::failure(QStringLiteral("the server's model record is not what this client understands"), false);
    const auto last = m_ledger.lastServerModel();
    if (!last)
        return StepResult::failure(last.error().message, false);
    if (version <= *last) {
        m_note = QStringLiteral("server model %1 taken in already").arg(version);
        return StepResult::success();
    }

    // The key first: nothing unverifiable is downloaded into the workspace.
    const HttpResult keyReply = m_client.get(QStringLiteral("/api/v1/signing-key"));
    if (!keyReply.ok())
        return StepResult::failure(QStringLiteral("reading the server's signing key: %1").arg(keyReply.message()), keyReply.transient());
    const QByteArray serverKey = QByteArray::fromBase64(keyReply.json().value(QStringLiteral("public_key")).toString().toLatin1());
    if (serverKey.size() != 32)
        return StepResult::failure(QStringLiteral("the server offers no usable Ed25519 signing key"), false);
    QByteArray key = pinnedKey;
    if (key.isEmpty()) {
        if (!pinOnFirstContact)
            return StepResult::failure(
                QStringLiteral("model %1 refused: the server's signing key (id %2) is not pinned yet; trust it once with "
                               "'petcurator-cli sync --trust-server-key' or in the app's Team server settings")
                    .arg(version).arg(keyId(serverKey)),
                false);
        key = m_keyToPin = serverKey;
    } else if (key != serverKey) {
        return StepResult::failure(
            QStringLiteral("model %1 refused: the server's signing key changed (pinned %2, the server now offers %3); "
                           "if the server's key was replaced on purpose, forget the pinned key and trust the new one")
                .arg(version).arg(keyId(key), keyId(serverKey)),
            false);
    }

    const HttpResult bundle = m_client.get(QStringLiteral("/api/v1/models/%1/bundle").arg(version));
    if (!bundle.ok())
        return StepResult::failure(QStringLiteral("downloading model %1: %2").arg(version).arg(bundle.message()), bundle.transient());
    const QString actual = ImageStore::sha256(bundle.body);
    const QString claimed = QString::fromLatin1(bundle.header("X-Checksum-Sha256"));
    if (actual != sha || (!claimed.isEmpty() && claimed != sha))
        return StepResult::failure(QStringLiteral("model %1 refused: its bytes do not match the published checksum (tampered or damaged)").arg(version), false);
    const QByteArray signature = QByteArray::fromBase64(bundle.header("X-Signature-Ed25519"));
    if (signature.isEmpty())
        return StepResult::failure(QStringLiteral("model %1 refused: the bundle is unsigned").arg(version), false);
    if (!verifyEd25519(key, bundle.body, signature))
        return StepResult::failure(
            QStringLiteral("model %1 refused: its Ed25519 signature does not verify against the pinned server key %2 (tampered)")
                .arg(version).arg(keyId(key)),
            false);

    const QString path = QDir(m_ws.modelsDir()).filePath(QStringLiteral("server-%1.pcmodel").arg(version));
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(bundle.body) != bundle.body.size() || !f.commit())
        return StepResult::failure(QStringLiteral("cannot write %1: %2").arg(path, f.errorString()), false);
    m_fetched = FetchedModel{version, path, sha, record.value(QStringLiteral("published_by")).toString(),
                             record.value(QStringLiteral("metrics")).toObject()};
    return StepResult::success();
}

} // namespace pc::sync
