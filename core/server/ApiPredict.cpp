// The prediction endpoints of Api: POST /predict on the served model, the breed list it answers
// in, and withdrawing a published model (a rollback), which changes what is served.
#include "server/Api.h"
#include "server/ServedModel.h"

#include "model/BreedCatalog.h"

#include <QJsonArray>
#include <cmath>

namespace pc::server {

namespace {

ApiResponse fail(const ServerError& e) { return ApiResponse::error(e.httpStatus(), e.message); }

// The decoder's one-line messages are the CLI's; only the status is the server's.
int statusFor(DecodeError::Kind kind)
{
    switch (kind) {
    case DecodeError::Kind::Empty: return 400;
    case DecodeError::Kind::NotAnImage: return 415;
    default: return 422; // truncated, too many pixels, corrupt
    }
}

// "12" → 12, "zero-shot" stays text: clients compare it with /models versions.
QJsonValue versionJson(const QString& version)
{
    bool ok = false;
    const qint64 v = version.toLongLong(&ok);
    return ok ? QJsonValue(v) : QJsonValue(version);
}

} // namespace

bool Api::isPrediction(const QByteArray& method, const QString& path)
{
    return method == "POST" && (path == QLatin1String("/api/v1/predict") || path == QLatin1String("/api/v1/predict/"));
}

QString Api::refreshServedModel() const
{
    if (!m_served)
        return {};
    auto served = m_served->refresh(m_models);
    if (!served) {
        qWarning("petcurator-server: cannot choose the model to serve: %s", qPrintable(served.error().message));
        return m_served->snapshot()->version;
    }
    return *served;
}

ApiResponse Api::predict(const Call& c) const
{
    int k = 3;
    for (const auto& [key, value] : c.query.queryItems(QUrl::FullyDecoded)) {
        if (key != QLatin1String("top"))
            return ApiResponse::error(400, QStringLiteral("unknown parameter '%1'; the only one here is top=K").arg(key.left(40)));
        bool ok = false;
        k = value.toInt(&ok);
        const int breeds = BreedCatalog::oxford().size();
        if (!ok || value.size() > 2 || k < 1 || k > breeds)
            return ApiResponse::error(400, QStringLiteral("top must be a whole number from 1 to %1, not '%2'").arg(breeds).arg(value.left(20)));
    }
    if (!m_served)
        return ApiResponse::error(503, QStringLiteral("predictions are off: the server runs without the backbone weights"));
    if (c.request.body.isEmpty())
        return ApiResponse::error(400, QStringLiteral("empty body: send the image bytes"));
    auto result = m_served->predictor().predictBytes(c.request.body, k);
    if (!result)
        return ApiResponse::error(statusFor(result.error().kind), result.error().message);
    QJsonArray top;
    for (const Guess& g : result->top)
        top.append(QJsonObject{{QStringLiteral("label"), g.label}, {QStringLiteral("name"), g.name}, {QStringLiteral("p"), double(g.p)}});
    return ApiResponse::json(200, QJsonObject{{QStringLiteral("model"), versionJson(result->model)},
                                              {QStringLiteral("top"), top},
                                              {QStringLiteral("ms"), std::round(result->ms * 100) / 100}});
}

ApiResponse Api::breeds() const
{
    QJsonArray out;
    const BreedCatalog& catalog = BreedCatalog::oxford();
    for (int i = 0; i < catalog.size(); ++i) {
        const Breed& b = catalog.at(i);
        out.append(QJsonObject{{QStringLiteral("label"), i}, {QStringLiteral("id"), b.id}, {QStringLiteral("name"), b.name},
                               {QStringLiteral("species"), b.species}});
    }
    return ApiResponse::json(200, QJsonObject{{QStringLiteral("breeds"), out}});
}

ApiResponse Api::withdrawModel(const Call& c) const
{
    if (!c.query.isEmpty())
        return ApiResponse::error(400, QStringLiteral("this endpoint takes no parameters"));
    const QString& name = c.segments[1];
    bool ok = false;
    const qint64 version = name.toLongLong(&ok);
    if (!ok || version < 1 || name.size() > 18 || !std::all_of(name.begin(), name.end(), [](QChar ch) { return ch.isDigit(); }))
        return ApiResponse::error(400, QStringLiteral("a model is named by its version number"));
    auto changed = m_models.withdraw(version);
    if (!changed)
        return fail(changed.error());
    const QString served = refreshServedModel();
    return ApiResponse::json(200, QJsonObject{{QStringLiteral("version"), version},
                                              {QStringLiteral("withdrawn"), true},
                                              {QStringLiteral("changed"), *changed},
                                              {QStringLiteral("served"), served.isEmpty() ? QJsonValue() : QJsonValue(served)}});
}

} // namespace pc::server
