#include "server/Roles.h"

namespace pc::server {

QString toString(Role r)
{
    switch (r) {
    case Role::Curator: return QStringLiteral("curator");
    case Role::Reviewer: return QStringLiteral("reviewer");
    case Role::Admin: return QStringLiteral("admin");
    }
    return {};
}

QString toString(Scope s)
{
    switch (s) {
    case Scope::Full: return QStringLiteral("full");
    case Scope::Read: return QStringLiteral("read");
    case Scope::Predict: return QStringLiteral("predict");
    }
    return {};
}

std::optional<Role> roleFromString(const QString& s)
{
    for (Role r : {Role::Curator, Role::Reviewer, Role::Admin})
        if (s == toString(r))
            return r;
    return std::nullopt;
}

std::optional<Scope> scopeFromString(const QString& s)
{
    for (Scope x : {Scope::Full, Scope::Read, Scope::Predict})
        if (s == toString(x))
            return x;
    return std::nullopt;
}

bool isReadOnly(Action a)
{
    switch (a) {
    case Action::ReadOwnAccount:
    case Action::ReadImages:
    case Action::ReadLabels:
    case Action::ReadReviewQueue:
    case Action::ReadModels:
    case Action::Export:
    case Action::Predict: // nothing is stored
        return true;
    default:
        return false;
    }
}

bool allows(Role role, Scope scope, Action action)
{
    if (scope == Scope::Read && !isReadOnly(action))
        return false;
    if (scope == Scope::Predict && action != Action::Predict && action != Action::ReadOwnAccount)
        return false;
    const bool reviewerOrAdmin = role == Role::Reviewer || role == Role::Admin;
    switch (action) {
    case Action::ReadOwnAccount:
    case Action::ManageOwnTokens:
    case Action::UploadImage:
    case Action::ReadImages:
    case Action::PostLabels:
    case Action::ReadLabels:
    case Action::ReadModels:
    case Action::Predict:
        return true;
    case Action::ReadReviewQueue:
    case Action::Review:
    case Action::PublishModel:
    case Action::Export:
        return reviewerOrAdmin; // a curator cannot approve, publish or take the whole dataset
    case Action::ManageUsers:
        return role == Role::Admin;
    }
    return false;
}

} // namespace pc::server
