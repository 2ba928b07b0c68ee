#include "sync/TokenStore.h"

#include <QDir>
#include <QEventLoop>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>
#include <QStandardPaths>
#include <qt6keychain/keychain.h>

namespace pc::sync {

namespace {

const QString kService = QStringLiteral("PetCurator team server");
const QString kKey = QStringLiteral("api-token");

// Runs a keychain job to the end. QtKeychain is asynchronous; these calls come from worker
// threads or the CLI, where waiting is fine.
void runJob(QKeychain::Job& job)
{
    job.setAutoDelete(false);
    QEventLoop loop;
    QObject::connect(&job, &QKeychain::Job::finished, &loop, &QEventLoop::quit);
    job.start();
    loop.exec(QEventLoop::ExcludeUserInputEvents);
}

} // namespace

QString TokenStore::filePath()
{
    QString dir = QStandardPaths::writableLocation(QStandardPaths::GenericConfigLocation);
    return dir + QStringLiteral("/PetCurator/server-token");
}

Expected<QString> TokenStore::readTokenFile(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return Error{QStringLiteral("cannot read the token file %1: %2").arg(path, f.errorString())};
    const QString token = QString::fromUtf8(f.readLine(4096)).trimmed();
    if (token.isEmpty())
        return Error{QStringLiteral("the token file %1 is empty").arg(path)};
    return token;
}

Expected<StoredToken> TokenStore::read()
{
    {
        QKeychain::ReadPasswordJob job(kService);
        job.setKey(kKey);
        runJob(job);
        if (job.error() == QKeychain::NoError && !job.textData().isEmpty())
            return StoredToken{job.textData(), QStringLiteral("keychain")};
    }
    const QString path = filePath();
    if (!QFileInfo::exists(path))
        return StoredToken{};
    auto token = readTokenFile(path);
    if (!token)
        return token.error();
    return StoredToken{*token, path};
}

Expected<QString> TokenStore::write(const QString& token)
{
    {
        QKeychain::WritePasswordJob job(kService);
        job.setKey(kKey);
        job.setTextData(token.trimmed());
        runJob(job);
        if (job.error() == QKeychain::NoError) {
            QFile::remove(filePath()); // one place only
            return QStringLiteral("keychain");
        }
    }
    // No keychain service (a headless machine): a file only the owner can read.
    const QString path = filePath();
    QDir().mkpath(QFileInfo(path).absolutePath());
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly) || !f.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner))
        return Error{QStringLiteral("cannot write the token file %1: %2").arg(path, f.errorString())};
    f.write(token.trimmed().toUtf8() + '\n');
    if (!f.commit())
        return Error{QStringLiteral("cannot write the token file %1: %2").arg(path, f.errorString())};
    return path;
}

Status<> TokenStore::clear()
{
    QKeychain::DeletePasswordJob job(kService);
    job.setKey(kKey);
    runJob(job);
    if (QFileInfo::exists(filePath()) && !QFile::remove(filePath()))
        return Error{QStringLiteral("cannot remove the token file %1").arg(filePath())};
    return done();
}

} // namespace pc::sync
