#include "sync/ClientSettings.h"

#include <QSettings>

#include <algorithm>

namespace pc::sync {

ClientSettings ClientSettings::load()
{
    QSettings s(QStringLiteral("PetCurator"), QStringLiteral("petcurator"));
    s.beginGroup(QStringLiteral("sync"));
    ClientSettings c;
    c.serverUrl = s.value(QStringLiteral("server_url")).toString();
    c.pinnedKey = QByteArray::fromBase64(s.value(QStringLiteral("pinned_key")).toByteArray());
    c.trustServerModels = s.value(QStringLiteral("trust_server_models"), false).toBool();
    c.intervalSeconds = std::max(10, s.value(QStringLiteral("interval_seconds"), 60).toInt());
    return c;
}

void ClientSettings::save() const
{
    QSettings s(QStringLiteral("PetCurator"), QStringLiteral("petcurator"));
    s.beginGroup(QStringLiteral("sync"));
    s.setValue(QStringLiteral("server_url"), serverUrl);
    s.setValue(QStringLiteral("pinned_key"), QString::fromLatin1(pinnedKey.toBase64()));
    s.setValue(QStringLiteral("trust_server_models"), trustServerModels);
    s.setValue(QStringLiteral("interval_seconds"), intervalSeconds);
    s.endGroup();
    s.sync();
}

QString ClientSettings::effectiveUrl(const QString& flag) const
{
    if (!flag.trimmed().isEmpty())
        return flag.trimmed();
    const QString fromEnv = qEnvironmentVariable("PETCURATOR_SERVER").trimmed();
    return fromEnv.isEmpty() ? serverUrl.trimmed() : fromEnv;
}

} // namespace pc::sync
