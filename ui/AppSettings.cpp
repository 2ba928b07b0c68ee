#include "AppSettings.h"

#include "curation/NearDuplicates.h"

#include <QSettings>
#include <QThread>

namespace pc {

namespace {
QVariant get(const char* key, const QVariant& fallback = {}) { return QSettings().value(QLatin1String(key), fallback); }
void put(const char* key, const QVariant& value) { QSettings().setValue(QLatin1String(key), value); }
} // namespace

QString AppSettings::workspaceDir() { return get("workspace/dir").toString(); }
void AppSettings::setWorkspaceDir(const QString& dir) { put("workspace/dir", dir); }

int AppSettings::threads() { return std::max(0, get("performance/threads", 0).toInt()); }
void AppSettings::setThreads(int threads) { put("performance/threads", std::max(0, threads)); }
namespace {
int g_threadsOverride = 0;
}

void AppSettings::setThreadsOverride(int threads) { g_threadsOverride = std::max(0, threads); }

int AppSettings::effectiveThreads()
{
    const int t = g_threadsOverride > 0 ? g_threadsOverride : threads();
    return t > 0 ? t : std::max(1, QThread::idealThreadCount());
}

QString AppSettings::precision() { return get("performance/precision", QStringLiteral("auto")).toString(); }
void AppSettings::setPrecision(const QString& precision) { put("performance/precision", precision); }
namespace {
QString g_precisionOverride;
}
void AppSettings::setPrecisionOverride(const QString& precision) { g_precisionOverride = precision; }
QString AppSettings::effectivePrecision() { return g_precisionOverride.isEmpty() ? precision() : g_precisionOverride; }

AutoTrainRules AppSettings::autoTrainRules()
{
    AutoTrainRules r;
    r.afterLabelsEnabled = get("autotrain/afterLabelsEnabled", r.afterLabelsEnabled).toBool();
    r.afterLabels = std::max(1, get("autotrain/afterLabels", r.afterLabels).toInt());
    r.dailyEnabled = get("autotrain/dailyEnabled", r.dailyEnabled).toBool();
    const QTime at = QTime::fromString(get("autotrain/dailyAt", r.dailyAt.toString(QStringLiteral("HH:mm"))).toString(),
                                       QStringLiteral("HH:mm"));
    if (at.isValid())
        r.dailyAt = at;
    return r;
}

void AppSettings::setAutoTrainRules(const AutoTrainRules& rules)
{
    put("autotrain/afterLabelsEnabled", rules.afterLabelsEnabled);
    put("autotrain/afterLabels", rules.afterLabels);
    put("autotrain/dailyEnabled", rules.dailyEnabled);
    put("autotrain/dailyAt", rules.dailyAt.toString(QStringLiteral("HH:mm")));
}

bool AppSettings::incrementalOnCorrection() { return get("autotrain/incrementalOnCorrection", true).toBool(); }
void AppSettings::setIncrementalOnCorrection(bool on) { put("autotrain/incrementalOnCorrection", on); }

bool AppSettings::advanceAfterLabel() { return get("review/advanceAfterLabel", true).toBool(); }
void AppSettings::setAdvanceAfterLabel(bool on) { put("review/advanceAfterLabel", on); }

float AppSettings::nearDuplicateThreshold()
{
    bool ok = false;
    const double t = get("review/nearDuplicateThreshold", double(kDefaultNearDuplicateThreshold)).toDouble(&ok);
    return ok && t >= 0.5 && t <= 1.0 ? float(t) : kDefaultNearDuplicateThreshold;
}
void AppSettings::setNearDuplicateThreshold(float cosine) { put("review/nearDuplicateThreshold", double(cosine)); }

QString AppSettings::curatorName()
{
    QString fallback = qEnvironmentVariable("USER");
    if (fallback.isEmpty())
        fallback = QStringLiteral("curator");
    const QString name = get("review/curator", fallback).toString().trimmed();
    return name.isEmpty() ? fallback : name;
}
void AppSettings::setCuratorName(const QString& name) { put("review/curator", name.trimmed()); }

QString AppSettings::exportDir() { return get("export/dir").toString(); }
void AppSettings::setExportDir(const QString& dir) { put("export/dir", dir); }

bool AppSettings::darkTheme() { return get("view/darkTheme", false).toBool(); }
void AppSettings::setDarkTheme(bool on) { put("view/darkTheme", on); }

QByteArray AppSettings::windowGeometry() { return get("window/geometry").toByteArray(); }
QByteArray AppSettings::windowState() { return get("window/state").toByteArray(); }
void AppSettings::setWindow(const QByteArray& geometry, const QByteArray& state)
{
    put("window/geometry", geometry);
    put("window/state", state);
}

} // namespace pc
