#pragma once
// The JSON API under /api/v1 (plus /healthz and /uploads/<sha256>): routing, authentication,
// the permission check (Roles.h) and one handler per endpoint. handle() runs on worker threads,
// never on the thread that accepts connections; every store it calls is thread-safe.
//
// Order of checks, so that bad input never reaches a store: path syntax (400) → route (404/405)
// → token (401) → role and scope (403) → body and parameters (400/413/415/422) → the work.
#include "server/AccountStore.h"
#include "server/HttpMessage.h"
#include "server/ImageRepository.h"
#include "server/LabelLog.h"
#include "server/ModelRegistry.h"

#include <QUrlQuery>
#include <memory>

namespace pc::server {

class ModelSigner;
class ServedModel;
class ServerDatabase;

struct ServerPaths {
    QString dataDir;
    QString images() const { return dataDir + QStringLiteral("/images"); }
    QString models() const { return dataDir + QStringLiteral("/models"); }
    QString temp() const { return dataDir + QStringLiteral("/tmp"); }
    QString signingKey() const { return dataDir + QStringLiteral("/signing-key.pem"); }
};

class Api {
public:
    // `served` null: predictions answer 503 (a server started without the backbone weights).
    Api(std::shared_ptr<const ServerDatabase> db, std::shared_ptr<const ModelSigner> signer, const ServerPaths& paths,
        qint64 maxImagePixels, std::shared_ptr<ServedModel> served = {});

    // Whether a request goes to the inference pool rather than the database/disk pool.
    static bool isPrediction(const QByteArray& method, const QString& path);

    ApiResponse handle(const ApiRequest& request) const;

private:
    struct Call {
        const ApiRequest& request;
        QStringList segments; // after /api/v1
        QUrlQuery query;
        Principal who;
    };

    ApiResponse route(const ApiRequest& request, const QStringList& segments, bool underApi) const;
    ApiResponse withAuth(const ApiRequest& request, const QStringList& segments, Action action,
                         ApiResponse (Api::*handler)(const Call&) const) const;

    // accounts and service
    ApiResponse health() const;
    ApiResponse version() const;
    ApiResponse signingKey() const;
    ApiResponse breeds() const;
    // the web page (resources/web): GET / and GET /web/<file>
    ApiResponse webFile(const QString& name) const;
    ApiResponse me(const Call&) const;
    ApiResponse listUsers(const Call&) const;
    ApiResponse addUser(const Call&) const;
    ApiResponse listTokens(const Call&) const;
    ApiResponse issueToken(const Call&) const;
    ApiResponse revokeToken(const Call&) const;
    // images
    ApiResponse putImage(const Call&) const;
    ApiResponse getImage(const Call&) const;
    // labels and review
    ApiResponse postLabels(const Call&) const;
    ApiResponse getLabels(const Call&) const;
    ApiResponse getReview(const Call&) const;
    ApiResponse postReview(const Call&) const;
    ApiResponse userLabels(const Call&) const;
    ApiResponse myLabels(const Call&) const;
    ApiResponse agreement(const Call&) const;
    ApiResponse exportDataset(const Call&) const;
    // models
    ApiResponse postModel(const Call&) const;
    ApiResponse listModels(const Call&) const;
    ApiResponse getModel(const Call&) const;
    ApiResponse getModelBundle(const Call&) const;
    ApiResponse withdrawModel(const Call&) const;
    // predictions
    ApiResponse predict(const Call&) const;
    QString refreshServedModel() const; // the version now served, or empty without a model

    std::shared_ptr<const ServerDatabase> m_db;
    std::shared_ptr<const ModelSigner> m_signer;
    ServerPaths m_paths;
    AccountStore m_accounts;
    ImageRepository m_images;
    LabelLog m_labels;
    ModelRegistry m_models;
    std::shared_ptr<ServedModel> m_served;
};

} // namespace pc::server
