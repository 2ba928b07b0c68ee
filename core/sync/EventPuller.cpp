#include "sync/EventPuller.h"

#include "workspace/ImageStore.h"

#include <QBuffer>
#include <QImageReader>
#include <QJsonArray>

namespace pc::sync {

namespace {

PulledEvent eventFrom(const QJsonObject& o)
{
    PulledEvent e;
    e.seq = o.value(QStringLiteral("seq")).toInteger();
    e.uuid = o.value(QStringLiteral("uuid")).toString();
    e.kind = o.value(QStringLiteral("kind")).toString();
    e.image = o.value(QStringLiteral("image")).toString();
    e.breed = o.value(QStringLiteral("breed")).toString();
    e.author = o.value(QStringLiteral("author")).toString();
    e.role = o.value(QStringLiteral("role")).toString();
    e.status = o.value(QStringLiteral("status")).toString();
    // The client's own time when it sent one, else when the server received it.
    const QString at = o.value(QStringLiteral("at")).toString(o.value(QStringLiteral("received")).toString());
    e.at = QDateTime::fromString(at, Qt::ISODateWithMs);
    e.target = o.value(QStringLiteral("target")).toString();
    e.reason = o.value(QStringLiteral("reason")).toString();
    return e;
}

} // namespace

StepResult EventPuller::fetchImage(const QString& sha256)
{
    if (!ImageStore::isSha256(sha256))
        return StepResult::failure(QStringLiteral("the server named an image '%1' that is no SHA-256").arg(sha256.left(70)), false);
    const HttpResult r = m_client.get(QStringLiteral("/api/v1/images/") + sha256);
    if (!r.ok())
        return StepResult::failure(QStringLiteral("downloading image %1: %2").arg(sha256.left(12), r.message()), r.transient());
    if (ImageStore::sha256(r.body) != sha256)
        return StepResult::failure(QStringLiteral("image %1 from the server does not match its SHA-256").arg(sha256.left(12)), false);
    QBuffer buffer;
    buffer.setData(r.body);
    buffer.open(QIODevice::ReadOnly);
    QImageReader reader(&buffer);
    reader.setAutoTransform(true);
    const QSize size = reader.size();
    auto added = m_ws.addImage(r.body, QString(), std::max(0, size.width()), std::max(0, size.height()), QStringLiteral("server"));
    if (!added)
        return StepResult::failure(added.error().message, false);
    ++m_images;
    return StepResult::success();
}

StepResult EventPuller::pullAll(int pageSize, const std::atomic_bool* cancel)
{
    for (;;) {
        if (cancel && cancel->load())
            return StepResult::failure(QStringLiteral("cancelled"), true);
        const auto stored = m_ledger.cursor();
        if (!stored)
            return StepResult::failure(stored.error().message, false);
        const qint64 cursor = *stored;
        const HttpResult r = m_client.get(QStringLiteral("/api/v1/labels?since=%1&limit=%2").arg(cursor).arg(pageSize));
        if (!r.ok())
            return StepResult::failure(QStringLiteral("pulling labels: %1").arg(r.message()), r.transient());
        const QJsonObject page = r.json();
        const QJsonValue eventsValue = page.value(QStringLiteral("events"));
        if (!eventsValue.isArray() || !page.value(QStringLiteral("next")).isDouble())
            return StepResult::failure(QStringLiteral("the server's label page is not what this client understands"), false);
        QVector<PulledEvent> events;
        QStringList images;
        for (const QJsonValue& v : eventsValue.toArray()) {
            events.push_back(eventFrom(v.toObject()));
            if (events.back().kind == QLatin1String("label"))
                images << events.back().image;
        }
        const auto missing = m_ledger.missingImages(images);
        if (!missing)
            return StepResult::failure(missing.error().message, false);
        for (const QString& sha : *missing)
            if (StepResult s = fetchImage(sha); !s.ok())
                return s;
        const qint64 next = page.value(QStringLiteral("next")).toInteger();
        auto applied = m_ledger.applyPage(events, next);
        if (!applied)
            return StepResult::failure(applied.error().message, false);
        m_applied.labels += applied->labels;
        m_applied.verdicts += applied->verdicts;
        m_applied.confirmed += applied->confirmed;
        m_applied.skipped += applied->skipped;
        if (!page.value(QStringLiteral("more")).toBool() || next <= cursor)
            return StepResult::success();
    }
}

} // namespace pc::sync
