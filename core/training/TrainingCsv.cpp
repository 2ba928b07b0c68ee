#include "TrainingCsv.h"
#include "model/BreedCatalog.h"

#include <QDir>
#include <QLocale>
#include <QSaveFile>
#include <cmath>

namespace pc {

namespace {
QString number(double v)
{
    // Shortest round-trip form, '.' as the decimal point whatever the locale.
    return std::isfinite(v) ? QString::number(v, 'g', QLocale::FloatingPointShortest) : QString();
}
} // namespace

QString csvField(const QString& text)
{
    static const QString special = QStringLiteral(",\"\r\n");
    bool quote = false;
    for (QChar c : text)
        quote = quote || special.contains(c);
    if (!quote)
        return text;
    QString escaped = text;
    escaped.replace(QLatin1Char('"'), QLatin1String("\"\""));
    return QLatin1Char('"') + escaped + QLatin1Char('"');
}

QString csvRecord(const QStringList& fields)
{
    QStringList quoted;
    quoted.reserve(fields.size());
    for (const QString& f : fields)
        quoted << csvField(f);
    return quoted.join(QLatin1Char(',')) + QLatin1String("\r\n");
}

QByteArray epochMetricsCsv(const QVector<EpochMetrics>& epochs)
{
    QString out = csvRecord({QStringLiteral("epoch"), QStringLiteral("train_loss"), QStringLiteral("val_loss"),
                             QStringLiteral("train_accuracy"), QStringLiteral("val_accuracy"),
                             QStringLiteral("val_mean_per_class_accuracy"), QStringLiteral("learning_rate")});
    for (const EpochMetrics& m : epochs)
        out += csvRecord({QString::number(m.epoch), number(m.loss), number(m.valLoss), number(m.trainAccuracy), number(m.valAccuracy),
                          number(m.valMeanPerClass), number(m.learningRate)});
    return out.toUtf8();
}

Expected<QByteArray> confusionMatrixCsv(const QStringList& classIds, const QVector<int>& counts)
{
    const qsizetype n = classIds.size();
    if (counts.size() != n * n)
        return Error{QStringLiteral("the confusion matrix has %1 cells for %2 classes").arg(counts.size()).arg(n)};
    QStringList names;
    names.reserve(n);
    for (const QString& id : classIds)
        names << breedDisplayName(id);
    QString out = csvRecord(QStringList{QStringLiteral("true \\ predicted")} + names);
    for (qsizetype r = 0; r < n; ++r) {
        QStringList row{names[r]};
        for (qsizetype c = 0; c < n; ++c)
            row << QString::number(counts[r * n + c]);
        out += csvRecord(row);
    }
    return out.toUtf8();
}

Status<> saveFileAtomically(const QString& path, const QByteArray& bytes)
{
    const QString shown = QDir::toNativeSeparators(path);
    if (path.isEmpty())
        return Error{QStringLiteral("no file name given")};
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return Error{QStringLiteral("cannot write %1: %2").arg(shown, file.errorString())};
    if (file.write(bytes) != bytes.size()) {
        const QString why = file.errorString();
        file.cancelWriting();
        return Error{QStringLiteral("cannot write %1: %2").arg(shown, why)};
    }
    if (!file.commit())
        return Error{QStringLiteral("cannot write %1: %2").arg(shown, file.errorString())};
    return done();
}

} // namespace pc
