#include "training/LearningLoop.h"

#include "training/ContentOrder.h"

#include "concurrency/ThreadPriority.h"
#include "imaging/ImageDecoder.h"
#include "imaging/Preprocess.h"
#include "model/Backbone.h"
#include "model/BatchEmbedder.h"
#include "model/BreedCatalog.h"
#include "model/ModelBundle.h"
#include "model/ZeroShotHead.h"
#include "training/BackgroundViews.h"
#include "training/ContentOrder.h"
#include "training/EmbeddingCache.h"
#include "training/Gate.h"
#include "training/Strand.h"
#include "training/TrainingLabels.h"
#include "training/TrainingSet.h"
#include "training/ValidationSplit.h"
#include "workspace/Workspace.h"

#include <QCoreApplication>
#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QMetaObject>
#include <QPointer>

#ifdef __linux__
#include <pthread.h>
#include <unistd.h>
#endif

namespace pc {

namespace {

QJsonArray classArray()
{
    QJsonArray a;
    for (const QString& id : BreedCatalog::oxford().ids())
        a.append(id);
    return a;
}

QJsonObject metricsJson(const Evaluation& e, const QString& splitId)
{
    QJsonObject perClass;
    const QStringList ids = BreedCatalog::oxford().ids();
    for (size_t c = 0; c < e.perClass.size(); ++c)
        if (!std::isnan(e.perClass[c]))
            perClass.insert(ids.value(int(c)), e.perClass[c]);
    return {{QStringLiteral("val_accuracy"), e.top1},
            {QStringLiteral("val_mean_per_class"), e.meanPerClass},
            {QStringLiteral("val_images"), e.count},
            {QStringLiteral("val_per_class"), perClass},
            {QStringLiteral("split_id"), splitId},
            {QStringLiteral("classes"), classArray()}};
}

} // namespace

// The loop's thread names itself and, in the GUI, yields the CPU to the UI and to predictions:
// it and the torch OpenMP team it computes with go to background priority where the thread starts.
// In the CLI the loop is what the user waits for: it keeps the process's priority.
static void startLoopThread(bool background)
{
#ifdef __linux__
    pthread_setname_np(pthread_self(), "learning-loop");
#endif
    if (background)
        Backbone::lowerThreadPriorityHere(ThreadPriority::Background);
}

LearningLoop::LearningLoop(std::shared_ptr<Workspace> workspace, std::shared_ptr<const Backbone> backbone, QObject* parent)
    : QObject(parent), m_workspace(std::move(workspace)), m_backbone(std::move(backbone))
{
    qRegisterMetaType<pc::EpochMetrics>();
    qRegisterMetaType<pc::TrainOutcome>();
    m_zeroShot = std::make_shared<const ModelSnapshot>(ModelSnapshot{QStringLiteral("zero-shot"), makeZeroShotHead(*m_backbone), nullptr});
    m_active = std::make_shared<ActiveModel>(m_zeroShot);
    m_views = std::make_unique<BackgroundViews>(m_workspace, m_backbone);
    const QCoreApplication* app = QCoreApplication::instance();
    const bool background = app && app->inherits("QGuiApplication");
    m_strand = std::make_unique<Strand>([background] { startLoopThread(background); });
    // Loaded on the strand like everything else; the caller waits, so activeVersion() is right
    // once the loop exists.
    m_strand->call([this] {
        if (auto s = loadActiveModel(); !s)
            qWarning("%s", qPrintable(s.error().message));
        if (auto last = m_workspace->labels().lastEventId())
            m_labelsAtLastFullRun = *last;
        else
            qWarning("%s", qPrintable(last.error().message));
    });
}

LearningLoop::~LearningLoop()
{
    // Queued trainings start cancelled and end at once; the strand runs what is left and joins
    // while every member is still alive. The background fill goes first: it queues on the strand.
    cancel();
    m_views->close();
    m_strand.reset();
}

QString LearningLoop::activeVersion() const
{
    return m_active->snapshot()->version;
}

void LearningLoop::waitForIdle()
{
    // A background fill ends by queueing its follow-up training, and a training may start a fill.
    do
        m_strand->waitForIdle();
    while (m_views->wait());
}

quint64 LearningLoop::cancelTicket()
{
    std::lock_guard lock(m_cancelMutex);
    return m_cancelGeneration;
}

void LearningLoop::beginCancellable(quint64 ticket)
{
    std::lock_guard lock(m_cancelMutex);
    m_runCancel = m_cancelGeneration != ticket;
}

void LearningLoop::cancel()
{
    std::lock_guard lock(m_cancelMutex);
    ++m_cancelGeneration;
    m_runCancel = true; // the request running now, if any, was asked for before this
    m_views->cancel();  // and its augmented views, whose follow-up it would be
}

template <class R>
void LearningLoop::answer(QObject* context, std::function<void(const R&)> done, R result)
{
    if (!done)
        return;
    // Posted to the loop (it outlives its jobs: its destructor joins the strand), checked there.
    QMetaObject::invokeMethod(
        this, [guard = QPointer<QObject>(context), done = std::move(done), result = std::move(result)] {
            if (guard)
                done(result);
        },
        Qt::QueuedConnection);
}

// Reads and checks a version's bundle into a snapshot, without touching the active model.
static Expected<std::shared_ptr<const ModelSnapshot>> loadSnapshot(const Workspace& ws, const Backbone& backbone, const QString& version)
{
    const auto found = ws.models().find(version);
    if (!found)
        return found.error();
    const std::optional<ModelRecord>& record = *found;
    if (!record)
        return Error{QStringLiteral("no model version %1 in this workspace").arg(version)};
    if (record->isPruned())
        return Error{prunedModelMessage(version)};
    auto bundle = readModelBundle(QDir(ws.dir()).filePath(record->file),
                                  {BreedCatalog::oxford().ids(), QString::fromLatin1(Backbone::kId), backbone.weightsHash()});
    if (!bundle)
        return bundle.error();
    auto snapshot = std::make_shared<ModelSnapshot>(ModelSnapshot{version, bundle->head, nullptr});
    if (!bundle->backboneTensors.empty()) {
        auto tuned = backbone.withTunedTensors(bundle->backboneTensors);
        if (!tuned)
            return tuned.error();
        snapshot->backbone = *tuned;
    }
    return std::shared_ptr<const ModelSnapshot>(snapshot);
}

Status<> LearningLoop::loadActiveModel()
{
    if (!m_strand->isCurrentThread())
        return m_strand->call([this] { return loadActiveModel(); });
    const auto found = m_workspace->models().active();
    if (!found)
        return found.error();
    const std::optional<ModelRecord>& record = *found;
    if (!record) {
        m_active->swap(m_zeroShot);
        return done();
    }
    auto snapshot = loadSnapshot(*m_workspace, *m_backbone, record->version);
    if (!snapshot)
        return Error{QStringLiteral("active model %1 could not be loaded: %2").arg(record->version, snapshot.error().message)};
    m_active->swap(*snapshot);
    return done();
}

Status<> LearningLoop::commitActivation(std::shared_ptr<const ModelSnapshot> snapshot, const QString& verdict, const QString& reason)
{
    Q_ASSERT(m_strand->isCurrentThread());
    // The database first, so a failed write leaves the live model as it is.
    const QString version = snapshot->version;
    const Status<> written = snapshot == m_zeroShot ? m_workspace->models().clearActive() : m_workspace->models().setActive(version, verdict, reason);
    if (!written)
        return written;
    m_active->swap(std::move(snapshot));
    Q_EMIT activeModelChanged(version);
    return done();
}

Status<> LearningLoop::swapTo(const QString& version, const QString& reason)
{
    if (version == zeroShotVersion())
        return commitActivation(m_zeroShot, {}, reason);
    auto snapshot = loadSnapshot(*m_workspace, *m_backbone, version);
    if (!snapshot)
        return snapshot.error();
    return commitActivation(*snapshot, {}, reason);
}

Status<> LearningLoop::runActivate(const QString& version)
{
    return swapTo(version, QStringLiteral("activated by hand"));
}

Expected<QString> LearningLoop::runRollback()
{
    // The activation log says which model was live before the current one. The zero-shot head is
    // not in the log (it is no stored version): it is what lies before the first entry.
    const auto found = m_workspace->models().active();
    if (!found)
        return found.error();
    const std::optional<ModelRecord>& active = *found;
    const auto activations = m_workspace->models().activations();
    if (!activations)
        return activations.error();
    const QVector<ModelStore::Activation>& log = *activations;
    const QString from = active ? active->version : zeroShotVersion();
    for (qsizetype i = log.size() - 1; i >= 0; --i) {
        if (log[i].version == from)
            continue;
        if (auto s = swapTo(log[i].version, QStringLiteral("rollback from %1").arg(from)); !s)
            return s.error();
        return log[i].version;
    }
    if (!active)
        return Error{QStringLiteral("no earlier model to roll back to")};
    if (auto s = swapTo(zeroShotVersion(), QStringLiteral("rollback from %1").arg(from)); !s)
        return s.error();
    return zeroShotVersion();
}

Status<> LearningLoop::activate(const QString& version)
{
    return m_strand->call([this, version] { return runActivate(version); });
}

Expected<QString> LearningLoop::rollback()
{
    return m_strand->call([this] { return runRollback(); });
}

void LearningLoop::activateAsync(const QString& version, QObject* context, std::function<void(const Status<>&)> done)
{
    m_strand->post([this, version, context, done = std::move(done)]() mutable { answer<Status<>>(context, std::move(done), runActivate(version)); });
}

void LearningLoop::rollbackAsync(QObject* context, std::function<void(const Expected<QString>&)> done)
{
    m_strand->post([this, context, done = std::move(done)]() mutable { answer<Expected<QString>>(context, std::move(done), runRollback()); });
}

void LearningLoop::labelsSinceLastFullRun(QObject* context, std::function<void(int)> done)
{
    m_strand->post([this, context, done = std::move(done)]() mutable {
        const auto since = m_workspace->labels().eventsSince(m_labelsAtLastFullRun);
        if (!since)
            qWarning("%s", qPrintable(since.error().message)); // the next label asks again
        answer<int>(context, std::move(done), since ? *since : 0);
    });
}

LabelledEmbeddings LearningLoop::reembed(const Backbone& backbone, const LabelledEmbeddings& set) const
{
    QStringList paths;
    for (qint64 id : set.imageIds) {
        const auto image = m_workspace->image(id);
        if (!image) // left out of the evaluation, like an image that can't be decoded
            qWarning("%s", qPrintable(image.error().message));
        paths << (image && *image ? m_workspace->storedImagePath((*image)->sha256) : QString());
    }
    const std::vector<EmbeddedFile> embedded = embedFiles(backbone, paths);
    LabelledEmbeddings out;
    for (size_t i = 0; i < embedded.size(); ++i)
        if (!embedded[i].error)
            out.add(embedded[i].embedding.row(0), set.labels[i], set.imageIds[i]);
    return out;
}

Expected<std::pair<std::map<std::string, cv::Mat>, std::shared_ptr<const Backbone>>>
LearningLoop::fineTune(const TrainRequest& request, const LabelledEmbeddings& train, const LabelledEmbeddings& val, TrainOutcome& outcome)
{
    // Decoded images at the largest size the augmentations use, to bound memory.
    const ImageDecoder decoder;
    auto load = [&](const LabelledEmbeddings& set, LabelledImages& into) -> Status<> {
        for (size_t i = 0; i < set.size(); ++i) {
            const auto found = m_workspace->image(set.imageIds[i]);
            if (!found)
                return found.error();
            const std::optional<ImageRecord>& image = *found;
            if (!image)
                return Error{QStringLiteral("image %1 vanished from the workspace").arg(set.imageIds[i])};
            auto decoded = decoder.decodeFile(m_workspace->storedImagePath(image->sha256));
            if (!decoded)
                return Error{QStringLiteral("cannot fine-tune on %1: %2").arg(image->sha256, decoded.error().message)};
            into.rgb.push_back(resizeShorterSide(decoded->rgb, std::min(312, std::min(decoded->rgb.cols, decoded->rgb.rows))).clone());
            into.labels.push_back(set.labels[i]);
            if (m_runCancel)
                return done();
        }
        return done();
    };
    Q_EMIT stageChanged(QStringLiteral("decoding"), 0, int(train.size() + val.size()));
    LabelledImages trainImages, valImages;
    if (auto s = load(train, trainImages); !s)
        return s.error();
    if (auto s = load(val, valImages); !s)
        return s.error();

    FineTuneOptions options;
    options.blocks = request.fineTuneBlocks;
    options.epochs = std::min(request.trainer.maxEpochs, 5);
    options.seed = request.trainer.seed;
    options.cancel = &m_runCancel;
    options.onEpoch = [this](const EpochMetrics& m) { Q_EMIT epochFinished(m); };
    options.progress = [this](int done, int total) { Q_EMIT stageChanged(QStringLiteral("fine-tuning"), done, total); };
    auto tuned = fineTuneBackbone(*m_backbone, outcome.result.head, trainImages, valImages, options);
    if (!tuned)
        return tuned.error();
    if (tuned->cancelled || m_runCancel) {
        outcome.cancelled = true;
        return std::pair<std::map<std::string, cv::Mat>, std::shared_ptr<const Backbone>>{};
    }
    auto backbone = m_backbone->withTunedTensors(tuned->tunedTensors);
    if (!backbone)
        return backbone.error();
    // The gate needs the tuned model's own validation numbers: embed the validation images again.
    outcome.result.head = tuned->head;
    outcome.result.validation = evaluate(tuned->head, reembed(**backbone, val));
    outcome.result.epochs.insert(outcome.result.epochs.end(), tuned->epochs.begin(), tuned->epochs.end());
    return std::pair<std::map<std::string, cv::Mat>, std::shared_ptr<const Backbone>>{tuned->tunedTensors, *backbone};
}

Expected<TrainOutcome> LearningLoop::train(const TrainRequest& request)
{
    const quint64 ticket = cancelTicket();
    ++m_trainings;
    return m_strand->call([this, request, ticket] {
        auto outcome = runTraining(request, ticket);
        if (outcome)
            pruneAfterTraining(*outcome);
        --m_trainings;
        return outcome;
    });
}

Expected<TrainOutcome> LearningLoop::runTraining(const TrainRequest& request, quint64 ticket)
{
    Q_ASSERT(m_strand->isCurrentThread());
    beginCancellable(ticket);
    QElapsedTimer timer;
    timer.start();
    TrainOutcome outcome;
    const QString hash = m_backbone->weightsHash();
    const BreedCatalog& breeds = BreedCatalog::oxford();
    const bool incremental = request.kind == TrainRequest::Kind::Incremental;

    QJsonObject params = request.trainer.toJson();
    params.insert(QStringLiteral("kind"), incremental ? QStringLiteral("incremental") : QStringLiteral("full"));
    params.insert(QStringLiteral("reason"), request.reason);
    params.insert(QStringLiteral("augmented_views"), request.augmentedViews);
    params.insert(QStringLiteral("fine_tune_blocks"), request.fineTuneBlocks);
    // The labels this run sees; the after-N-labels count starts again from here when it is done.
    const auto lastLabelEvent = m_workspace->labels().lastEventId();
    if (!lastLabelEvent)
        return lastLabelEvent.error();
    // The labels it learns from: the request's training-set policy, else the workspace's.
    auto trainingSet = selectTrainingSet(*m_workspace, request.policy, hash);
    if (!trainingSet)
        return trainingSet.error();
    outcome.policy = trainingSet->policy.spec();
    params.insert(QStringLiteral("policy"), outcome.policy);
    params.insert(QStringLiteral("training_set"), trainingSet->fingerprint);
    const auto centreViewsOnly = trainsOnCentreViewsFirst(request);
    if (!centreViewsOnly)
        return centreViewsOnly.error();
    params.insert(QStringLiteral("centre_views_only"), *centreViewsOnly);
    auto run = m_workspace->runs().start(params);
    if (!run)
        return run.error();
    outcome.runId = *run;
    auto fail = [&](const QString& message) -> Expected<TrainOutcome> {
        if (auto s = m_workspace->runs().finish(outcome.runId, QStringLiteral("failed: ") + message); !s)
            qWarning("%s", qPrintable(s.error().message)); // the run's own failure is the one to report
        return Error{message};
    };
    // No version without news: a scheduled run with the last version's training set stops here.
    if (request.onlyIfNew) {
        auto unchanged = nothingNewSince(*m_workspace, *trainingSet, !incremental);
        if (!unchanged)
            return fail(unchanged.error().message);
        if (!unchanged->isEmpty()) {
            outcome.verdict = *unchanged;
            if (auto s = m_workspace->runs().finish(outcome.runId, QStringLiteral("skipped: ") + outcome.verdict); !s)
                qWarning("%s", qPrintable(s.error().message));
            if (!incremental)
                m_labelsAtLastFullRun = *lastLabelEvent; // those labels were looked at
            outcome.seconds = double(timer.nsecsElapsed()) / 1e9;
            return outcome;
        }
    }

    // 1. Every stored image gets its cached views (only the centre one for now, when centre-first).
    if (auto s = fillEmbeddingCache(request, *centreViewsOnly, outcome); !s)
        return fail(s.error().message);

    // 2. Labelled images, and the fixed validation split.
    QHash<qint64, int> labels = std::move(trainingSet->labels);
    for (auto it = labels.begin(); it != labels.end();)
        it = m_embeddings.contains(it.key()) ? std::next(it) : labels.erase(it);
    if (labels.isEmpty() && !trainingSet->policy.isDefault())
        return fail(QStringLiteral("no labelled images to train on under the training-set policy '%1' (%2): change the policy or label some images")
                        .arg(outcome.policy, trainingSet->policy.describe()));
    if (labels.isEmpty())
        return fail(QStringLiteral("no labelled images to train on: import a labelled dataset or label some images"));
    auto split = ensureValidationSplit(*m_workspace, labels, request.validationFraction);
    if (!split)
        return fail(split.error().message);

    // In content order: a QHash's order changes from one process to the next (its seed is random),
    // and ids with the import order; either changed the shuffled batches, and so the head.
    auto ids = inContentOrder(*m_workspace, labels.keys());
    if (!ids)
        return fail(ids.error().message);
    LabelledEmbeddings train, val;
    for (qint64 id : std::as_const(*ids)) {
        const cv::Mat& views = m_embeddings[id];
        if (split->imageIds.contains(id))
            val.add(views.row(0), labels.value(id), id);
        else
            train.add(views, labels.value(id), id);
    }
    outcome.trainImages = int(train.size());
    outcome.validationImages = int(val.size());
    if (train.size() == 0)
        return fail(QStringLiteral("every labelled image is in the validation split; label more images"));

    // 3. Train: an incremental update warm-starts from the active head.
    const std::shared_ptr<const ModelSnapshot> before = m_active->snapshot();
    TrainerOptions options = request.trainer;
    options.cancel = &m_runCancel;
    // Centre views only, for every image alike (an image with all its views counts once too).
    outcome.centreViewsOnly = *centreViewsOnly;
    if (*centreViewsOnly)
        options.useAugmentedViews = false;
    options.onEpoch = [this, runId = outcome.runId](const EpochMetrics& m) {
        if (auto s = m_workspace->runs().appendEpoch(runId, m.toJson()); !s)
            qWarning("%s", qPrintable(s.error().message)); // the run goes on; only its log misses the epoch
        Q_EMIT epochFinished(m);
    };
    if (incremental && before != m_zeroShot && !before->backbone) {
        // Continue the active head as it is: its kind and size, not the request's defaults.
        options.warmStart = &before->head;
        const auto& layers = before->head.layers();
        options.head = layers.size() > 1 ? TrainerOptions::HeadKind::Mlp : TrainerOptions::HeadKind::Linear;
        if (layers.size() > 1)
            options.hiddenUnits = layers.front().weight.rows;
    }
    Q_EMIT stageChanged(QStringLiteral("training"), 0, options.maxEpochs);
    auto result = trainHead(train, val, breeds.ids(), options);
    if (!result)
        return fail(result.error().message);
    outcome.result = std::move(*result);
    if (outcome.result.cancelled) {
        outcome.cancelled = true;
        if (auto s = m_workspace->runs().finish(outcome.runId, QStringLiteral("cancelled")); !s)
            qWarning("%s", qPrintable(s.error().message));
        outcome.seconds = double(timer.nsecsElapsed()) / 1e9;
        return outcome;
    }

    // 3b. Optionally fine-tune the backbone's last blocks on the images themselves (slow on CPU).
    std::map<std::string, cv::Mat> tunedTensors;
    std::shared_ptr<const Backbone> tunedBackbone;
    if (request.fineTuneBlocks > 0) {
        auto tuned = fineTune(request, train, val, outcome);
        if (!tuned)
            return fail(tuned.error().message);
        if (outcome.cancelled) {
            if (auto s = m_workspace->runs().finish(outcome.runId, QStringLiteral("cancelled")); !s)
                qWarning("%s", qPrintable(s.error().message));
            outcome.seconds = double(timer.nsecsElapsed()) / 1e9;
            return outcome;
        }
        tunedTensors = std::move(tuned->first);
        tunedBackbone = std::move(tuned->second);
    }

    // 4. A bundle for the candidate.
    Q_EMIT stageChanged(QStringLiteral("saving"), 0, 0);
    QJsonObject metrics = metricsJson(outcome.result.validation, split->id);
    metrics.insert(QStringLiteral("train_images"), outcome.trainImages);
    metrics.insert(QStringLiteral("best_epoch"), outcome.result.bestEpoch);
    metrics.insert(QStringLiteral("epochs"), int(outcome.result.epochs.size()));
    metrics.insert(QStringLiteral("kind"), params.value(QStringLiteral("kind")));
    metrics.insert(QStringLiteral("policy"), outcome.policy);
    metrics.insert(QStringLiteral("training_set"), trainingSet->fingerprint);
    if (*centreViewsOnly)
        metrics.insert(QStringLiteral("centre_views_only"), true); // the training on every view is still to come
    ModelBundle bundle;
    auto version = m_workspace->models().nextVersion();
    if (!version)
        return fail(version.error().message);
    bundle.version = *version;
    bundle.parent = options.warmStart ? before->version : QString();
    bundle.created = QDateTime::currentDateTimeUtc();
    bundle.backboneId = QString::fromLatin1(Backbone::kId);
    bundle.weightsHash = hash;
    bundle.preprocessing = ModelBundle::defaultPreprocessing();
    bundle.metrics = metrics;
    bundle.head = outcome.result.head;
    bundle.backboneTensors = tunedTensors;
    const QString file = QStringLiteral("models/%1.pcmodel").arg(bundle.version);
    QDir().mkpath(m_workspace->modelsDir());
    auto checksum = writeModelBundle(bundle, QDir(m_workspace->dir()).filePath(file));
    if (!checksum)
        return fail(checksum.error().message);
    ModelRecord record{bundle.version, bundle.parent, bundle.created, bundle.backboneId, hash, metrics, file, *checksum,
                       ModelState::Candidate, QString()};

    // 5. The gate: the active model is measured now, on the same split, so the two are comparable.
    // A live model with its own fine-tuned backbone sees the validation images through it.
    const QJsonObject activeMetrics = metricsJson(evaluate(before->head, before->backbone ? reembed(*before->backbone, val) : val), split->id);
    const GateVerdict verdict = judgeCandidate(metrics, activeMetrics);
    record.gateVerdict = verdict.reason;
    outcome.version = record.version;
    outcome.verdict = verdict.reason;
    outcome.previousVersion = before->version;
    outcome.previousAccuracy = activeMetrics.value(QStringLiteral("val_accuracy")).toDouble(std::nan(""));
    if (auto s = m_workspace->models().add(record); !s)
        return fail(s.error().message);
    if (verdict.accept) {
        auto snapshot = std::make_shared<const ModelSnapshot>(ModelSnapshot{record.version, bundle.head, tunedBackbone});
        if (auto s = commitActivation(std::move(snapshot), verdict.reason, {}); !s)
            return fail(s.error().message);
        outcome.activated = true;
    }
    if (auto s = m_workspace->runs().finish(outcome.runId, outcome.activated ? QStringLiteral("activated") : QStringLiteral("candidate"),
                                            record.version);
        !s)
        qWarning("%s", qPrintable(s.error().message)); // the model is stored; only the run's log lags
    if (!incremental)
        m_labelsAtLastFullRun = *lastLabelEvent;
    m_awaitingAugmentedViews = *centreViewsOnly;
    if (*centreViewsOnly)
        fillAugmentedViewsLater(request, ticket);
    outcome.seconds = double(timer.nsecsElapsed()) / 1e9;
    return outcome;
}

void LearningLoop::pruneAfterTraining(TrainOutcome& outcome)
{
    Q_ASSERT(m_strand->isCurrentThread());
    if (outcome.version.isEmpty())
        return; // nothing new stored: nothing new to prune
    // The training succeeded either way; a retention problem is only logged (the next run retries).
    const auto keep = ModelRetention::keep(*m_workspace);
    if (!keep) {
        qWarning("model retention: %s", qPrintable(keep.error().message));
        return;
    }
    auto report = ModelRetention::prune(*m_workspace, *keep);
    if (!report) {
        qWarning("model retention: %s", qPrintable(report.error().message));
        return;
    }
    outcome.retention = std::move(*report);
}

Expected<RetentionReport> LearningLoop::pruneModels(std::optional<int> keep, bool dryRun)
{
    return m_strand->call([this, keep, dryRun]() -> Expected<RetentionReport> {
        int n = 0;
        if (keep) {
            n = *keep;
        } else {
            const auto stored = ModelRetention::keep(*m_workspace);
            if (!stored)
                return stored.error();
            n = *stored;
        }
        return ModelRetention::prune(*m_workspace, n, dryRun);
    });
}

bool LearningLoop::start(const TrainRequest& request)
{
    int none = 0;
    if (!m_trainings.compare_exchange_strong(none, 1))
        return false;
    const quint64 ticket = cancelTicket();
    m_strand->post([this, request, ticket] { runAndReport(request, ticket); });
    return true;
}

void LearningLoop::runAndReport(const TrainRequest& request, quint64 ticket)
{
    Q_ASSERT(m_strand->isCurrentThread());
    auto outcome = runTraining(request, ticket);
    if (outcome)
        pruneAfterTraining(*outcome);
    m_memoryRelease.request(); // decoded images, activations: not on this idle-priority thread (FreeMemoryRelease.h)
    --m_trainings; // before the signals: their receivers see an idle loop
    if (outcome)
        Q_EMIT trainingFinished(*outcome);
    else
        Q_EMIT trainingFailed(outcome.error().message);
}

Expected<TrainOutcome> LearningLoop::admitCandidate(const QString& bundlePath, const QString& source, bool trusted)
{
    const quint64 ticket = cancelTicket();
    return m_strand->call([this, bundlePath, source, trusted, ticket] { return runAdmission(bundlePath, source, trusted, ticket); });
}

Expected<TrainOutcome> LearningLoop::runAdmission(const QString& bundlePath, const QString& source, bool trusted, quint64 ticket)
{
    Q_ASSERT(m_strand->isCurrentThread());
    beginCancellable(ticket);
    QElapsedTimer timer;
    timer.start();
    const QString hash = m_backbone->weightsHash();
    auto bundle = readModelBundle(bundlePath, {BreedCatalog::oxford().ids(), QString::fromLatin1(Backbone::kId), hash});
    if (!bundle)
        return Error{QStringLiteral("%1 does not fit this workspace: %2").arg(source, bundle.error().message)};
    TrainOutcome outcome;
    const std::shared_ptr<const ModelSnapshot> before = m_active->snapshot();
    outcome.previousVersion = before->version;
    std::shared_ptr<const Backbone> tuned;
    if (!bundle->backboneTensors.empty()) {
        auto t = m_backbone->withTunedTensors(bundle->backboneTensors);
        if (!t)
            return t.error();
        tuned = *t;
    }

    QJsonObject metrics = bundle->metrics;
    GateVerdict verdict{true, QStringLiteral("trusted %1 (gate skipped by the trust setting)").arg(source)};
    if (!trusted) {
        // The same evidence a trained candidate faces: this workspace's split, both models on it.
        EmbeddingCacheOptions cacheOptions;
        cacheOptions.views = EmbeddingCacheOptions::Views::CentreOnly; // all the judging reads
        cacheOptions.cancel = &m_runCancel;
        if (auto cache = updateEmbeddingCache(*m_workspace, *m_backbone, cacheOptions); !cache)
            return cache.error();
        auto selected = selectTrainingLabels(*m_workspace);
        if (!selected)
            return selected.error();
        const QHash<qint64, int>& labels = *selected;
        auto split = ensureValidationSplit(*m_workspace, labels, 0.2);
        if (!split)
            return split.error();
        LabelledEmbeddings val;
        for (qint64 id : split->imageIds) {
            if (!labels.contains(id))
                continue;
            const auto views = m_workspace->embeddings().views(id, hash);
            if (!views)
                return views.error();
            if (*views)
                val.add((*views)->row(0).clone(), labels.value(id), id);
        }
        if (val.size() == 0)
            return Error{QStringLiteral("no labelled validation images to judge %1 on").arg(source)};
        const Evaluation candidate = evaluate(bundle->head, tuned ? reembed(*tuned, val) : val);
        metrics = metricsJson(candidate, split->id);
        metrics.insert(QStringLiteral("source"), source);
        metrics.insert(QStringLiteral("published_metrics"), bundle->metrics);
        const QJsonObject activeMetrics = metricsJson(evaluate(before->head, before->backbone ? reembed(*before->backbone, val) : val), split->id);
        outcome.previousAccuracy = activeMetrics.value(QStringLiteral("val_accuracy")).toDouble(std::nan(""));
        outcome.result.validation = candidate;
        outcome.validationImages = int(val.size());
        verdict = judgeCandidate(metrics, activeMetrics);
    }

    ModelRecord record;
    auto version = m_workspace->models().nextVersion();
    if (!version)
        return version.error();
    record.version = *version;
    record.created = QDateTime::currentDateTimeUtc();
    record.backboneId = bundle->backboneId;
    record.weightsHash = bundle->weightsHash;
    record.metrics = metrics;
    record.file = QStringLiteral("models/%1.pcmodel").arg(record.version);
    record.state = ModelState::Candidate;
    record.gateVerdict = verdict.reason;
    // The bytes as they came (their signature covers them); a copy keeps the source file's fate
    // with its owner.
    const QString target = QDir(m_workspace->dir()).filePath(record.file);
    QFile::remove(target);
    if (!QFile::copy(bundlePath, target))
        return Error{QStringLiteral("cannot store %1 as %2").arg(source, target)};
    auto checksum = readModelBundle(target);
    if (!checksum)
        return checksum.error();
    {
        QFile f(target);
        QCryptographicHash h(QCryptographicHash::Sha256);
        if (f.open(QIODevice::ReadOnly) && h.addData(&f))
            record.checksum = QString::fromLatin1(h.result().toHex());
    }
    if (auto s = m_workspace->models().add(record); !s)
        return s.error();
    outcome.version = record.version;
    outcome.verdict = verdict.reason;
    if (verdict.accept) {
        auto snapshot = std::make_shared<const ModelSnapshot>(ModelSnapshot{record.version, bundle->head, tuned});
        if (auto s = commitActivation(std::move(snapshot), verdict.reason, verdict.reason); !s)
            return s.error();
        outcome.activated = true;
    }
    outcome.seconds = double(timer.nsecsElapsed()) / 1e9;
    return outcome;
}

} // namespace pc
