#pragma once
// Paths and shared fixtures for the tests. Data is real: the Oxford-IIIT Pet sample and the
// pretrained weights fetched by scripts/fetch-weights.sh.
#include "model/Backbone.h"

#include <QDir>
#include <QFile>
#include <QHash>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTextStream>
#include <QString>
#include <QTest>
#include <opencv2/core.hpp>

namespace pc::test {

inline QString sampleDir() { return QStringLiteral(PC_SAMPLE_DIR); }
inline QString sampleImage(const QString& name) { return sampleDir() + QStringLiteral("/images/") + name; }
inline QString sourceDir() { return QStringLiteral(PC_SOURCE_DIR); }
inline QByteArray readFile(const QString& path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

inline QString cliPath() { return QStringLiteral(PC_BINARY_DIR "/app/petcurator-cli"); }

// One run of petcurator-cli, as a script sees it.
struct CliRun {
    int code = -1; // -1: it did not exit normally
    QString out, err;
    QJsonObject json() const { return QJsonDocument::fromJson(out.toUtf8()).object(); }
    QStringList lines() const { return out.split(QLatin1Char('\n'), Qt::SkipEmptyParts); }
};

inline CliRun runCli(const QStringList& args, const QProcessEnvironment& env = QProcessEnvironment::systemEnvironment())
{
    QProcess p;
    p.setProcessEnvironment(env);
    p.start(cliPath(), args);
    if (!p.waitForFinished(600000))
        qFatal("petcurator-cli did not finish in 10 minutes");
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, QString::fromUtf8(p.readAllStandardOutput()),
            QString::fromUtf8(p.readAllStandardError())};
}

// One backbone per test process: loading it takes ~0.4 s.
inline std::shared_ptr<const Backbone> backbone()
{
    static std::shared_ptr<const Backbone> b = [] {
        auto loaded = Backbone::load();
        if (!loaded)
            qFatal("cannot load the backbone: %s", qPrintable(loaded.error().message));
        return std::shared_ptr<const Backbone>(*loaded);
    }();
    return b;
}

// The backbone in the precision `auto` picks on this CPU (bf16 where it is native): what the
// executables run by default, for tests that compare their answers with in-process ones.
inline std::shared_ptr<const Backbone> autoBackbone()
{
    static std::shared_ptr<const Backbone> b = [] {
        const Precision precision = *resolvePrecision(PrecisionChoice::Auto);
        if (precision == Precision::Fp32)
            return backbone();
        auto loaded = Backbone::load(Backbone::defaultWeightsDir(), precision);
        if (!loaded)
            qFatal("cannot load the %s backbone: %s", qPrintable(precisionName(precision)), qPrintable(loaded.error().message));
        return std::shared_ptr<const Backbone>(*loaded);
    }();
    return b;
}

// An Oxford-layout folder with the first `perBreed` sample photos of each of `breeds`.
inline QString makeOxfordSubset(const QString& root, const QStringList& breeds, int perBreed)
{
    QDir(root).mkpath(QStringLiteral("images"));
    QDir(root).mkpath(QStringLiteral("annotations"));
    QFile list(sampleDir() + QStringLiteral("/annotations/list.txt"));
    if (!list.open(QIODevice::ReadOnly))
        qFatal("sample list.txt missing");
    QFile outList(root + QStringLiteral("/annotations/list.txt"));
    if (!outList.open(QIODevice::WriteOnly))
        qFatal("cannot write list.txt");
    QHash<QString, int> taken;
    QTextStream in(&list), out(&outList);
    while (!in.atEnd()) {
        const QString line = in.readLine();
        const QString name = line.section(QLatin1Char(' '), 0, 0);
        const QString breed = name.section(QLatin1Char('_'), 0, -2);
        if (line.startsWith(QLatin1Char('#')) || !breeds.contains(breed) || taken[breed] >= perBreed)
            continue;
        if (QFile::copy(sampleImage(name + QStringLiteral(".jpg")), root + QStringLiteral("/images/") + name + QStringLiteral(".jpg"))) {
            out << line << "\n";
            ++taken[breed];
        }
    }
    return root;
}

} // namespace pc::test
