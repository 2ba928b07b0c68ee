#include "training/ModelRetention.h"

#include "workspace/Workspace.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QLocale>
#include <QSet>

namespace pc {

namespace {

const QString kKeepSetting = QStringLiteral("models.keep_quick_updates");

QString sizeText(qint64 bytes)
{
    return QLocale::c().formattedDataSize(bytes, 1, QLocale::DataSizeTraditionalFormat);
}

// A quick update: an incremental training's version (the loop writes the kind into the metrics,
// as it does into the run's parameters).
bool isQuickUpdate(const ModelRecord& m)
{
    return m.metrics.value(QLatin1String("kind")).toString() == QLatin1String("incremental");
}

QString bundlePath(const Workspace& workspace, const ModelRecord& m)
{
    return m.file.isEmpty() ? QString() : QDir(workspace.dir()).filePath(m.file);
}

qint64 fileSize(const QString& path)
{
    const QFileInfo info(path);
    return !path.isEmpty() && info.isFile() ? info.size() : 0;
}

QVector<ModelRecord> plan(const QVector<ModelRecord>& models, const QVector<ModelStore::Activation>& log, int keep)
{
    QSet<QString> everActive;
    for (const ModelStore::Activation& a : log)
        everActive.insert(a.version);
    QString active;
    for (const ModelRecord& m : models)
        if (m.state == ModelState::Active)
            active = m.version;
    // The rollback target, found as the loop's rollback finds it: the last logged version other
    // than the live one (with the zero-shot head live, the last logged one).
    QString previous;
    for (qsizetype i = log.size() - 1; i >= 0; --i)
        if (log[i].version != active) {
            previous = log[i].version;
            break;
        }
    // The versions that may go: all but the milestones (non-quick versions that were ever live).
    // The newest `keep` of them stay, counted whatever their state.
    QVector<ModelRecord> others;
    for (const ModelRecord& m : models)
        if (isQuickUpdate(m) || !everActive.contains(m.version))
            others.append(m);
    QVector<ModelRecord> out;
    for (qsizetype i = 0; i < others.size() - keep; ++i) {
        const ModelRecord& m = others[i];
        if (!m.isPruned() && m.version != active && m.version != previous)
            out.append(m);
    }
    return out;
}

} // namespace

QString RetentionReport::summary() const
{
    if (pruned.isEmpty())
        return QStringLiteral("nothing to prune (keeping the newest %1 quick updates, the active and previous versions, "
                              "and every other version that was ever active)")
            .arg(keep);
    QStringList versions;
    for (const PrunedBundle& b : pruned)
        versions << b.version;
    if (versions.size() > 6)
        versions = versions.mid(0, 3) + QStringList{QStringLiteral("…")} + versions.mid(versions.size() - 2);
    const QString list = versions.join(QStringLiteral(", "));
    const int n = int(pruned.size());
    const QString plural = n == 1 ? QString() : QStringLiteral("s");
    return (dryRun ? QStringLiteral("would prune %1 bundle%2 (%3): %4 to free") : QStringLiteral("pruned %1 bundle%2 (%3): %4 freed"))
        .arg(n)
        .arg(plural, list, sizeText(bytesFreed));
}

QJsonObject RetentionReport::toJson() const
{
    QJsonArray list;
    for (const PrunedBundle& b : pruned)
        list.append(QJsonObject{{QStringLiteral("version"), b.version}, {QStringLiteral("file"), b.file}, {QStringLiteral("bytes"), b.bytes}});
    return {{QStringLiteral("keep"), keep}, {QStringLiteral("dry_run"), dryRun}, {QStringLiteral("pruned"), list},
            {QStringLiteral("bytes_freed"), bytesFreed}};
}

Expected<int> ModelRetention::keep(const Workspace& workspace)
{
    const auto stored = workspace.setting(kKeepSetting);
    if (!stored)
        return stored.error();
    if (stored->isEmpty())
        return kDefaultKeep;
    bool ok = false;
    const int n = stored->toInt(&ok);
    if (!ok || n < 0 || n > kMaxKeep)
        return Error{QStringLiteral("the workspace setting %1 is '%2', not a number from 0 to %3").arg(kKeepSetting, *stored).arg(kMaxKeep)};
    return n;
}

Status<> ModelRetention::setKeep(Workspace& workspace, int keep)
{
    if (keep < 0 || keep > kMaxKeep)
        return Error{QStringLiteral("quick updates to keep must be a number from 0 to %1, not %2").arg(kMaxKeep).arg(keep)};
    return workspace.setSetting(kKeepSetting, QString::number(keep));
}

Expected<QVector<ModelRecord>> ModelRetention::toPrune(const Workspace& workspace, int keep)
{
    if (keep < 0)
        return Error{QStringLiteral("quick updates to keep must be 0 or more, not %1").arg(keep)};
    const auto models = workspace.models().all();
    if (!models)
        return models.error();
    const auto log = workspace.models().activations();
    if (!log)
        return log.error();
    return plan(*models, *log, keep);
}

Expected<RetentionReport> ModelRetention::prune(Workspace& workspace, int keep, bool dryRun)
{
    RetentionReport report;
    report.keep = keep;
    report.dryRun = dryRun;
    const auto models = workspace.models().all();
    if (!models)
        return models.error();
    const auto log = workspace.models().activations();
    if (!log)
        return log.error();
    if (keep < 0)
        return Error{QStringLiteral("quick updates to keep must be 0 or more, not %1").arg(keep)};
    QVector<ModelRecord> doomed = plan(*models, *log, keep);
    // Pruned before, but the bundle outlived it (a crash between the mark and the delete).
    for (const ModelRecord& m : *models)
        if (m.isPruned() && fileSize(bundlePath(workspace, m)) > 0)
            doomed.append(m);
    for (const ModelRecord& m : std::as_const(doomed)) {
        const QString path = bundlePath(workspace, m);
        PrunedBundle b{m.version, m.file, fileSize(path)};
        if (!dryRun) {
            // The row first: a version is never listed as restorable without its bundle.
            if (auto s = workspace.models().markPruned(m.version); !s)
                return s.error();
            if (!path.isEmpty() && QFileInfo::exists(path)) {
                QFile f(path);
                if (!f.remove())
                    return Error{QStringLiteral("model %1 is marked pruned, but its bundle %2 could not be deleted: %3")
                                     .arg(m.version, path, f.errorString())};
            }
        }
        report.bytesFreed += b.bytes;
        report.pruned.append(b);
    }
    return report;
}

} // namespace pc
