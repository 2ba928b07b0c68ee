#pragma once
// The manifest of a csv or json export: one row per labelled image, with its file (relative to the
// manifest), its SHA-256, the breed, and the label event's origin, author, review status and time.
// The JSON is the team server's /user-labels array ({"id","label","name","url"}, for the seed's
// fine-tune script) with those fields added. Written by exportLabels (LabelExport.h), read back by
// importManifest (DatasetImporter.h) without losing a field.
#include "Expected.h"
#include "workspace/LabelStore.h"

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QPair>
#include <QString>
#include <QVector>
#include <optional>

namespace pc {

enum class ManifestFormat { Csv, Json };

QString toString(ManifestFormat format);                                  // "csv", "json"
std::optional<ManifestFormat> manifestFormatFromString(const QString& name);
std::optional<ManifestFormat> manifestFormatForFile(const QString& path); // by its extension

struct ManifestRow {
    QString path;    // the image file, relative to the manifest's folder, '/'-separated
    QString sha256;  // empty: not given (the file is then taken as it is)
    QString breed;   // catalogue id
    LabelOrigin origin = LabelOrigin::Dataset;
    QString author;
    ReviewStatus status = ReviewStatus::Approved;
    QDateTime at;    // invalid: not given (an import stamps it then)
    QString split;   // "trainval", "test" or empty
};

// The whole file, rows in the order given. csv: a header line, then CRLF records (RFC 4180).
QByteArray writeManifest(ManifestFormat format, const QVector<ManifestRow>& rows);

struct ManifestContents {
    QVector<ManifestRow> rows;
    QList<QPair<QString, QString>> issues; // ("labels.csv:7", reason) for each row left out
};

// Reads a manifest. Only the path and the breed are required (a hand-made one may give just those);
// a missing origin is "dataset", author `defaultAuthor`, status "approved", time none. A bad row is
// reported and left out; a file that can't be read or is no manifest at all is an error.
Expected<ManifestContents> readManifest(const QString& path, ManifestFormat format, const QString& defaultAuthor);

} // namespace pc
