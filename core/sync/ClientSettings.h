#pragma once
// The team-server settings of this user, shared by the app and petcurator-cli (QSettings,
// organisation PetCurator, application petcurator, group "sync"). The token is not here: it
// lives in the keychain (TokenStore).
#include <QByteArray>
#include <QString>

namespace pc::sync {

struct ClientSettings {
    QString serverUrl;          // empty: no team server
    QByteArray pinnedKey;       // the server's Ed25519 public key (32 bytes); empty: none pinned yet
    bool trustServerModels = false; // activate the server's model without the local gate
    int intervalSeconds = 60;   // the app syncs this often while it runs

    static ClientSettings load();
    void save() const;

    // The URL to use: `flag` when given, else $PETCURATOR_SERVER, else the saved one.
    QString effectiveUrl(const QString& flag = {}) const;
};

} // namespace pc::sync
