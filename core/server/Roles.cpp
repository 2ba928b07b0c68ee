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

QString toString(Scope s) { return s == Scope::Read ? QStringLiteral("read") : QStringLiteral("full"); }

std::optional<Role> roleFromString(const QString& s)
{
    for (Role r : {Role::Curator, Role::Reviewer, Role::Admin})
        if (s == toString(r))
            return r;
    return std::nullopt;
}

std::optional<Scope> scopeFromString(const QString& s)
{
    for (Scope x : {Scope::Full, Scope::Read})
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
        return true;
    default:
        return false;
    }
}

bool allows(Role role, Scope scope, Action action)
{
    if (scope == Scope::Read && !isReadOnly(action))
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
