// The image and model endpoints of Api: raw-byte uploads and downloads.
#include "server/Api.h"
#include "server/ImageType.h"

#include "workspace/ImageStore.h"

#include <QJsonArray>

namespace pc::server {

namespace {

ApiResponse fail(const ServerError& e) { return ApiResponse::error(e.httpStatus(), e.message); }

QJsonObject modelJson(const PublishedModel& m)
{
    return {{QStringLiteral("version"), m.version},
            {QStringLiteral("sha256"), m.sha256},
            {QStringLiteral("bytes"), m.bytes},
            {QStringLiteral("source_version"), m.sourceVersion},
            {QStringLiteral("metrics"), m.metrics},
            {QStringLiteral("classes"), m.classes},
            {QStringLiteral("published_by"), m.publishedBy},
            {QStringLiteral("published"), m.published},
            {QStringLiteral("signature"), QJsonObject{{QStringLiteral("algorithm"), QStringLiteral("Ed25519")},
                                                      {QStringLiteral("key_id"), m.keyId},
                                                      {QStringLiteral("value"), m.signature}}},
            {QStringLiteral("url"), QStringLiteral("/api/v1/models/%1/bundle").arg(m.version)},
            {QStringLiteral("withdrawn"), m.withdrawn.isEmpty() ? QJsonValue() : QJsonValue(m.withdrawn)}};
}

} // namespace

ApiResponse Api::putImage(const Call& c) const
{
    const QString sha = c.segments[1];
    if (!ImageStore::isSha256(sha))
        return ApiResponse::error(400, QStringLiteral("the image name must be its SHA-256 in 64 lower-case hex digits"));
    if (!c.query.isEmpty())
        return ApiResponse::error(400, QStringLiteral("this endpoint takes no parameters"));
    auto upload = m_images.put(c.who, sha, c.request.body);
    if (!upload)
        return fail(upload.error());
    return ApiResponse::json(upload->created ? 201 : 200,
                             QJsonObject{{QStringLiteral("sha256"), upload->image.sha256},
                                         {QStringLiteral("bytes"), upload->image.bytes},
                                         {QStringLiteral("type"), QString::fromLatin1(upload->image.mime)},
                                         {QStringLiteral("created"), upload->created}});
}

ApiResponse Api::getImage(const Call& c) const
{
    const QString sha = c.segments[1];
    if (!ImageStore::isSha256(sha))
        return ApiResponse::error(400, QStringLiteral("an image is named by its SHA-256 in 64 lower-case hex digits"));
    auto image = m_images.find(sha);
    if (!image)
        return fail(image.error());
    auto bytes = m_images.read(sha);
    if (!bytes)
        return ApiResponse::error(500, bytes.error().message);
    // The type comes from the bytes' magic, never from what a client said (see ImageType.h).
    const ImageType type = ImageType::sniff(*bytes);
    if (!type.isValid())
        return ApiResponse::error(500, QStringLiteral("stored image %1 is not an accepted type").arg(sha));
    ApiResponse r = ApiResponse::bytes(200, type.mime, *bytes);
    r.addHeader("Content-Disposition", "inline; filename=\"" + sha.toLatin1() + '.' + type.extension.toLatin1() + '"');
    return r;
}

ApiResponse Api::postModel(const Call& c) const
{
    if (!c.query.isEmpty())
        return ApiResponse::error(400, QStringLiteral("this endpoint takes no parameters"));
    auto published = m_models.publish(c.who, c.request.body, QString::fromLatin1(c.request.checksum.trimmed()));
    if (!published)
        return fail(published.error());
    QJsonObject o = modelJson(published->model);
    o.insert(QStringLiteral("created"), published->created);
    // Swapped in before the answer: a predict sent after it uses the new model.
    if (const QString served = refreshServedModel(); !served.isEmpty())
        o.insert(QStringLiteral("served"), served);
    return ApiResponse::json(published->created ? 201 : 200, o);
}

ApiResponse Api::listModels(const Call& c) const
{
    if (!c.query.isEmpty())
        return ApiResponse::error(400, QStringLiteral("this endpoint takes no parameters"));
    auto models = m_models.list();
    if (!models)
        return fail(models.error());
    QJsonArray out;
    for (const PublishedModel& m : *models)
        out.append(modelJson(m));
    return ApiResponse::json(200, QJsonObject{{QStringLiteral("models"), out}});
}

namespace {

// "latest" or a version number.
ServerResult<PublishedModel> modelNamed(const ModelRegistry& models, const QString& name)
{
    if (name == QLatin1String("latest"))
        return models.latest();
    bool ok = false;
    const qint64 v = name.toLongLong(&ok);
    if (!ok || v < 1 || name.size() > 18 || !std::all_of(name.begin(), name.end(), [](QChar ch) { return ch.isDigit(); }))
        return ServerError::badRequest(QStringLiteral("a model is named by its version number or \"latest\""));
    return models.get(v);
}

} // namespace

ApiResponse Api::getModel(const Call& c) const
{
    auto model = modelNamed(m_models, c.segments[1]);
    if (!model)
        return fail(model.error());
    return ApiResponse::json(200, modelJson(*model));
}

ApiResponse Api::getModelBundle(const Call& c) const
{
    auto model = modelNamed(m_models, c.segments[1]);
    if (!model)
        return fail(model.error());
    auto bytes = m_models.bundle(*model);
    if (!bytes)
        return fail(bytes.error());
    ApiResponse r = ApiResponse::bytes(200, "application/octet-stream", *bytes);
    r.addHeader("Content-Disposition", "attachment; filename=\"model-" + QByteArray::number(model->version) + ".pcmodel\"");
    r.addHeader("X-Model-Version", QByteArray::number(model->version));
    r.addHeader("X-Checksum-Sha256", model->sha256.toLatin1());
    r.addHeader("X-Signature-Ed25519", model->signature.toLatin1());
    r.addHeader("X-Signing-Key-Id", model->keyId.toLatin1());
    return r;
}

} // namespace pc::server
