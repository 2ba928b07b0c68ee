#include "workspace/LabelManifest.h"

#include "model/BreedCatalog.h"
#include "workspace/CsvText.h"
#include "workspace/ImageStore.h"
#include "workspace/SqlSupport.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>

#include <QHash>

#include <cmath>
#include <functional>

namespace pc {

namespace {

// The columns, in the csv's order; the JSON uses the same names.
const QStringList kColumns = {QStringLiteral("path"),   QStringLiteral("sha256"), QStringLiteral("breed"), QStringLiteral("origin"),
                              QStringLiteral("author"), QStringLiteral("status"), QStringLiteral("time"),  QStringLiteral("split")};

QStringList fieldsOf(const ManifestRow& row)
{
    return {row.path, row.sha256, row.breed, toString(row.origin), row.author, toString(row.status), sql::timeText(row.at), row.split};
}

QByteArray csvText(const QVector<ManifestRow>& rows)
{
    QByteArray out = csv::record(kColumns);
    for (const ManifestRow& row : rows)
        out += csv::record(fieldsOf(row));
    return out;
}

QByteArray jsonText(const QVector<ManifestRow>& rows)
{
    const BreedCatalog& breeds = BreedCatalog::oxford();
    QJsonArray out;
    int id = 0;
    for (const ManifestRow& row : rows) {
        const int index = breeds.indexOf(row.breed);
        // /user-labels' own four: "id" numbers the rows here (a workspace's image ids would differ
        // after a round trip), "url" is the image beside the manifest.
        QJsonObject o{{QStringLiteral("id"), ++id},
                      {QStringLiteral("label"), index},
                      {QStringLiteral("name"), index >= 0 ? breeds.at(index).name : row.breed},
                      {QStringLiteral("url"), row.path}};
        const QStringList values = fieldsOf(row);
        for (qsizetype i = 0; i < kColumns.size(); ++i)
            o.insert(kColumns[i], values[i]);
        out.append(o);
    }
    return QJsonDocument(out).toJson(QJsonDocument::Indented);
}

// One row from its fields, whatever the file's format: `text(name)` is a field's text, or nullopt
// when it is not there; `breedFallback` is tried when there is no breed field (JSON's "label").
Expected<ManifestRow> rowFrom(const std::function<Expected<std::optional<QString>>(const QString&)>& text,
                              const std::function<Expected<int>()>& breedFallback, const QString& defaultAuthor)
{
    ManifestRow row;
    auto get = [&](const QString& name, QString& into) -> Status<> {
        auto v = text(name);
        if (!v)
            return v.error();
        into = v->value_or(QString());
        return done();
    };
    QString breed, sha, origin, author, status, time, split;
    for (auto [name, into] : {std::pair{QStringLiteral("path"), &row.path}, std::pair{QStringLiteral("breed"), &breed},
                              std::pair{QStringLiteral("sha256"), &sha}, std::pair{QStringLiteral("origin"), &origin},
                              std::pair{QStringLiteral("status"), &status}, std::pair{QStringLiteral("time"), &time},
                              std::pair{QStringLiteral("split"), &split}})
        if (auto s = get(name, *into); !s)
            return s.error();
    auto authorValue = text(QStringLiteral("author"));
    if (!authorValue)
        return authorValue.error();
    row.author = authorValue->value_or(defaultAuthor);

    if (row.path.isEmpty())
        return Error{QStringLiteral("no path")};
    const BreedCatalog& breeds = BreedCatalog::oxford();
    int index = -1;
    if (!breed.isEmpty()) {
        index = breeds.indexOf(breed);
        if (index < 0)
            return Error{QStringLiteral("unknown breed \"%1\"").arg(breed)};
    } else {
        auto fallback = breedFallback();
        if (!fallback)
            return fallback.error();
        index = *fallback;
    }
    row.breed = breeds.at(index).id;
    if (!sha.isEmpty()) {
        row.sha256 = sha.toLower();
        if (!ImageStore::isSha256(row.sha256))
            return Error{QStringLiteral("sha256 \"%1\" is not 64 hex digits").arg(sha)};
    }
    if (!origin.isEmpty()) {
        const auto o = labelOriginFromString(origin);
        if (!o)
            return Error{QStringLiteral("origin \"%1\" is not dataset, curator or server").arg(origin)};
        row.origin = *o;
    }
    if (!status.isEmpty()) {
        const auto s = reviewStatusFromString(status);
        if (!s)
            return Error{QStringLiteral("status \"%1\" is not pending, approved or rejected").arg(status)};
        row.status = *s;
    }
    if (!time.isEmpty()) {
        row.at = QDateTime::fromString(time, Qt::ISODateWithMs);
        if (!row.at.isValid())
            return Error{QStringLiteral("time \"%1\" is not an ISO 8601 date and time").arg(time)};
        row.at = row.at.toUTC();
    }
    if (!split.isEmpty() && split != QLatin1String("trainval") && split != QLatin1String("test"))
        return Error{QStringLiteral("split \"%1\" is not trainval or test").arg(split)};
    row.split = split;
    return row;
}

Expected<ManifestContents> readCsv(const QByteArray& bytes, const QString& label, const QString& defaultAuthor)
{
    auto records = csv::parse(bytes);
    if (!records)
        return Error{QStringLiteral("%1: %2").arg(label, records.error().message)};
    if (records->isEmpty())
        return Error{QStringLiteral("%1: empty, expected a header line (%2)").arg(label, kColumns.join(QLatin1Char(',')))};
    const QStringList header = records->first().fields;
    QHash<QString, qsizetype> column;
    for (qsizetype i = 0; i < header.size(); ++i)
        column.insert(header[i].trimmed().toLower(), i);
    for (const QString& required : {QStringLiteral("path"), QStringLiteral("breed")})
        if (!column.contains(required))
            return Error{QStringLiteral("%1: the header line has no \"%2\" column").arg(label, required)};
    ManifestContents out;
    for (qsizetype r = 1; r < records->size(); ++r) {
        const csv::Record& record = records->at(r);
        const QString where = QStringLiteral("%1:%2").arg(label).arg(record.line);
        if (record.fields.size() != header.size()) {
            out.issues.append({where, QStringLiteral("%1 fields, the header has %2").arg(record.fields.size()).arg(header.size())});
            continue;
        }
        auto row = rowFrom(
            [&](const QString& name) -> Expected<std::optional<QString>> {
                const auto it = column.constFind(name);
                return it == column.cend() ? std::optional<QString>() : std::optional<QString>(record.fields[*it]);
            },
            [] { return Expected<int>(Error{QStringLiteral("no breed")}); }, defaultAuthor);
        if (!row)
            out.issues.append({where, row.error().message});
        else
            out.rows.append(*row);
    }
    return out;
}

Expected<ManifestContents> readJson(const QByteArray& bytes, const QString& label, const QString& defaultAuthor)
{
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(bytes, &parseError);
    if (parseError.error != QJsonParseError::NoError)
        return Error{QStringLiteral("%1: not JSON (%2 at byte %3)").arg(label, parseError.errorString()).arg(parseError.offset)};
    if (!doc.isArray())
        return Error{QStringLiteral("%1: expected an array of labelled images").arg(label)};
    const BreedCatalog& breeds = BreedCatalog::oxford();
    ManifestContents out;
    const QJsonArray items = doc.array();
    for (qsizetype i = 0; i < items.size(); ++i) {
        const QString where = QStringLiteral("%1: item %2").arg(label).arg(i + 1);
        if (!items[i].isObject()) {
            out.issues.append({where, QStringLiteral("not an object")});
            continue;
        }
        const QJsonObject o = items[i].toObject();
        auto row = rowFrom(
            [&](const QString& name) -> Expected<std::optional<QString>> {
                // A path may also come as /user-labels' "url".
                const QString key = name == QLatin1String("path") && !o.contains(name) ? QStringLiteral("url") : name;
                const QJsonValue v = o.value(key);
                if (v.isUndefined() || v.isNull())
                    return std::optional<QString>();
                if (!v.isString())
                    return Error{QStringLiteral("\"%1\" is not a string").arg(key)};
                return std::optional<QString>(v.toString());
            },
            [&]() -> Expected<int> {
                const QJsonValue v = o.value(QStringLiteral("label"));
                if (v.isUndefined())
                    return Error{QStringLiteral("no breed (\"breed\" or \"label\")")};
                const double n = v.toDouble(-1);
                if (!v.isDouble() || n < 0 || n >= breeds.size() || n != std::floor(n))
                    return Error{QStringLiteral("\"label\" must be a class index from 0 to %1").arg(breeds.size() - 1)};
                return int(n);
            },
            defaultAuthor);
        if (!row)
            out.issues.append({where, row.error().message});
        else
            out.rows.append(*row);
    }
    return out;
}

} // namespace

QString toString(ManifestFormat format) { return format == ManifestFormat::Csv ? QStringLiteral("csv") : QStringLiteral("json"); }

std::optional<ManifestFormat> manifestFormatFromString(const QString& name)
{
    if (name == QLatin1String("csv"))
        return ManifestFormat::Csv;
    if (name == QLatin1String("json"))
        return ManifestFormat::Json;
    return std::nullopt;
}

std::optional<ManifestFormat> manifestFormatForFile(const QString& path)
{
    return manifestFormatFromString(QFileInfo(path).suffix().toLower());
}

QByteArray writeManifest(ManifestFormat format, const QVector<ManifestRow>& rows)
{
    return format == ManifestFormat::Csv ? csvText(rows) : jsonText(rows);
}

Expected<ManifestContents> readManifest(const QString& path, ManifestFormat format, const QString& defaultAuthor)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return Error{QStringLiteral("%1: cannot read: %2").arg(path, f.errorString())};
    const QByteArray bytes = f.readAll();
    if (f.error() != QFileDevice::NoError)
        return Error{QStringLiteral("%1: cannot read: %2").arg(path, f.errorString())};
    const QString label = QFileInfo(path).fileName();
    return format == ManifestFormat::Csv ? readCsv(bytes, label, defaultAuthor) : readJson(bytes, label, defaultAuthor);
}

} // namespace pc
