#pragma once
// An RFC 4180 reader for the tests, written apart from core's writer so a test reads back what a
// spreadsheet would: records end with CRLF, a quoted field may hold commas, CR, LF and doubled
// quotes. Anything else (a bare LF ending a record, a quote inside an unquoted field, text after
// a closing quote, an unterminated quote) is malformed and gives no rows.
#include <QList>
#include <QString>
#include <QStringList>

namespace pc::test {

inline bool parseCsv(const QString& text, QList<QStringList>* rows)
{
    rows->clear();
    QStringList record;
    QString field;
    qsizetype i = 0;
    const qsizetype n = text.size();
    while (i < n) {
        if (text[i] == QLatin1Char('"')) { // a quoted field
            ++i;
            for (;;) {
                if (i >= n)
                    return false; // unterminated
                if (text[i] == QLatin1Char('"')) {
                    if (i + 1 < n && text[i + 1] == QLatin1Char('"')) {
                        field += QLatin1Char('"');
                        i += 2;
                        continue;
                    }
                    ++i;
                    break;
                }
                field += text[i++];
            }
        } else {
            while (i < n && text[i] != QLatin1Char(',') && text[i] != QLatin1Char('\r') && text[i] != QLatin1Char('\n')) {
                if (text[i] == QLatin1Char('"'))
                    return false;
                field += text[i++];
            }
        }
        if (i < n && text[i] == QLatin1Char(',')) {
            record << field;
            field.clear();
            ++i;
            if (i == n)
                return false; // a record must end with CRLF
            continue;
        }
        if (i + 1 < n && text[i] == QLatin1Char('\r') && text[i + 1] == QLatin1Char('\n')) {
            record << field;
            field.clear();
            *rows << record;
            record.clear();
            i += 2;
            continue;
        }
        return false; // a bare CR or LF, text after a closing quote, or no CRLF at the end
    }
    return record.isEmpty() && field.isEmpty();
}

} // namespace pc::test
