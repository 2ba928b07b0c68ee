#include "TrainingDashboard.h"
#include "model/BreedCatalog.h"
#include "training/TrainingLabels.h"
#include "training/ValidationSet.h"

#include "Background.h"
#include "training/ConfusionMatrixView.h"
#include "training/FigureExport.h"
#include "training/TrainingCsv.h"
#include "gallery/GalleryModel.h"
#include "Percent.h"
#include "Theme.h"
#include "workspace/Workspace.h"

#include <QChart>
#include <QChartView>
#include <QAction>
#include <QComboBox>
#include <QDir>
#include <QFormLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QMenu>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QTableWidget>
#include <QTimer>
#include <QValueAxis>
#include <QVBoxLayout>
#include <cmath>

namespace pc {

namespace {
double jsonNumber(const QJsonObject& o, std::initializer_list<const char*> keys)
{
    for (const char* k : keys) {
        const QJsonValue v = o.value(QLatin1String(k));
        if (v.isDouble())
            return v.toDouble();
    }
    return std::nan("");
}

class NumericItem : public QTableWidgetItem {
public:
    NumericItem(const QString& text, double value) : QTableWidgetItem(text) { setData(Qt::UserRole, value); }
    bool operator<(const QTableWidgetItem& other) const override
    {
        return data(Qt::UserRole).toDouble() < other.data(Qt::UserRole).toDouble();
    }
};

ConfusionData toConfusionData(const QStringList& classes, const Evaluation& e)
{
    ConfusionData d;
    d.classes = classes;
    d.n = int(classes.size());
    d.counts.fill(0, d.n * d.n);
    if (e.confusion.rows == d.n && e.confusion.cols == d.n && e.confusion.type() == CV_32S)
        for (int r = 0; r < d.n; ++r)
            for (int c = 0; c < d.n; ++c)
                d.counts[r * d.n + c] = e.confusion.at<int>(r, c);
    d.cellImages.resize(d.n * d.n);
    for (int i = 0; i < d.n * d.n && size_t(i) < e.cellImages.size(); ++i)
        d.cellImages[i] = QVector<qint64>(e.cellImages[size_t(i)].begin(), e.cellImages[size_t(i)].end());
    return d;
}
} // namespace

TrainingDashboard::TrainingDashboard(std::shared_ptr<Workspace> workspace, LearningLoop* loop, QThreadPool* ioPool, QWidget* parent)
    : QWidget(parent), m_workspace(std::move(workspace)), m_loop(loop), m_io(ioPool)
{
    setObjectName(QStringLiteral("trainingDashboard"));
    auto* layout = new QVBoxLayout(this);

    // Controls.
    auto* controls = new QHBoxLayout;
    m_start = new QPushButton(tr("&Start fine-tuning"), this);
    m_start->setObjectName(QStringLiteral("startTraining"));
    m_start->setToolTip(tr("Train a new head on the labelled images (Ctrl+T)"));
    m_cancel = new QPushButton(tr("&Cancel"), this);
    m_cancel->setObjectName(QStringLiteral("cancelTraining"));
    m_epochs = new QSpinBox(this);
    m_epochs->setRange(1, 500);
    m_epochs->setValue(TrainerOptions{}.maxEpochs);
    m_epochs->setAccessibleName(tr("Maximum epochs"));
    m_head = new QComboBox(this);
    m_head->addItem(tr("Linear head"));
    m_head->addItem(tr("MLP head (512)"));
    m_head->setAccessibleName(tr("Head"));
    m_stage = new QLabel(tr("Idle"), this);
    // Text changes must not re-layout the page (each re-layout repaints everything below).
    m_stage->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    m_stage->setMinimumWidth(fontMetrics().horizontalAdvance(QLatin1Char('x')) * 30);
    m_progress = new QProgressBar(this);
    m_progress->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Fixed);
    m_progress->setMinimumWidth(fontMetrics().horizontalAdvance(QLatin1Char('x')) * 20);
    m_progress->setRange(0, 1);
    m_progress->setValue(0);
    m_progress->setTextVisible(true);
    controls->addWidget(m_start);
    controls->addWidget(m_cancel);
    controls->addSpacing(fontMetrics().height());
    controls->addWidget(new QLabel(tr("Max epochs:"), this));
    controls->addWidget(m_epochs);
    controls->addWidget(m_head);
    controls->addSpacing(fontMetrics().height());
    controls->addWidget(m_progress, 1);
    // Figures and tables for a paper or a notebook: the chart and the matrix, as PNG or CSV.
    m_saveChartPng = new QAction(tr("Save the &chart as PNG…"), this);
    m_saveChartPng->setObjectName(QStringLiteral("actionSaveChartPng"));
    m_saveChartCsv = new QAction(tr("Save the chart's &data as CSV…"), this);
    m_saveChartCsv->setObjectName(QStringLiteral("actionSaveChartCsv"));
    m_saveChartCsv->setToolTip(tr("One row per epoch: training and validation loss and accuracy, learning rate"));
    m_saveConfusionPng = new QAction(tr("Save the confusion &matrix as PNG…"), this);
    m_saveConfusionPng->setObjectName(QStringLiteral("actionSaveConfusionPng"));
    m_saveConfusionCsv = new QAction(tr("Save the confusion matrix as a &table (CSV)…"), this);
    m_saveConfusionCsv->setObjectName(QStringLiteral("actionSaveConfusionCsv"));
    m_saveConfusionCsv->setToolTip(tr("Validation image counts: a row per true breed, a column per predicted breed"));
    auto* exportMenu = new QMenu(this);
    exportMenu->setObjectName(QStringLiteral("exportMenu"));
    exportMenu->setToolTipsVisible(true);
    exportMenu->addActions({m_saveChartPng, m_saveChartCsv});
    exportMenu->addSeparator();
    exportMenu->addActions({m_saveConfusionPng, m_saveConfusionCsv});
    m_export = new QPushButton(tr("E&xport"), this);
    m_export->setObjectName(QStringLiteral("exportResults"));
    m_export->setToolTip(tr("Save the chart or the confusion matrix as a PNG figure or a CSV table"));
    m_export->setMenu(exportMenu);
    controls->addWidget(m_export);
    layout->addLayout(controls);
    layout->addWidget(m_stage);
    // What the last export saved, or why it could not; hidden until the first one.
    m_exportNote = new QLabel(this);
    m_exportNote->setObjectName(QStringLiteral("exportNote"));
    m_exportNote->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_exportNote->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    m_exportNote->hide();
    layout->addWidget(m_exportNote);

    // Live charts.
    m_chart = new QChart;
    m_chart->setTitle(tr("Loss and accuracy per epoch"));
    m_chart->legend()->setAlignment(Qt::AlignBottom);
    m_chart->setMargins(QMargins(4, 4, 4, 4));
    m_chart->setBackgroundRoundness(0);
    m_loss = new QLineSeries(m_chart);
    m_loss->setName(tr("Training loss"));
    m_trainAcc = new QLineSeries(m_chart);
    m_trainAcc->setName(tr("Training accuracy"));
    m_valAcc = new QLineSeries(m_chart);
    m_valAcc->setName(tr("Validation accuracy"));
    for (QLineSeries* s : {m_loss, m_trainAcc, m_valAcc}) {
        s->setPointsVisible(true);
        m_chart->addSeries(s);
    }
    m_axisX = new QValueAxis(m_chart);
    m_axisX->setTitleText(tr("epoch"));
    m_axisX->setLabelFormat(QStringLiteral("%d"));
    m_axisX->setRange(1, 5);
    m_axisX->setTickType(QValueAxis::TicksDynamic);
    m_axisX->setTickAnchor(0);
    m_axisX->setTickInterval(1);
    m_axisAcc = new QValueAxis(m_chart);
    m_axisAcc->setTitleText(tr("accuracy (%)"));
    m_axisAcc->setRange(0, 100);
    m_axisAcc->setLabelFormat(QStringLiteral("%.0f"));
    m_axisLoss = new QValueAxis(m_chart);
    m_axisLoss->setTitleText(tr("loss"));
    m_axisLoss->setRange(0, 1);
    m_axisLoss->setLabelFormat(QStringLiteral("%.2f"));
    m_chart->addAxis(m_axisX, Qt::AlignBottom);
    m_chart->addAxis(m_axisAcc, Qt::AlignLeft);
    m_chart->addAxis(m_axisLoss, Qt::AlignRight);
    for (QLineSeries* s : {m_loss, m_trainAcc, m_valAcc})
        s->attachAxis(m_axisX);
    m_loss->attachAxis(m_axisLoss);
    m_trainAcc->attachAxis(m_axisAcc);
    m_valAcc->attachAxis(m_axisAcc);
    m_chartView = new QChartView(m_chart, this);
    m_chartView->setRenderHint(QPainter::Antialiasing);
    m_chartView->setObjectName(QStringLiteral("trainingChart"));
    m_chartView->setAccessibleName(tr("Loss and accuracy per epoch"));
    m_chartView->setAccessibleDescription(tr("The context menu (Menu key) saves the chart as PNG or its data as CSV"));
    m_chartView->setContextMenuPolicy(Qt::ActionsContextMenu);
    m_chartView->addActions({m_saveChartPng, m_saveChartCsv});
    m_chartView->setMinimumHeight(fontMetrics().height() * 16);
    m_chartView->setMinimumWidth(fontMetrics().height() * 24);

    // Evaluation: the confusion matrix (square, on the right) and the per-breed accuracy (under the
    // chart). Plain sections: a QGroupBox frame is costly to repaint while the progress ticks.
    m_evalCaption = new QLabel(tr("No evaluation yet."), this);
    m_evalCaption->setWordWrap(true);
    auto* left = new QSplitter(Qt::Vertical, this);
    left->addWidget(m_chartView);
    m_table = new QTableWidget(0, 3, left);
    m_table->setObjectName(QStringLiteral("breedAccuracy"));
    m_table->setHorizontalHeaderLabels({tr("Breed"), tr("Validation images"), tr("Accuracy")});
    m_table->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
    m_table->horizontalHeader()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setSectionResizeMode(2, QHeaderView::ResizeToContents);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 6);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSortingEnabled(true);
    m_table->setAlternatingRowColors(true);
    m_table->setAccessibleName(tr("Per-breed accuracy"));
    left->addWidget(m_table);
    left->setStretchFactor(0, 3);
    left->setStretchFactor(1, 2);
    left->setChildrenCollapsible(false);
    auto* right = new QWidget(this);
    auto* rightLayout = new QVBoxLayout(right);
    rightLayout->setContentsMargins(0, 0, 0, 0);
    rightLayout->addWidget(new QLabel(tr("<b>Validation confusion matrix</b>"), right));
    m_confusion = new ConfusionMatrixView(right);
    m_confusion->setAccessibleDescription(m_confusion->accessibleDescription()
                                          + tr("; the context menu (Menu key) saves it as PNG or its counts as CSV"));
    m_confusion->setContextMenuPolicy(Qt::ActionsContextMenu);
    m_confusion->addActions({m_saveConfusionPng, m_saveConfusionCsv});
    rightLayout->addWidget(m_confusion, 1);
    auto* split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(left);
    split->addWidget(right);
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 1);
    split->setChildrenCollapsible(false);
    layout->addWidget(m_evalCaption);
    layout->addWidget(split, 1);

    connect(m_start, &QPushButton::clicked, this, [this] { startTraining(); });
    connect(m_cancel, &QPushButton::clicked, this, &TrainingDashboard::cancelTraining);
    connect(m_saveChartPng, &QAction::triggered, this, [this] { exportFromMenu(Figure::Chart, Format::Png); });
    connect(m_saveChartCsv, &QAction::triggered, this, [this] { exportFromMenu(Figure::Chart, Format::Csv); });
    connect(m_saveConfusionPng, &QAction::triggered, this, [this] { exportFromMenu(Figure::ConfusionMatrix, Format::Png); });
    connect(m_saveConfusionCsv, &QAction::triggered, this, [this] { exportFromMenu(Figure::ConfusionMatrix, Format::Csv); });
    connect(m_confusion, &ConfusionMatrixView::cellActivated, this, [this](int t, int p, const QVector<qint64>& ids) {
        const QStringList& classes = m_confusion->data().classes;
        Q_EMIT showImagesRequested(QSet<qint64>(ids.begin(), ids.end()),
                                   tr("true %1, predicted %2").arg(breedDisplayName(classes.value(t)), breedDisplayName(classes.value(p))));
    });
    connect(m_loop, &LearningLoop::stageChanged, this, &TrainingDashboard::onStage);
    connect(m_loop, &LearningLoop::epochFinished, this, &TrainingDashboard::onEpoch);
    connect(m_loop, &LearningLoop::trainingFinished, this, &TrainingDashboard::onFinished);
    connect(m_loop, &LearningLoop::trainingFailed, this, &TrainingDashboard::onFailed);
    // The last run's line says whether its model is still the live one.
    connect(m_loop, &LearningLoop::activeModelChanged, this, &TrainingDashboard::refreshState);
    applyChartPalette();
    updateButtons();
    updateExportActions();
    refreshState();
    loadLastRun();
    countLabels();
    evaluateActiveModel();
}

QString TrainingDashboard::stateText() const
{
    if (!m_running)
        return tr("idle");
    if (m_cancelling)
        return tr("cancelling");
    return m_activity.isEmpty() ? tr("starting") : m_activity;
}

QString TrainingDashboard::stageText() const { return m_stage->text(); }

QString TrainingDashboard::idleText() const
{
    QStringList parts;
    if (m_lastRun.isValid()) {
        // A failure's reason is shown while it still holds: any label since may have fixed it.
        const bool stillHolds = m_labelEventAtLastRun >= 0 && m_labelEventAtLastRun == m_labelEventNow;
        parts << tr("Last run, %1: %2")
                     .arg(QLocale().toString(m_lastRun.at.toLocalTime(), QLocale::ShortFormat),
                          m_lastRun.headline(m_loop->activeVersion(), stillHolds));
    }
    if (m_labelledNow == 0 && m_policyIsDefault)
        parts << tr("Nothing to train on yet: import a labelled dataset or label some images.");
    else if (m_labelledNow == 0)
        parts << tr("Nothing to train on under the training-set policy (%1): change it in Preferences or label some images.").arg(m_policy);
    else if (m_labelledNow > 0)
        parts << tr("%n labelled image(s) to train on (%1).", nullptr, m_labelledNow).arg(m_policy);
    return parts.isEmpty() ? tr("Idle") : parts.join(QLatin1Char(' '));
}

void TrainingDashboard::refreshState()
{
    if (m_running) {
        m_stage->setText(m_cancelling ? tr("Cancelling…") : m_activityDetail.isEmpty() ? tr("Starting…") : m_activityDetail);
        m_stage->setToolTip(QString());
    } else {
        m_stage->setText(idleText());
        m_stage->setToolTip(m_lastRun.details);
    }
    const QString state = stateText();
    if (state == m_state)
        return;
    m_state = state;
    Q_EMIT stateChanged(state);
}

void TrainingDashboard::countLabels()
{
    if (m_counting)
        return;
    m_counting = true;
    struct Count {
        int labelled = -1; // -1: unchanged since the last count
        qint64 lastEvent = 0;
        QString policy;    // the training-set policy, described
        bool policyIsDefault = true;
        QString error;     // the workspace could not be read
    };
    auto workspace = m_workspace;
    const qint64 known = m_labelledNow >= 0 ? m_labelEventNow : -1;
    runInBackground(m_io, this,
                    [workspace, known] {
                        Count c;
                        const auto last = workspace->labels().lastEventId();
                        if (!last) {
                            c.error = last.error().message;
                            return c;
                        }
                        c.lastEvent = *last;
                        if (c.lastEvent == known)
                            return c;
                        // The images the next run would learn from: the one rule, with the stored policy.
                        const auto policy = TrainingLabelSelection::load(*workspace);
                        if (!policy) {
                            c.error = policy.error().message;
                            return c;
                        }
                        const auto labels = selectTrainingLabels(*workspace, *policy);
                        if (!labels) {
                            c.error = labels.error().message;
                            return c;
                        }
                        c.labelled = int(labels->size());
                        c.policy = policy->describe();
                        c.policyIsDefault = policy->isDefault();
                        return c;
                    },
                    [this](const Count& c) {
                        m_counting = false;
                        if (!c.error.isEmpty()) {
                            showReadError(c.error);
                            return;
                        }
                        if (c.labelled >= 0) {
                            m_labelledNow = c.labelled;
                            m_policy = c.policy;
                            m_policyIsDefault = c.policyIsDefault;
                        }
                        m_labelEventNow = c.lastEvent;
                        if (m_pinLabelEvent) { // the first count after a run tells which labels it saw
                            m_labelEventAtLastRun = c.lastEvent;
                            m_pinLabelEvent = false;
                        }
                        refreshState();
                    });
}

void TrainingDashboard::labelsChanged()
{
    if (!m_running)
        countLabels();
}

void TrainingDashboard::trainingPolicyChanged()
{
    m_labelledNow = -1; // counted again even though no label changed
    if (!m_running)
        countLabels();
}

void TrainingDashboard::updateButtons()
{
    const bool busy = m_running || m_loop->isBusy();
    // Enable the other button first and give it the focus: disabling the focused button would
    // send the focus on to "Max epochs", where the curator's next digits change the epoch count.
    QPushButton* on = busy ? m_cancel : m_start;
    QPushButton* off = busy ? m_start : m_cancel;
    on->setEnabled(true);
    if (window()->focusWidget() == off)
        on->setFocus(Qt::OtherFocusReason);
    off->setEnabled(false);
}

bool TrainingDashboard::startTraining(const QString& reason, bool onlyIfNew)
{
    TrainRequest request;
    request.kind = TrainRequest::Kind::Full;
    request.reason = reason;
    request.onlyIfNew = onlyIfNew;
    request.trainer.maxEpochs = m_epochs->value();
    request.trainer.head = m_head->currentIndex() == 1 ? TrainerOptions::HeadKind::Mlp : TrainerOptions::HeadKind::Linear;
    if (!m_loop->start(request))
        return false; // the run that is going shows itself
    beginRun();
    m_activityDetail = tr("Starting (%1)…").arg(reason);
    refreshState();
    return true;
}

void TrainingDashboard::cancelTraining()
{
    if (!m_running && !m_loop->isBusy())
        return;
    m_loop->cancel();
    m_cancelling = m_running;
    refreshState();
}

void TrainingDashboard::beginRun()
{
    m_running = true;
    m_cancelling = false;
    m_activity.clear();
    m_activityDetail.clear();
    m_lastStage.clear();
    clearSeries();
    m_progress->setRange(0, 0);
    updateButtons();
}

void TrainingDashboard::clearSeries()
{
    m_loss->clear();
    m_trainAcc->clear();
    m_valAcc->clear();
    m_maxLoss = 0;
    m_epochMetrics.clear();
    m_chartVersion.clear();
    m_axisX->setRange(1, 5);
    m_axisLoss->setRange(0, 1);
    updateExportActions();
}

void TrainingDashboard::addEpoch(const EpochMetrics& metrics)
{
    m_epochMetrics << metrics;
    const int epoch = metrics.epoch;
    const double loss = metrics.loss, trainAcc = metrics.trainAccuracy, valAcc = metrics.valAccuracy;
    if (std::isfinite(loss)) {
        m_loss->append(epoch, loss);
        m_maxLoss = std::max(m_maxLoss, loss);
        m_axisLoss->setRange(0, std::max(0.1, m_maxLoss * 1.1));
    }
    if (std::isfinite(trainAcc))
        m_trainAcc->append(epoch, trainAcc * 100);
    if (std::isfinite(valAcc))
        m_valAcc->append(epoch, valAcc * 100);
    if (epoch > int(m_axisX->max()))
        m_axisX->setRange(1, epoch);
    m_axisX->setTickInterval(std::max(1, int(m_axisX->max()) / 10));
    updateExportActions();
}

void TrainingDashboard::onStage(const QString& stage, int done, int total)
{
    if (!m_running)
        beginRun(); // a run the loop started on its own (after N labels, daily, a correction)
    // The cache reports every image: show at most ~8 updates a second, plus every stage change.
    const bool sameStage = stage == m_lastStage;
    if (sameStage && done != total && m_stageClock.isValid() && m_stageClock.elapsed() < 120)
        return;
    m_lastStage = stage;
    m_stageClock.start();
    if (total > 0) {
        m_progress->setRange(0, total);
        m_progress->setValue(done);
        m_activityDetail = tr("%1: %2 / %3").arg(stage).arg(done).arg(total);
        m_activity = tr("%1 %2/%3").arg(stage).arg(done).arg(total);
    } else {
        m_progress->setRange(0, 0);
        m_activityDetail = stage;
        m_activity = stage;
    }
    refreshState();
}

void TrainingDashboard::onEpoch(const EpochMetrics& m)
{
    if (!m_running)
        beginRun();
    addEpoch(m);
    m_activityDetail = tr("Epoch %1 · loss %2 · right on %3 of the training images and %4 of the validation images")
                           .arg(m.epoch)
                           .arg(m.loss, 0, 'f', 3)
                           .arg(percentText(m.trainAccuracy), percentText(m.valAccuracy));
    m_activity = tr("training, epoch %1").arg(m.epoch);
    refreshState();
}

void TrainingDashboard::onFinished(const TrainOutcome& outcome)
{
    endRun(TrainingSummary::fromOutcome(outcome, QDateTime::currentDateTime()), 1);
    m_chartVersion = outcome.version;
    if (!outcome.version.isEmpty() && outcome.result.head.isValid())
        showEvaluation(outcome.version, outcome.result.head.classes(), outcome.result.validation,
                       tr("New model %1 (trained on %2) on %n validation image(s)", nullptr, outcome.result.validation.count)
                           .arg(outcome.version, TrainingLabelSelection::describeSpec(outcome.policy)));
}

void TrainingDashboard::onFailed(const QString& message)
{
    endRun(TrainingSummary::fromFailure(message, QDateTime::currentDateTime()), 0);
}

// What every end of a run does, whatever its result; the next label count tells which labels it saw.
void TrainingDashboard::endRun(const TrainingSummary& summary, int progress)
{
    m_running = false;
    m_cancelling = false;
    m_progress->setRange(0, 1);
    m_progress->setValue(progress);
    updateButtons();
    m_lastRun = summary;
    m_labelEventAtLastRun = -1;
    m_pinLabelEvent = true;
    refreshState();
    countLabels();
}

void TrainingDashboard::showEvaluation(const QString& version, const QStringList& classes, const Evaluation& e, const QString& caption)
{
    m_evaluatedVersion = version;
    m_evalCaption->setText(tr("%1: %2 right (%3 on average per breed). Click a cell to see its images in the gallery.")
                               .arg(caption, percentText(e.top1), percentText(e.meanPerClass)));
    m_confusion->setData(toConfusionData(classes, e));
    updateExportActions();
    m_table->setSortingEnabled(false);
    m_table->setRowCount(0);
    for (int i = 0; i < classes.size(); ++i) {
        const int count = size_t(i) < e.perClassCount.size() ? e.perClassCount[size_t(i)] : 0;
        if (count <= 0)
            continue;
        const double acc = size_t(i) < e.perClass.size() ? e.perClass[size_t(i)] : std::nan("");
        const int row = m_table->rowCount();
        m_table->insertRow(row);
        m_table->setItem(row, 0, new QTableWidgetItem(breedDisplayName(classes[i])));
        m_table->setItem(row, 1, new NumericItem(QString::number(count), count));
        auto* accItem = new NumericItem(std::isfinite(acc) ? percentText(acc) : QStringLiteral("–"),
                                        std::isfinite(acc) ? acc : -1);
        accItem->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
        if (std::isfinite(acc))
            accItem->setForeground(Theme::confidenceColor(acc, palette()));
        m_table->setItem(row, 2, accItem);
    }
    m_table->setSortingEnabled(true);
    m_table->sortItems(2, Qt::AscendingOrder);
}

void TrainingDashboard::loadLastRun()
{
    struct Last {
        QVector<TrainingRunRecord> runs;
        std::optional<ModelRecord> model;
        QString error; // the workspace could not be read
    };
    auto workspace = m_workspace;
    runInBackground(m_io, this,
                    [workspace] {
                        Last last;
                        auto runs = workspace->runs().all();
                        if (!runs) {
                            last.error = runs.error().message;
                            return last;
                        }
                        last.runs = std::move(*runs);
                        if (!last.runs.isEmpty() && !last.runs.back().modelVersion.isEmpty()) {
                            auto model = workspace->models().find(last.runs.back().modelVersion);
                            if (!model)
                                last.error = model.error().message;
                            else
                                last.model = std::move(*model);
                        }
                        return last;
                    },
                    [this](const Last& last) {
                        if (!last.error.isEmpty()) {
                            showReadError(last.error);
                            return;
                        }
                        if (m_running || last.runs.isEmpty() || m_loss->count() > 0 || m_lastRun.isValid())
                            return;
                        const TrainingRunRecord& run = last.runs.back();
                        for (const QJsonValue& v : run.epochs) {
                            const QJsonObject o = v.toObject();
                            const double epoch = jsonNumber(o, {"epoch"});
                            EpochMetrics m; // EpochMetrics::toJson's keys; a key an older run lacks stays NaN
                            m.epoch = std::isfinite(epoch) ? int(epoch) : int(m_epochMetrics.size()) + 1;
                            m.loss = jsonNumber(o, {"loss"});
                            m.trainAccuracy = jsonNumber(o, {"train_accuracy", "trainAccuracy"});
                            m.valAccuracy = jsonNumber(o, {"val_accuracy", "valAccuracy"});
                            m.valMeanPerClass = jsonNumber(o, {"val_mean_per_class", "valMeanPerClass"});
                            m.valLoss = jsonNumber(o, {"val_loss", "valLoss"});
                            m.learningRate = jsonNumber(o, {"learning_rate", "learningRate"});
                            addEpoch(m);
                        }
                        m_chartVersion = run.modelVersion;
                        m_lastRun = TrainingSummary::fromRecord(run, last.model);
                        m_labelEventAtLastRun = -1; // unknown: an old failure's reason is not repeated
                        refreshState();
                    });
}

void TrainingDashboard::evaluateActiveModel()
{
    auto workspace = m_workspace;
    auto snapshot = m_loop->activeModel()->snapshot();
    if (!snapshot || snapshot->backbone)
        return; // a model with its own fine-tuned backbone can't be judged on the cached vectors
    // The backbone's weights hash keys the embedding cache; the active model's record carries it.
    struct Result {
        QStringList classes;
        Evaluation evaluation;
        QString version;
        bool ok = false;
        QString error; // the workspace could not be read
    };
    runInBackground(m_io, this,
                    [workspace, snapshot] {
                        Result r;
                        r.version = snapshot->version;
                        const auto record = workspace->models().find(snapshot->version);
                        if (!record) {
                            r.error = record.error().message;
                            return r;
                        }
                        if (!*record)
                            return r;
                        const QStringList& classes = snapshot->head.classes();
                        const auto read = validationEmbeddings(*workspace, (*record)->weightsHash, classes, snapshot->head.inputSize());
                        if (!read) {
                            r.error = read.error().message;
                            return r;
                        }
                        const LabelledEmbeddings& data = *read;
                        if (data.size() == 0)
                            return r;
                        r.classes = classes;
                        r.evaluation = evaluate(snapshot->head, data);
                        r.ok = true;
                        return r;
                    },
                    [this](const Result& r) {
                        if (!r.error.isEmpty())
                            showReadError(r.error);
                        if (!r.ok || m_running)
                            return;
                        showEvaluation(r.version, r.classes, r.evaluation,
                                       tr("Live model %1 on %n validation image(s)", nullptr, r.evaluation.count).arg(r.version));
                    });
}

void TrainingDashboard::showReadError(const QString& message)
{
    if (m_running)
        return; // the run's own line has the floor; the next count tries again
    m_stage->setText(tr("Cannot read the workspace: %1").arg(message));
    m_stage->setToolTip(message);
}

void TrainingDashboard::applyChartPalette()
{
    const QPalette pal = palette();
    const bool dark = Theme::isDark(pal);
    m_chart->setTheme(dark ? QChart::ChartThemeDark : QChart::ChartThemeLight);
    m_chart->setBackgroundBrush(pal.color(QPalette::Base));
    m_chart->setPlotAreaBackgroundVisible(false);
    m_chart->setTitleBrush(pal.color(QPalette::WindowText));
    m_chart->legend()->setLabelColor(pal.color(QPalette::WindowText));
    for (QValueAxis* a : {m_axisX, m_axisAcc, m_axisLoss}) {
        a->setLabelsColor(pal.color(QPalette::Text));
        a->setTitleBrush(pal.color(QPalette::Text));
        QColor grid = pal.color(QPalette::Mid);
        grid.setAlphaF(0.5f);
        a->setGridLineColor(grid);
    }
    const QColor lossColor = dark ? QColor(200, 200, 200) : QColor(90, 90, 90);
    const QColor trainColor = dark ? QColor(100, 170, 255) : QColor(30, 100, 210);
    const QColor valColor = dark ? QColor(110, 210, 120) : QColor(20, 150, 60);
    QPen pen;
    pen.setWidthF(2.0);
    pen.setColor(lossColor);
    pen.setStyle(Qt::DashLine);
    m_loss->setPen(pen);
    pen.setStyle(Qt::SolidLine);
    pen.setColor(trainColor);
    m_trainAcc->setPen(pen);
    pen.setColor(valColor);
    m_valAcc->setPen(pen);
}

void TrainingDashboard::updateExportActions()
{
    const bool chart = !m_epochMetrics.isEmpty();
    const bool matrix = !m_confusion->shownClasses().isEmpty();
    m_saveChartPng->setEnabled(chart);
    m_saveChartCsv->setEnabled(chart);
    m_saveConfusionPng->setEnabled(matrix);
    m_saveConfusionCsv->setEnabled(matrix);
    m_export->setEnabled(chart || matrix);
}

QString TrainingDashboard::figureName(Figure figure) const
{
    return figure == Figure::Chart ? tr("the chart") : tr("the confusion matrix");
}

void TrainingDashboard::exportFromMenu(Figure figure, Format format)
{
    const bool png = format == Format::Png;
    const QString& version = figure == Figure::Chart ? m_chartVersion : m_evaluatedVersion;
    QString name = figure == Figure::Chart ? QStringLiteral("training-curves") : QStringLiteral("confusion-matrix");
    if (!version.isEmpty())
        name += QLatin1Char('-') + version;
    name += png ? QStringLiteral(".png") : QStringLiteral(".csv");
    const QString title = figure == Figure::Chart ? (png ? tr("Save the chart as PNG") : tr("Save the chart's data as CSV"))
                                                  : (png ? tr("Save the confusion matrix as PNG") : tr("Save the confusion matrix as CSV"));
    const QString filter = png ? tr("PNG images (*.png)") : tr("CSV tables (*.csv)");
    const QString path = askSavePath(this, title, name, filter, png ? QStringLiteral("png") : QStringLiteral("csv"));
    if (path.isEmpty())
        return; // cancelled
    if (save(figure, format, path))
        rememberExportFolder(path);
}

Status<> TrainingDashboard::saveChartPng(const QString& path) { return save(Figure::Chart, Format::Png, path); }
Status<> TrainingDashboard::saveChartCsv(const QString& path) { return save(Figure::Chart, Format::Csv, path); }
Status<> TrainingDashboard::saveConfusionPng(const QString& path) { return save(Figure::ConfusionMatrix, Format::Png, path); }
Status<> TrainingDashboard::saveConfusionCsv(const QString& path) { return save(Figure::ConfusionMatrix, Format::Csv, path); }

Status<> TrainingDashboard::save(Figure figure, Format format, const QString& path)
{
    Status<> saved = writeExport(figure, format, path);
    const QString shown = QDir::toNativeSeparators(path);
    if (saved)
        m_exportNote->setText(tr("Saved %1 to %2").arg(figureName(figure), shown));
    else
        m_exportNote->setText(tr("Could not save %1: %2").arg(figureName(figure), saved.error().message));
    // One line, whatever the reason says; the whole of it in the tooltip.
    m_exportNote->setToolTip(m_exportNote->text());
    m_exportNote->show();
    return saved;
}

Status<> TrainingDashboard::writeExport(Figure figure, Format format, const QString& path) const
{
    if (figure == Figure::Chart) {
        if (m_epochMetrics.isEmpty())
            return Error{tr("no epochs to show yet")};
        if (format == Format::Csv)
            return saveFileAtomically(path, epochMetricsCsv(m_epochMetrics));
        const QString what = m_chartVersion.isEmpty() ? tr("Loss and accuracy per epoch")
                                                      : tr("Loss and accuracy per epoch, model %1").arg(m_chartVersion);
        return savePng(renderChart(m_chartView, figurePixelRatio(m_chartView)), path, what);
    }
    const ConfusionData& data = m_confusion->data();
    if (m_confusion->shownClasses().isEmpty())
        return Error{tr("no evaluation to show yet")};
    if (format == Format::Csv) {
        const auto csv = confusionMatrixCsv(data.classes, data.counts);
        if (!csv)
            return csv.error();
        return saveFileAtomically(path, *csv);
    }
    const QString what = tr("Validation confusion matrix, model %1 (rows: true breed, columns: predicted)").arg(m_evaluatedVersion);
    return savePng(m_confusion->toImage(figurePixelRatio(m_confusion)), path, what);
}

void TrainingDashboard::changeEvent(QEvent* event)
{
    if (event->type() == QEvent::PaletteChange)
        applyChartPalette();
    QWidget::changeEvent(event);
}

} // namespace pc
