#include "server/EventJson.h"

#include "model/BreedCatalog.h"

#include <QHash>

namespace pc::server {

namespace {

// A JSON string. Besides what JSON requires, <, > and & are escaped too, so no text a client
// sent can become markup wherever a page embeds this.
void appendString(QByteArray& out, const QString& text)
{
    static const char hex[] = "0123456789abcdef";
    out += '"';
    const QByteArray utf8 = text.toUtf8();
    for (char ch : utf8) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += char(c);
        } else if (c < 0x20 || c == '<' || c == '>' || c == '&') {
            out += "\\u00";
            out += hex[c >> 4];
            out += hex[c & 15];
        } else {
            out += char(c);
        }
    }
    out += '"';
}

void appendField(QByteArray& out, const char* name, const QString& value)
{
    out += ",\"";
    out += name;
    out += "\":";
    appendString(out, value);
}

} // namespace

int breedIndex(const QString& id)
{
    static const QHash<QString, int> index = [] {
        QHash<QString, int> h;
        const auto& breeds = BreedCatalog::oxford().breeds();
        for (size_t i = 0; i < breeds.size(); ++i)
            h.insert(breeds[i].id, int(i));
        return h;
    }();
    return index.value(id, -1);
}

void appendEventJson(QByteArray& out, const EventView& e)
{
    out += "{\"seq\":";
    out += QByteArray::number(e.seq);
    appendField(out, "uuid", e.uuid);
    appendField(out, "kind", e.kind);
    appendField(out, "image", e.image);
    appendField(out, "breed", e.breed);
    out += ",\"label\":";
    out += QByteArray::number(breedIndex(e.breed));
    appendField(out, "author", e.author);
    appendField(out, "role", e.authorRole);
    appendField(out, "received", e.received);
    appendField(out, "status", e.status);
    if (!e.clientAt.isEmpty())
        appendField(out, "at", e.clientAt);
    if (e.kind == QLatin1String("review")) {
        appendField(out, "target", e.target);
        appendField(out, "reason", e.reason);
    }
    out += '}';
}

QByteArray eventPageJson(const EventPage& page)
{
    QByteArray out;
    out.reserve(64 + page.events.size() * 360);
    out += "{\"events\":[";
    for (qsizetype i = 0; i < page.events.size(); ++i) {
        if (i > 0)
            out += ',';
        appendEventJson(out, page.events[i]);
    }
    out += "],\"next\":";
    out += QByteArray::number(page.next);
    out += ",\"more\":";
    out += page.more ? "true" : "false";
    out += "}\n";
    return out;
}

} // namespace pc::server
