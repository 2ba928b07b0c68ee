#pragma once
// The API token: in the system keychain (QtKeychain: Secret Service, KWallet) when one runs,
// else in a file only its owner can read (<config>/PetCurator/server-token, mode 0600), which is
// what a headless machine gets. Blocking calls: use them off the UI thread.
#include "Expected.h"

#include <QString>

namespace pc::sync {

struct StoredToken {
    QString token;   // empty: none stored
    QString where;   // "keychain" or the file's path
};

class TokenStore {
public:
    static Expected<StoredToken> read();
    // Returns where it went.
    static Expected<QString> write(const QString& token);
    static Status<> clear();
    static QString filePath();
    // A token from a file given on the command line (first line, trimmed).
    static Expected<QString> readTokenFile(const QString& path);
};

} // namespace pc::sync
