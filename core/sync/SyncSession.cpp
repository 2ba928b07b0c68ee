#include "sync/SyncSession.h"

#include "sync/Backoff.h"
#include "sync/EventPuller.h"
#include "sync/OutboxPusher.h"
#include "workspace/SyncLedger.h"
#include "workspace/Workspace.h"

#include <QDeadlineTimer>
#include <QThread>

namespace pc::sync {

namespace {

// Sleeps in short steps so a cancel is seen at once.
void pause(int ms, const std::atomic_bool* cancel)
{
    QDeadlineTimer until(ms);
    while (!until.hasExpired() && !(cancel && cancel->load()))
        QThread::msleep(std::min<qint64>(50, std::max<qint64>(1, until.remainingTime())));
}

} // namespace

QJsonObject SyncReport::toJson() const
{
    return {{QStringLiteral("ok"), ok()},
            {QStringLiteral("reached_server"), reachedServer},
            {QStringLiteral("pushed"), pushed},
            {QStringLiteral("refused"), refused},
            {QStringLiteral("pulled"), pulled},
            {QStringLiteral("verdicts"), verdicts},
            {QStringLiteral("images"), images},
            {QStringLiteral("queued"), queued},
            {QStringLiteral("attempts"), attempts},
            {QStringLiteral("error"), error},
            {QStringLiteral("offline"), transient && !error.isEmpty()},
            {QStringLiteral("model"), model},
            {QStringLiteral("model_error"), modelError},
            {QStringLiteral("finished"), finished.toString(Qt::ISODateWithMs)}};
}

QString SyncReport::summary() const
{
    QString s = QStringLiteral("sent %1, received %2 label%3 and %4 verdict%5, %6 queued")
                    .arg(pushed).arg(pulled).arg(pulled == 1 ? QString() : QStringLiteral("s"))
                    .arg(verdicts).arg(verdicts == 1 ? QString() : QStringLiteral("s")).arg(queued);
    if (refused > 0)
        s += QStringLiteral(", %1 refused by the server").arg(refused);
    if (!model.isEmpty())
        s += QStringLiteral("; ") + model;
    return s;
}

SyncReport runSync(std::shared_ptr<Workspace> workspace, const ClientSettings& settings, const SyncOptions& options,
                   const std::atomic_bool* cancel)
{
    SyncReport report;
    SyncLedger ledger(workspace);
    auto finish = [&]() -> SyncReport {
        if (auto state = ledger.outboxState())
            report.queued = state->queued;
        report.finished = QDateTime::currentDateTimeUtc();
        // For `server-status` and the app's indicator: when the last sync got through, and how
        // the last one ended.
        // The report is the answer; a status line that can't be written is logged.
        auto note = [&](const QString& key, const QString& value) {
            if (auto s = workspace->setSetting(key, value); !s)
                qWarning("sync: %s", qPrintable(s.error().message));
        };
        if (report.error.isEmpty())
            note(QStringLiteral("sync.last_success"), report.finished.toString(Qt::ISODateWithMs));
        note(QStringLiteral("sync.last_result"), report.error.isEmpty() ? report.summary() : report.error);
        return report;
    };
    const QUrl url(options.serverUrl);
    if (const QString bad = ServerClient::checkUrl(url); !bad.isEmpty()) {
        report.error = bad;
        return finish();
    }
    if (options.token.trimmed().isEmpty()) {
        report.error = QStringLiteral("no API token: set one in the app's Team server settings, pass --token-file, or set $PETCURATOR_TOKEN");
        return finish();
    }
    ServerClient client(url, options.token, options.timeoutMs);
    client.setCancelFlag(cancel);
    OutboxPusher pusher(*workspace, ledger, client);
    EventPuller puller(*workspace, ledger, client);
    Backoff backoff;
    QDeadlineTimer deadline(options.retryForMs);

    StepResult step;
    for (;;) {
        ++report.attempts;
        step = pusher.pushAll(options.batchSize, cancel);
        if (step.ok())
            step = puller.pullAll(options.pageSize, cancel);
        if (step.ok() || !step.transient || (cancel && cancel->load()))
            break;
        const int delay = backoff.nextDelayMs();
        if (deadline.remainingTime() < delay)
            break;
        pause(delay, cancel);
    }
    report.pushed = pusher.pushed();
    report.refused = pusher.refused();
    report.pulled = puller.applied().labels;
    report.verdicts = puller.applied().verdicts;
    report.images = puller.images();
    report.reachedServer = step.ok() || !step.transient || pusher.pushed() > 0 || puller.applied().labels > 0;
    if (!step.ok()) {
        report.error = step.error;
        report.transient = step.transient;
        return finish();
    }

    if (options.pullModels && options.admit) {
        ModelPuller models(*workspace, ledger, client);
        const StepResult m = models.pull(settings.pinnedKey, options.pinServerKey);
        report.keyToPin = models.keyToPin();
        if (!m.ok()) {
            (m.transient ? report.error : report.modelError) = m.error;
            report.transient = m.transient;
        } else if (const auto& fetched = models.fetched()) {
            auto verdict = options.admit(*fetched);
            if (!verdict) {
                report.modelError = QStringLiteral("server model %1: %2").arg(fetched->serverVersion).arg(verdict.error().message);
            } else {
                report.model = QStringLiteral("server model %1 %2").arg(fetched->serverVersion).arg(*verdict);
                // Unrecorded, the next sync would take the same model in again.
                if (auto s = ledger.setLastServerModel(fetched->serverVersion); !s)
                    report.modelError = s.error().message;
            }
        } else {
            report.model = models.note();
        }
    }
    return finish();
}

} // namespace pc::sync
