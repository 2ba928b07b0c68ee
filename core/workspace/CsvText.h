#pragma once
// CSV as RFC 4180 has it: fields separated by commas, records by CRLF; a field holding a comma,
// a double quote, CR or LF is enclosed in double quotes, with each quote inside doubled. UTF-8.
#include "Expected.h"

#include <QByteArray>
#include <QStringList>
#include <QVector>

namespace pc::csv {

// One record, CRLF included.
QByteArray record(const QStringList& fields);

struct Record {
    int line = 0; // where the record starts, from 1
    QStringList fields;
};

// Every record of `text` (a UTF-8 byte-order mark and empty lines skipped; LF alone also ends a
// record). An unterminated quote or a stray one is an error naming its line.
Expected<QVector<Record>> parse(const QByteArray& text);

} // namespace pc::csv
