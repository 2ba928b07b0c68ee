#pragma once
// A training run's results as CSV (RFC 4180: comma-separated, CRLF line ends, a field quoted when it
// holds a comma, a quote or a line break, quotes doubled): the per-epoch metrics and the confusion
// matrix, for a spreadsheet or a notebook. Data only, no widgets: the desktop app and the CLI both
// write the same files.
#include "Expected.h"
#include "training/Trainer.h"

#include <QByteArray>
#include <QString>
#include <QStringList>
#include <QVector>

namespace pc {

// One field, quoted only when it must be.
QString csvField(const QString& text);
// One record: the fields joined by commas, ended by CRLF.
QString csvRecord(const QStringList& fields);

// Header "epoch,train_loss,val_loss,train_accuracy,val_accuracy,val_mean_per_class_accuracy,
// learning_rate", then one row per epoch in the order given. Accuracies are fractions (0–1); numbers
// are written in the shortest form that reads back to the same double; a missing value (NaN) is
// an empty field. UTF-8.
QByteArray epochMetricsCsv(const QVector<EpochMetrics>& epochs);

// The classes × classes matrix (row = true breed, column = predicted), `counts` row-major. The
// header row and the first column name the breeds by their display names ("Maine Coon"); the
// corner cell says which way is which. Every class given is written, in the order given.
// An error when `counts` is not classes².
Expected<QByteArray> confusionMatrixCsv(const QStringList& classIds, const QVector<int>& counts);

// Writes `bytes` to `path` atomically (QSaveFile: the old file stays until the new one is whole).
// The error names the file and says why ("cannot write /x/y.csv: Permission denied").
Status<> saveFileAtomically(const QString& path, const QByteArray& bytes);

} // namespace pc
