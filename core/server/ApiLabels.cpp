// The label endpoints of Api: post and pull events, the review queue and verdicts, the seed's
// /user-labels export, agreement and dataset archives.
#include "server/Agreement.h"
#include "server/Api.h"
#include "server/DatasetArchive.h"
#include "server/EventJson.h"
#include "server/JsonInput.h"

#include "model/BreedCatalog.h"
#include "workspace/ImageStore.h"

#include <QHash>
#include <QJsonArray>
#include <QUuid>

namespace pc::server {

namespace {

ApiResponse fail(const ServerError& e) { return ApiResponse::error(e.httpStatus(), e.message); }

// The canonical form, or empty: 36 characters, 8-4-4-4-12 hex digits.
QString canonicalUuid(const QString& text)
{
    if (text.size() != 36)
        return {};
    const QUuid uuid = QUuid::fromString(text);
    return uuid.isNull() ? QString() : uuid.toString(QUuid::WithoutBraces);
}

QJsonObject eventJson(const EventView& e)
{
    QJsonObject o{{QStringLiteral("seq"), e.seq},
                  {QStringLiteral("uuid"), e.uuid},
                  {QStringLiteral("kind"), e.kind},
                  {QStringLiteral("image"), e.image},
                  {QStringLiteral("breed"), e.breed},
                  {QStringLiteral("label"), breedIndex(e.breed)},
                  {QStringLiteral("author"), e.author},
                  {QStringLiteral("role"), e.authorRole},
                  {QStringLiteral("received"), e.received},
                  {QStringLiteral("status"), e.status}};
    if (!e.clientAt.isEmpty())
        o.insert(QStringLiteral("at"), e.clientAt);
    if (e.kind == QLatin1String("review")) {
        o.insert(QStringLiteral("target"), e.target);
        o.insert(QStringLiteral("reason"), e.reason);
    }
    return o;
}

// Parameters as whole numbers within bounds; anything else is a 400 that names the parameter.
std::optional<ServerError> wholeParameter(const QUrlQuery& query, const QString& name, qint64 min, qint64 max, qint64* value)
{
    if (!query.hasQueryItem(name))
        return std::nullopt;
    const QString text = query.queryItemValue(name, QUrl::FullyDecoded);
    bool ok = false;
    const qint64 v = text.toLongLong(&ok);
    if (!ok || text.size() > 18 || !std::all_of(text.begin(), text.end(), [](QChar c) { return c.isDigit(); }) || v < min || v > max)
        return ServerError::badRequest(QStringLiteral("%1 must be a whole number from %2 to %3").arg(name).arg(min).arg(max));
    *value = v;
    return std::nullopt;
}

std::optional<ServerError> onlyParameters(const QUrlQuery& query, const QStringList& known)
{
    for (const auto& [key, value] : query.queryItems())
        if (!known.contains(key))
            return ServerError::badRequest(QStringLiteral("unknown parameter '%1'").arg(key.left(40)));
    return std::nullopt;
}

ServerResult<bool> approvedOnlyParameter(const QUrlQuery& query)
{
    if (!query.hasQueryItem(QStringLiteral("approved")))
        return false;
    const QString v = query.queryItemValue(QStringLiteral("approved"));
    if (v != QLatin1String("0") && v != QLatin1String("1"))
        return ServerError::badRequest(QStringLiteral("approved must be 0 or 1"));
    return v == QLatin1String("1");
}

} // namespace

ApiResponse Api::postLabels(const Call& c) const
{
    auto body = parseJsonObject(c.request.contentType, c.request.body);
    if (!body)
        return fail(body.error());
    if (auto e = unknownField(*body, {QStringLiteral("events")}, QStringLiteral("the batch")))
        return fail(*e);
    const QJsonValue eventsValue = body->value(QStringLiteral("events"));
    if (!eventsValue.isArray())
        return ApiResponse::error(400, QStringLiteral("events must be an array of label events"));
    const QJsonArray events = eventsValue.toArray();
    if (events.isEmpty() || events.size() > LabelLog::kMaxBatch)
        return ApiResponse::error(400, QStringLiteral("a batch holds 1 to %1 events").arg(LabelLog::kMaxBatch));

    const BreedCatalog& breeds = BreedCatalog::oxford();
    const QStringList known{QStringLiteral("uuid"), QStringLiteral("image"), QStringLiteral("breed"), QStringLiteral("label"), QStringLiteral("at")};
    QVector<LabelInput> inputs;
    inputs.reserve(events.size());
    for (qsizetype i = 0; i < events.size(); ++i) {
        const QString where = QStringLiteral("event %1").arg(i);
        if (!events[i].isObject())
            return ApiResponse::error(400, QStringLiteral("%1 is not an object").arg(where));
        const QJsonObject e = events[i].toObject();
        if (auto err = unknownField(e, known, where))
            return fail(*err);
        LabelInput in;
        in.uuid = canonicalUuid(e.value(QStringLiteral("uuid")).toString());
        if (in.uuid.isEmpty())
            return ApiResponse::error(400, QStringLiteral("%1: uuid must be a UUID (8-4-4-4-12 hex digits)").arg(where));
        in.image = e.value(QStringLiteral("image")).toString();
        if (!ImageStore::isSha256(in.image))
            return ApiResponse::error(400, QStringLiteral("%1: image must be a SHA-256 (64 lower-case hex digits)").arg(where));
        const bool hasBreed = e.contains(QStringLiteral("breed")), hasLabel = e.contains(QStringLiteral("label"));
        if (hasBreed == hasLabel)
            return ApiResponse::error(400, QStringLiteral("%1: give exactly one of breed (a name) or label (0-36)").arg(where));
        int index = -1;
        if (hasBreed) {
            const QJsonValue b = e.value(QStringLiteral("breed"));
            index = b.isString() && b.toString().size() <= 64 ? breeds.indexOf(b.toString()) : -1;
            // A class-id number is not a name: "16" would be ambiguous with label 16.
            bool numeric = false;
            b.toString().toInt(&numeric);
            if (index < 0 || numeric)
                return ApiResponse::error(400, QStringLiteral("%1: unknown breed '%2'").arg(where, b.toString().left(64)));
        } else {
            const QJsonValue l = e.value(QStringLiteral("label"));
            const double d = l.toDouble(-1);
            if (!l.isDouble() || d != double(int(d)) || d < 0 || d >= breeds.size())
                return ApiResponse::error(400, QStringLiteral("%1: label must be a class index from 0 to %2").arg(where).arg(breeds.size() - 1));
            index = int(d);
        }
        in.breed = breeds.at(index).id;
        if (e.contains(QStringLiteral("at"))) {
            const QDateTime at = QDateTime::fromString(e.value(QStringLiteral("at")).toString(), Qt::ISODateWithMs);
            if (!at.isValid())
                return ApiResponse::error(400, QStringLiteral("%1: at must be an ISO-8601 time").arg(where));
            in.clientAt = at.toUTC().toString(Qt::ISODateWithMs);
        }
        inputs.push_back(in);
    }

    auto accepted = m_labels.append(c.who, inputs);
    if (!accepted)
        return fail(accepted.error());
    QJsonArray out;
    int fresh = 0;
    for (const AcceptedEvent& a : *accepted) {
        out.append(QJsonObject{{QStringLiteral("uuid"), a.uuid}, {QStringLiteral("seq"), a.seq}, {QStringLiteral("duplicate"), a.duplicate}});
        fresh += a.duplicate ? 0 : 1;
    }
    return ApiResponse::json(fresh > 0 ? 201 : 200, QJsonObject{{QStringLiteral("events"), out},
                                                                 {QStringLiteral("accepted"), fresh},
                                                                 {QStringLiteral("duplicates"), int(accepted->size()) - fresh}});
}

ApiResponse Api::getLabels(const Call& c) const
{
    if (auto e = onlyParameters(c.query, {QStringLiteral("since"), QStringLiteral("limit")}))
        return fail(*e);
    qint64 since = 0, limit = 100;
    if (auto e = wholeParameter(c.query, QStringLiteral("since"), 0, std::numeric_limits<qint64>::max() / 2, &since))
        return fail(*e);
    if (auto e = wholeParameter(c.query, QStringLiteral("limit"), 1, LabelLog::kMaxPage, &limit))
        return fail(*e);
    auto page = m_labels.sinceJson(since, int(limit));
    if (!page)
        return fail(page.error());
    return ApiResponse::bytes(200, "application/json", *page);
}

ApiResponse Api::getReview(const Call& c) const
{
    if (auto e = onlyParameters(c.query, {QStringLiteral("limit")}))
        return fail(*e);
    qint64 limit = 50;
    if (auto e = wholeParameter(c.query, QStringLiteral("limit"), 1, 500, &limit))
        return fail(*e);
    auto queue = m_labels.reviewQueue(int(limit));
    if (!queue)
        return fail(queue.error());
    QJsonArray items;
    for (const ReviewItem& item : *queue) {
        QJsonArray labels;
        for (const EventView& e : item.labels)
            labels.append(eventJson(e));
        items.append(QJsonObject{{QStringLiteral("image"), item.image},
                                 {QStringLiteral("url"), QStringLiteral("/api/v1/images/") + item.image},
                                 {QStringLiteral("disputed"), item.disputed},
                                 {QStringLiteral("labels"), labels}});
    }
    return ApiResponse::json(200, QJsonObject{{QStringLiteral("items"), items}});
}

ApiResponse Api::postReview(const Call& c) const
{
    const QString ref = c.segments[1];
    bool isSeq = false;
    ref.toLongLong(&isSeq);
    const QString uuidRef = canonicalUuid(ref);
    if (!(isSeq && ref.size() <= 18 && std::all_of(ref.begin(), ref.end(), [](QChar ch) { return ch.isDigit(); })) && uuidRef.isEmpty())
        return ApiResponse::error(400, QStringLiteral("name the label event by its seq or its uuid"));
    auto body = parseJsonObject(c.request.contentType, c.request.body);
    if (!body)
        return fail(body.error());
    if (auto e = unknownField(*body, {QStringLiteral("decision"), QStringLiteral("reason"), QStringLiteral("uuid")}, QStringLiteral("the verdict")))
        return fail(*e);
    Verdict verdict;
    const QString decision = body->value(QStringLiteral("decision")).toString();
    if (decision != QLatin1String("approve") && decision != QLatin1String("reject"))
        return ApiResponse::error(400, QStringLiteral("decision must be \"approve\" or \"reject\""));
    verdict.approve = decision == QLatin1String("approve");
    const QJsonValue reason = body->value(QStringLiteral("reason"));
    if (!reason.isUndefined() && !reason.isString())
        return ApiResponse::error(400, QStringLiteral("reason must be text"));
    verdict.reason = reason.toString().simplified();
    if (verdict.reason.size() > 500)
        return ApiResponse::error(400, QStringLiteral("reason is longer than 500 characters"));
    if (!verdict.approve && verdict.reason.isEmpty())
        return ApiResponse::error(400, QStringLiteral("a rejection needs a reason"));
    if (body->contains(QStringLiteral("uuid"))) {
        verdict.uuid = canonicalUuid(body->value(QStringLiteral("uuid")).toString());
        if (verdict.uuid.isEmpty())
            return ApiResponse::error(400, QStringLiteral("uuid must be a UUID (8-4-4-4-12 hex digits)"));
    }
    auto written = m_labels.review(c.who, uuidRef.isEmpty() ? ref : uuidRef, verdict);
    if (!written)
        return fail(written.error());
    QJsonArray verdicts;
    for (const EventView& e : *written)
        verdicts.append(eventJson(e));
    return ApiResponse::json(written->isEmpty() ? 200 : 201,
                             QJsonObject{{QStringLiteral("verdicts"), verdicts}, {QStringLiteral("unchanged"), written->isEmpty()}});
}

ApiResponse Api::userLabels(const Call& c) const
{
    if (auto e = onlyParameters(c.query, {QStringLiteral("approved")}))
        return fail(*e);
    auto approvedOnly = approvedOnlyParameter(c.query);
    if (!approvedOnly)
        return fail(approvedOnly.error());
    auto labels = m_labels.currentLabels(*approvedOnly);
    if (!labels)
        return fail(labels.error());
    const BreedCatalog& breeds = BreedCatalog::oxford();
    QJsonArray out; // the seed's shape, for its fine-tune script
    for (const CurrentLabel& l : *labels) {
        const int index = breeds.indexOf(l.breed);
        out.append(QJsonObject{{QStringLiteral("id"), l.imageId},
                               {QStringLiteral("label"), index},
                               {QStringLiteral("name"), index >= 0 ? breeds.at(index).name : l.breed},
                               {QStringLiteral("url"), QStringLiteral("/uploads/") + l.sha256}});
    }
    return ApiResponse::json(200, out);
}

// The caller's own labels, newest first: the web page's "my recent labels".
ApiResponse Api::myLabels(const Call& c) const
{
    if (auto e = onlyParameters(c.query, {QStringLiteral("limit")}))
        return fail(*e);
    qint64 limit = 20;
    if (auto e = wholeParameter(c.query, QStringLiteral("limit"), 1, 100, &limit))
        return fail(*e);
    auto labels = m_labels.recentLabelsBy(c.who.user.id, int(limit));
    if (!labels)
        return fail(labels.error());
    QJsonArray out;
    for (const EventView& e : *labels)
        out.append(eventJson(e));
    return ApiResponse::json(200, QJsonObject{{QStringLiteral("labels"), out}});
}

ApiResponse Api::agreement(const Call& c) const
{
    if (auto e = onlyParameters(c.query, {}))
        return fail(*e);
    auto labels = m_labels.latestLabelsByAuthor();
    if (!labels)
        return fail(labels.error());
    QVector<RatedItem> ratings;
    for (const AuthorLabel& l : *labels)
        ratings.push_back({l.imageId, l.author, l.breed});
    const AgreementReport report = computeAgreement(ratings);
    auto number = [](const std::optional<double>& v) { return v ? QJsonValue(*v) : QJsonValue(); };
    QJsonArray pairs;
    for (const PairAgreement& p : report.pairs)
        pairs.append(QJsonObject{{QStringLiteral("a"), p.a}, {QStringLiteral("b"), p.b}, {QStringLiteral("images"), p.items},
                                 {QStringLiteral("observed"), p.observed}, {QStringLiteral("kappa"), number(p.kappa)}});
    return ApiResponse::json(200, QJsonObject{
        {QStringLiteral("images"), report.items},
        {QStringLiteral("raters"), report.raters},
        {QStringLiteral("overall"), QJsonObject{{QStringLiteral("kappa"), number(report.meanKappa)},
                                                {QStringLiteral("observed"), number(report.observed)},
                                                {QStringLiteral("method"), QStringLiteral("Light's kappa: the mean of pairwise Cohen's kappas")}}},
        {QStringLiteral("pairs"), pairs}});
}

ApiResponse Api::exportDataset(const Call& c) const
{
    if (auto e = onlyParameters(c.query, {QStringLiteral("format"), QStringLiteral("approved")}))
        return fail(*e);
    const QString format = c.query.hasQueryItem(QStringLiteral("format")) ? c.query.queryItemValue(QStringLiteral("format")) : QStringLiteral("folders");
    if (format != QLatin1String("folders") && format != QLatin1String("oxford"))
        return ApiResponse::error(400, QStringLiteral("format must be folders or oxford"));
    auto approvedOnly = approvedOnlyParameter(c.query);
    if (!approvedOnly)
        return fail(approvedOnly.error());
    auto labels = m_labels.currentLabels(*approvedOnly);
    if (!labels)
        return fail(labels.error());
    auto archive = writeDatasetArchive(*labels, format == QLatin1String("oxford") ? ArchiveLayout::Oxford : ArchiveLayout::Folders,
                                       [this](const QString& sha) { return m_images.read(sha); }, m_paths.temp());
    if (!archive)
        return fail(archive.error());
    ApiResponse r;
    r.contentType = "application/x-tar";
    r.file = *archive;
    r.addHeader("Content-Disposition", "attachment; filename=\"petcurator-" + format.toLatin1() + ".tar\"");
    return r;
}

} // namespace pc::server
