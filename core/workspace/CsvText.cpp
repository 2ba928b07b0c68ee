#include "workspace/CsvText.h"

namespace pc::csv {

namespace {

bool needsQuotes(const QString& field)
{
    for (const QChar c : field)
        if (c == QLatin1Char(',') || c == QLatin1Char('"') || c == QLatin1Char('\r') || c == QLatin1Char('\n'))
            return true;
    return false;
}

} // namespace

QByteArray record(const QStringList& fields)
{
    QByteArray out;
    for (qsizetype i = 0; i < fields.size(); ++i) {
        if (i > 0)
            out += ',';
        const QString& f = fields[i];
        if (needsQuotes(f)) {
            QString quoted = f;
            quoted.replace(QLatin1Char('"'), QStringLiteral("\"\""));
            out += '"' + quoted.toUtf8() + '"';
        } else {
            out += f.toUtf8();
        }
    }
    out += "\r\n";
    return out;
}

Expected<QVector<Record>> parse(const QByteArray& bytes)
{
    QString text = QString::fromUtf8(bytes);
    if (text.startsWith(QChar(0xFEFF)))
        text.remove(0, 1);
    QVector<Record> records;
    Record current;
    QString field;
    bool quoted = false; // the current field was a quoted one, now closed
    int line = 1;
    current.line = line;
    auto endField = [&] {
        current.fields.append(field);
        field.clear();
        quoted = false;
    };
    auto endRecord = [&] {
        if (!current.fields.isEmpty() || !field.isEmpty() || quoted) { // else an empty line
            endField();
            records.append(current);
        }
        current = Record{};
    };
    const qsizetype n = text.size();
    for (qsizetype i = 0; i < n; ++i) {
        const QChar c = text[i];
        if (c == QLatin1Char('"')) {
            if (!field.isEmpty() || quoted)
                return Error{QStringLiteral("line %1: a double quote inside a field that does not start with one").arg(line)};
            // A quoted field: up to the closing quote; "" is one quote; commas and line breaks are text.
            const int opened = line;
            bool closed = false;
            for (++i; i < n; ++i) {
                const QChar q = text[i];
                if (q == QLatin1Char('"')) {
                    if (i + 1 < n && text[i + 1] == QLatin1Char('"')) {
                        field += QLatin1Char('"');
                        ++i;
                        continue;
                    }
                    closed = true;
                    break;
                }
                if (q == QLatin1Char('\n'))
                    ++line;
                field += q;
            }
            if (!closed)
                return Error{QStringLiteral("line %1: a quoted field is never closed").arg(opened)};
            quoted = true;
            // Only a separator or the end of the record may follow.
            if (i + 1 < n) {
                const QChar next = text[i + 1];
                if (next != QLatin1Char(',') && next != QLatin1Char('\r') && next != QLatin1Char('\n'))
                    return Error{QStringLiteral("line %1: text after a closing double quote").arg(line)};
            }
        } else if (c == QLatin1Char(',')) {
            endField();
        } else if (c == QLatin1Char('\r') || c == QLatin1Char('\n')) {
            if (c == QLatin1Char('\r') && i + 1 < n && text[i + 1] == QLatin1Char('\n'))
                ++i;
            endRecord();
            ++line;
            current.line = line;
        } else {
            field += c;
        }
    }
    endRecord();
    return records;
}

} // namespace pc::csv
