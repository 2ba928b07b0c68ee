#pragma once
// Who may do what: the three roles, the two token scopes, and the one table that maps every API
// action to the roles allowed to perform it. Every route asks allows(); nothing else decides.
#include <QString>
#include <optional>

namespace pc::server {

enum class Role { Curator, Reviewer, Admin };
// A read token (dashboards) may only call reading actions; a predict token (other programs that
// only want predictions) may only predict and read its own account.
enum class Scope { Full, Read, Predict };

QString toString(Role);
QString toString(Scope);
std::optional<Role> roleFromString(const QString&);
std::optional<Scope> scopeFromString(const QString&);

enum class Action {
    ReadOwnAccount,   // GET /me, GET /tokens (own)
    ManageOwnTokens,  // POST /tokens, DELETE /tokens/{own id}
    ManageUsers,      // GET/POST /users, any user's tokens
    UploadImage,      // PUT /images/{sha256}
    ReadImages,       // GET /images/{sha256}, GET /uploads/{sha256}
    PostLabels,       // POST /labels
    ReadLabels,       // GET /labels, GET /user-labels
    ReadReviewQueue,  // GET /review, GET /agreement
    Review,           // POST /review/{event}
    PublishModel,     // POST /models
    ReadModels,       // GET /models, /models/latest, /models/{v}, /models/{v}/bundle
    Export,           // GET /export
    Predict,          // POST /predict
};

// Whether the action only reads (a read-scoped token may perform it).
bool isReadOnly(Action);
// The permission table.
bool allows(Role role, Scope scope, Action action);

} // namespace pc::server
