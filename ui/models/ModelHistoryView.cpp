#include "ModelHistoryView.h"

#include "Background.h"
#include "Percent.h"
#include "training/LearningLoop.h"
#include "training/TrainingLabels.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QTreeWidget>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

namespace pc {

namespace {
enum Column { Active, Version, Created, ValAcc, MeanPerClass, Images, Epochs, Kind, TrainingSet, Parent, State, Verdict, ColumnCount };

QString percent(const QJsonObject& metrics, const char* key)
{
    const QJsonValue v = metrics.value(QLatin1String(key));
    return v.isDouble() ? percentText(v.toDouble()) : QStringLiteral("–");
}
} // namespace

ModelHistoryView::ModelHistoryView(std::shared_ptr<Workspace> workspace, LearningLoop* loop, QThreadPool* ioPool, QWidget* parent)
    : QWidget(parent), m_workspace(std::move(workspace)), m_loop(loop), m_io(ioPool)
{
    setObjectName(QStringLiteral("modelHistory"));
    auto* layout = new QVBoxLayout(this);
    m_caption = new QLabel(this);
    m_caption->setWordWrap(true);
    m_tree = new QTreeWidget(this);
    m_tree->setColumnCount(ColumnCount);
    m_tree->setHeaderLabels({QString(), tr("Version"), tr("Created"), tr("Validation accuracy"), tr("Mean per breed"),
                             tr("Images (train / validation)"), tr("Epochs"), tr("Kind"), tr("Training set"), tr("Parent"), tr("State"),
                             tr("Gate verdict")});
    m_tree->setRootIsDecorated(false);
    m_tree->setUniformRowHeights(true);
    m_tree->setAlternatingRowColors(true);
    m_tree->setAllColumnsShowFocus(true);
    m_tree->setAccessibleName(tr("Model versions"));
    m_tree->header()->setStretchLastSection(true);
    for (int c = 0; c < Verdict; ++c)
        m_tree->header()->setSectionResizeMode(c, QHeaderView::ResizeToContents);
    auto* buttons = new QHBoxLayout;
    m_activate = new QPushButton(tr("&Activate selected"), this);
    m_activate->setObjectName(QStringLiteral("activateModel"));
    m_rollback = new QPushButton(tr("&Roll back"), this);
    m_rollback->setObjectName(QStringLiteral("rollbackModel"));
    m_rollback->setToolTip(tr("Make the previously live version live again (the untrained zero-shot model before the first one)"));
    auto* refresh = new QPushButton(tr("Re&fresh"), this);
    buttons->addWidget(m_activate);
    buttons->addWidget(m_rollback);
    buttons->addStretch(1);
    buttons->addWidget(refresh);
    layout->addWidget(m_caption);
    layout->addWidget(m_tree, 1);
    layout->addLayout(buttons);

    connect(m_activate, &QPushButton::clicked, this, &ModelHistoryView::activateSelected);
    connect(m_rollback, &QPushButton::clicked, this, &ModelHistoryView::rollback);
    connect(refresh, &QPushButton::clicked, this, &ModelHistoryView::reload);
    connect(m_tree, &QTreeWidget::currentItemChanged, this, &ModelHistoryView::updateButtons);
    connect(m_tree, &QTreeWidget::itemActivated, this, [this] { activateSelected(); });
    connect(m_loop, &LearningLoop::activeModelChanged, this, &ModelHistoryView::reload);
    connect(m_loop, &LearningLoop::trainingFinished, this, &ModelHistoryView::reload);
    reload();
}

QString ModelHistoryView::selectedVersion() const
{
    const QTreeWidgetItem* item = m_tree->currentItem();
    return item ? item->data(Version, Qt::UserRole).toString() : QString();
}

bool ModelHistoryView::selectVersion(const QString& version)
{
    for (int i = 0; i < m_tree->topLevelItemCount(); ++i)
        if (m_tree->topLevelItem(i)->data(Version, Qt::UserRole).toString() == version) {
            m_tree->setCurrentItem(m_tree->topLevelItem(i));
            return true;
        }
    return false;
}

void ModelHistoryView::reload()
{
    auto workspace = m_workspace;
    runInBackground(m_io, this, [workspace] { return workspace->models().all(); },
                    [this](const Expected<QVector<ModelRecord>>& models) {
                        if (models)
                            show(*models);
                        else // the list stays as it was: an unreadable database is not "no models"
                            Q_EMIT message(tr("Cannot list the models: %1").arg(models.error().message));
                    });
}

void ModelHistoryView::show(const QVector<ModelRecord>& models)
{
    const QString keep = selectedVersion();
    const QString live = m_loop->activeVersion();
    m_tree->clear();
    // Newest first.
    for (auto it = models.crbegin(); it != models.crend(); ++it) {
        const ModelRecord& m = *it;
        auto* item = new QTreeWidgetItem;
        const bool active = m.state == ModelState::Active;
        item->setText(Active, active ? QStringLiteral("●") : QString());
        item->setToolTip(Active, active ? tr("Active: serving predictions") : QString());
        item->setText(Version, m.version);
        item->setData(Version, Qt::UserRole, m.version);
        item->setText(Created, QLocale().toString(m.created.toLocalTime(), QLocale::ShortFormat));
        item->setText(ValAcc, percent(m.metrics, "val_accuracy"));
        item->setText(MeanPerClass, percent(m.metrics, "val_mean_per_class"));
        const QJsonValue trainImages = m.metrics.value(QLatin1String("train_images"));
        const QJsonValue valImages = m.metrics.value(QLatin1String("val_images"));
        item->setText(Images, trainImages.isDouble() || valImages.isDouble()
                                  ? QStringLiteral("%1 / %2").arg(trainImages.toInt()).arg(valImages.toInt())
                                  : QStringLiteral("–"));
        const QJsonValue epochs = m.metrics.value(QLatin1String("epochs"));
        const QJsonValue best = m.metrics.value(QLatin1String("best_epoch"));
        item->setText(Epochs, epochs.isDouble() ? (best.isDouble() ? tr("%1 (best %2)").arg(epochs.toInt()).arg(best.toInt())
                                                                   : QString::number(epochs.toInt()))
                                                : QStringLiteral("–"));
        item->setText(Kind, m.metrics.value(QLatin1String("kind")).toString());
        // The policy it was trained with (none recorded: a server model, or one from before policies).
        const QString policy = m.metrics.value(QLatin1String("policy")).toString();
        item->setText(TrainingSet, policy.isEmpty() ? QStringLiteral("–") : policy);
        item->setToolTip(TrainingSet, policy.isEmpty() ? tr("Not recorded") : tr("Trained on %1").arg(TrainingLabelSelection::describeSpec(policy)));
        item->setData(State, Qt::UserRole, m.isPruned());
        item->setText(Parent, m.parent.isEmpty() ? QStringLiteral("–") : m.parent);
        item->setText(State, m.isPruned() ? tr("pruned") : toString(m.state));
        if (m.isPruned()) {
            item->setToolTip(State, tr("Its file was deleted to save space on %1: the metrics stay, it can't be activated")
                                        .arg(QLocale().toString(m.pruned.toLocalTime(), QLocale::ShortFormat)));
            for (int c = 0; c < ColumnCount; ++c)
                item->setForeground(c, palette().color(QPalette::Disabled, QPalette::Text));
        }
        item->setText(Verdict, m.gateVerdict);
        item->setToolTip(Verdict, m.gateVerdict);
        for (int c : {ValAcc, MeanPerClass, Images, Epochs})
            item->setTextAlignment(c, Qt::AlignRight | Qt::AlignVCenter);
        if (active) {
            for (int c = 0; c < ColumnCount; ++c) {
                QFont f = item->font(c);
                f.setBold(true);
                item->setFont(c, f);
            }
        }
        m_tree->addTopLevelItem(item);
    }
    // The untrained head every workspace starts with: always there to go back to.
    {
        const QString zeroShot = LearningLoop::zeroShotVersion();
        const bool active = std::none_of(models.cbegin(), models.cend(), [](const ModelRecord& m) { return m.state == ModelState::Active; });
        auto* item = new QTreeWidgetItem;
        item->setText(Active, active ? QStringLiteral("●") : QString());
        item->setToolTip(Active, active ? tr("Active: serving predictions") : QString());
        item->setText(Version, zeroShot);
        item->setData(Version, Qt::UserRole, zeroShot);
        for (int c : {Created, ValAcc, MeanPerClass, Images, Epochs, TrainingSet, Parent})
            item->setText(c, QStringLiteral("–"));
        item->setText(Kind, tr("untrained"));
        item->setText(State, active ? toString(ModelState::Active) : QString());
        item->setText(Verdict, tr("ImageNet classes mapped to the breeds, before any training"));
        for (int c : {ValAcc, MeanPerClass, Images, Epochs})
            item->setTextAlignment(c, Qt::AlignRight | Qt::AlignVCenter);
        if (active)
            for (int c = 0; c < ColumnCount; ++c) {
                QFont f = item->font(c);
                f.setBold(true);
                item->setFont(c, f);
            }
        m_tree->addTopLevelItem(item);
    }
    // Keep the curator's choice, except that the cursor follows the live model when it was on it.
    if (keep.isEmpty() || keep == m_lastLive || !selectVersion(keep)) {
        if (!selectVersion(live) && m_tree->topLevelItemCount() > 0)
            m_tree->setCurrentItem(m_tree->topLevelItem(0));
    }
    m_lastLive = live;
    m_caption->setText(models.isEmpty()
                           ? tr("No trained models yet: predictions come from the zero-shot head (ImageNet classes mapped to 25 breeds). "
                                "Train one from the Training view.")
                           : tr("%n version(s). Live now: <b>%1</b>.", nullptr, int(models.size())).arg(live));
    updateButtons();
    Q_EMIT modelsChanged(models);
}

bool ModelHistoryView::isSelectedPruned() const
{
    const QTreeWidgetItem* item = m_tree->currentItem();
    return item && item->data(State, Qt::UserRole).toBool();
}

void ModelHistoryView::updateButtons()
{
    const QString v = selectedVersion();
    m_activate->setEnabled(!m_swapping && !v.isEmpty() && v != m_loop->activeVersion() && !isSelectedPruned());
    m_activate->setToolTip(isSelectedPruned() ? tr("%1's file was pruned to save space: it can't be activated").arg(v) : QString());
    // One trained version is enough: before it there is the zero-shot head (the last row).
    m_rollback->setEnabled(!m_swapping && m_tree->topLevelItemCount() > 1);
}

void ModelHistoryView::activateSelected()
{
    const QString version = selectedVersion();
    if (version.isEmpty() || m_swapping || version == m_loop->activeVersion())
        return;
    if (isSelectedPruned()) { // e.g. a double-click on its row: the loop's own one-line refusal
        Q_EMIT message(tr("Could not activate %1: %2").arg(version, prunedModelMessage(version)));
        return;
    }
    m_swapping = true;
    updateButtons();
    // Queued on the loop like every model change: it waits for a running training's own
    // activation, and the database and the live model never disagree.
    m_loop->activateAsync(version, this, [this, version](const Status<>& s) {
        m_swapping = false;
        Q_EMIT message(s ? tr("Activated %1").arg(version) : tr("Could not activate %1: %2").arg(version, s.error().message));
        reload();
    });
}

void ModelHistoryView::rollback()
{
    if (m_swapping)
        return;
    m_swapping = true;
    updateButtons();
    m_loop->rollbackAsync(this, [this](const Expected<QString>& r) {
        m_swapping = false;
        Q_EMIT message(r ? tr("Rolled back to %1").arg(*r) : tr("Could not roll back: %1").arg(r.error().message));
        reload();
    });
}

} // namespace pc
