#include "PreferencesDialog.h"

#include "AppSettings.h"
#include "model/Precision.h"
#include "training/ModelRetention.h"
#include "workspace/Workspace.h"

#include <QCheckBox>
#include <QComboBox>
#include <QStandardItemModel>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QDoubleSpinBox>
#include <QSpinBox>
#include <QThread>
#include <QTimeEdit>
#include <QVBoxLayout>

namespace pc {

PreferencesDialog::PreferencesDialog(QWidget* parent) : QDialog(parent)
{
    setObjectName(QStringLiteral("preferences"));
    setWindowTitle(tr("Preferences"));
    auto* layout = new QVBoxLayout(this);

    auto* general = new QGroupBox(tr("General"), this);
    auto* form = new QFormLayout(general);
    auto* wsRow = new QHBoxLayout;
    m_workspace = new QLineEdit(general);
    m_workspace->setPlaceholderText(Workspace::defaultLocation());
    m_workspace->setClearButtonEnabled(true);
    auto* browse = new QPushButton(tr("&Browse…"), general);
    wsRow->addWidget(m_workspace, 1);
    wsRow->addWidget(browse);
    // addRow(text, layout) makes a label without a buddy, which shows the '&' as it is.
    auto* wsLabel = new QLabel(tr("&Workspace folder:"), general);
    wsLabel->setBuddy(m_workspace);
    form->addRow(wsLabel, wsRow);
    m_workspaceNote = new QLabel(general);
    m_workspaceNote->setWordWrap(true);
    form->addRow(QString(), m_workspaceNote);
    m_threads = new QSpinBox(general);
    m_threads->setRange(0, std::max(1, QThread::idealThreadCount()) * 2);
    m_threads->setSpecialValueText(tr("Automatic (%1)").arg(QThread::idealThreadCount()));
    form->addRow(tr("&Threads:"), m_threads);
    // Item data: the AppSettings::precision() value. bf16 is offered only where the CPU runs it.
    m_precision = new QComboBox(general);
    m_precision->addItem(tr("Automatic (%1 on this computer)").arg(precisionName(*resolvePrecision(PrecisionChoice::Auto))),
                         QStringLiteral("auto"));
    m_precision->addItem(tr("fp32"), QStringLiteral("fp32"));
    m_precision->addItem(tr("bf16 (faster on CPUs with AVX-512 BF16)"), QStringLiteral("bf16"));
    if (!cpuHasBf16())
        qobject_cast<QStandardItemModel*>(m_precision->model())->item(2)->setEnabled(false);
    m_precision->setToolTip(tr("The number format of the pretrained network; classifiers stay fp32. Used at the next start."));
    form->addRow(tr("Backbone &precision:"), m_precision);
    m_curator = new QLineEdit(general);
    form->addRow(tr("&Curator name:"), m_curator);
    m_advance = new QCheckBox(tr("Move to the &next image after labelling"), general);
    form->addRow(QString(), m_advance);
    m_nearDuplicate = new QDoubleSpinBox(general);
    m_nearDuplicate->setObjectName(QStringLiteral("nearDuplicateThreshold"));
    m_nearDuplicate->setRange(0.5, 1.0);
    m_nearDuplicate->setDecimals(3);
    m_nearDuplicate->setSingleStep(0.005);
    m_nearDuplicate->setToolTip(tr("Images whose embeddings are at least this similar (cosine) are flagged as near-duplicates. 0.97 catches "
                                   "copies and light resizes; lower also catches heavier re-encodes."));
    form->addRow(tr("Near-duplicates at si&milarity ≥"), m_nearDuplicate);
    layout->addWidget(general);

    auto* autoBox = new QGroupBox(tr("Automatic fine-tuning"), this);
    auto* af = new QFormLayout(autoBox);
    auto* afterRow = new QHBoxLayout;
    m_afterLabelsOn = new QCheckBox(tr("After every"), autoBox);
    m_afterLabels = new QSpinBox(autoBox);
    m_afterLabels->setRange(1, 100000);
    m_afterLabels->setSuffix(tr(" new labels"));
    m_afterLabels->setAccessibleName(tr("New labels before a training"));
    afterRow->addWidget(m_afterLabelsOn);
    afterRow->addWidget(m_afterLabels);
    afterRow->addStretch(1);
    af->addRow(afterRow);
    auto* dailyRow = new QHBoxLayout;
    m_dailyOn = new QCheckBox(tr("Daily at"), autoBox);
    m_dailyAt = new QTimeEdit(autoBox);
    m_dailyAt->setDisplayFormat(QStringLiteral("HH:mm"));
    m_dailyAt->setAccessibleName(tr("Daily training time"));
    dailyRow->addWidget(m_dailyOn);
    dailyRow->addWidget(m_dailyAt);
    dailyRow->addStretch(1);
    af->addRow(dailyRow);
    m_incremental = new QCheckBox(tr("Quick &update of the model after each correction"), autoBox);
    af->addRow(m_incremental);
    af->addRow(new QLabel(tr("<small>Training runs in the background; the status bar shows its state and the live model. "
                             "A new model goes live only when it is at least as good as the active one.</small>"),
                          autoBox));
    layout->addWidget(autoBox);

    // This workspace's own settings.
    m_wsBox = new QGroupBox(tr("This workspace's models"), this);
    auto* wf = new QFormLayout(m_wsBox);
    m_policy = new QComboBox(m_wsBox);
    m_policy->addItem(tr("All labels"), QStringLiteral("all"));
    m_policy->addItem(tr("Approved only (imported labels, and others once the team server approved them)"), QStringLiteral("approved"));
    m_policy->addItem(tr("Labels of the chosen origins"), QStringLiteral("origins"));
    m_policy->setToolTip(tr("Which labels training learns from and the gate judges on. A label pending review never trains. "
                            "Each model records the policy it was trained with."));
    wf->addRow(tr("Train &on:"), m_policy);
    auto* originRow = new QHBoxLayout;
    for (const auto& [origin, text] : {std::pair{QStringLiteral("dataset"), tr("Imported &datasets")},
                                       std::pair{QStringLiteral("curator"), tr("Curator&s")},
                                       std::pair{QStringLiteral("server"), tr("Team ser&ver")}}) {
        auto* check = new QCheckBox(text, m_wsBox);
        check->setObjectName(origin);
        check->setProperty("origin", origin);
        originRow->addWidget(check);
        m_origins << check;
    }
    originRow->addStretch(1);
    wf->addRow(QString(), originRow);
    m_keepQuick = new QSpinBox(m_wsBox);
    m_keepQuick->setRange(0, 1000);
    m_keepQuick->setSuffix(tr(" quick updates"));
    m_keepQuick->setAccessibleName(tr("Quick updates to keep"));
    m_keepQuick->setToolTip(tr("After each training, the files of older quick updates are deleted; their metrics stay in the history. "
                               "The live version, the previous one and every other version that was ever live always stay."));
    wf->addRow(tr("&Keep the newest:"), m_keepQuick);
    m_wsNote = new QLabel(m_wsBox);
    m_wsNote->setWordWrap(true);
    wf->addRow(m_wsNote);
    layout->addWidget(m_wsBox);
    auto showOrigins = [this] {
        const bool on = m_policy->currentData().toString() == QLatin1String("origins");
        for (QCheckBox* c : std::as_const(m_origins))
            c->setEnabled(on);
    };
    connect(m_policy, &QComboBox::currentIndexChanged, this, showOrigins);
    loadWorkspaceSettings();

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel | QDialogButtonBox::Apply, this);
    layout->addWidget(buttons);

    connect(browse, &QPushButton::clicked, this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Workspace folder"),
                                                              m_workspace->text().isEmpty() ? Workspace::defaultLocation() : m_workspace->text());
        if (!dir.isEmpty())
            m_workspace->setText(dir);
    });
    connect(m_afterLabelsOn, &QCheckBox::toggled, m_afterLabels, &QWidget::setEnabled);
    connect(m_dailyOn, &QCheckBox::toggled, m_dailyAt, &QWidget::setEnabled);
    connect(buttons, &QDialogButtonBox::accepted, this, [this] {
        if (save())
            accept();
    });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(buttons->button(QDialogButtonBox::Apply), &QPushButton::clicked, this, &PreferencesDialog::save);
    load();
}

void PreferencesDialog::setOpenWorkspace(const QString& dir)
{
    m_openWorkspace = dir;
    load();
}

QCheckBox* PreferencesDialog::originCheck(const QString& origin) const
{
    for (QCheckBox* c : m_origins)
        if (c->property("origin").toString() == origin)
            return c;
    return nullptr;
}

void PreferencesDialog::setWorkspace(std::shared_ptr<Workspace> workspace)
{
    m_ws = std::move(workspace);
    loadWorkspaceSettings();
}

// Reads the workspace's settings (two small reads of its settings table).
void PreferencesDialog::loadWorkspaceSettings()
{
    m_loadedKeep = -1;
    m_loadedPolicy = {};
    const int stored = m_policy->findData(QStringLiteral("stored"));
    if (stored >= 0)
        m_policy->removeItem(stored);
    if (!m_ws) {
        m_wsBox->setEnabled(false);
        m_wsNote->setText(tr("<small>No workspace is open.</small>"));
        return;
    }
    const auto policy = TrainingLabelSelection::load(*m_ws);
    const auto keep = ModelRetention::keep(*m_ws);
    if (!policy || !keep) {
        // Not shown as defaults: saving would then overwrite what could not be read.
        m_wsBox->setEnabled(false);
        m_wsNote->setText(tr("Cannot read this workspace's settings: %1").arg((!policy ? policy.error() : keep.error()).message));
        return;
    }
    m_wsBox->setEnabled(true);
    m_wsNote->setText(tr("<small>Stored in the workspace: <tt>petcurator-cli train</tt> and the automatic runs use them too "
                         "(<tt>train --policy</tt> overrides the policy for one run).</small>"));
    m_loadedPolicy = *policy;
    m_loadedKeep = *keep;
    m_keepQuick->setValue(*keep);
    const TrainingLabelSelection& p = *policy;
    QString choice = QStringLiteral("all");
    if (!p.roles.isEmpty() || (p.approvedOnly && !p.origins.isEmpty())) {
        // Narrowed further by the team-server settings: shown as it is and kept unless changed here.
        m_policy->addItem(tr("As stored: %1").arg(p.describe()), QStringLiteral("stored"));
        choice = QStringLiteral("stored");
    } else if (p.approvedOnly) {
        choice = QStringLiteral("approved");
    } else if (!p.origins.isEmpty()) {
        choice = QStringLiteral("origins");
    }
    for (QCheckBox* c : std::as_const(m_origins))
        c->setChecked(p.origins.isEmpty() || p.origins.contains(c->property("origin").toString()));
    m_policy->setCurrentIndex(m_policy->findData(choice));
    for (QCheckBox* c : std::as_const(m_origins))
        c->setEnabled(choice == QLatin1String("origins"));
}

TrainingLabelSelection PreferencesDialog::chosenPolicy() const
{
    const QString choice = m_policy->currentData().toString();
    if (choice == QLatin1String("stored"))
        return m_loadedPolicy;
    TrainingLabelSelection p;
    p.roles = m_loadedPolicy.roles; // the team-server settings' part, kept
    p.approvedOnly = choice == QLatin1String("approved");
    if (choice == QLatin1String("origins"))
        for (QCheckBox* c : m_origins)
            if (c->isChecked())
                p.origins << c->property("origin").toString();
    return p;
}

void PreferencesDialog::load()
{
    const QString next = AppSettings::workspaceDir();
    m_shownWorkspace = next.isEmpty() ? m_openWorkspace : next;
    m_workspace->setText(m_shownWorkspace);
    m_workspaceNote->setText(m_openWorkspace.isEmpty() || m_openWorkspace == m_shownWorkspace
                                 ? tr("<small>A change is used at the next start (or pass --workspace DIR).</small>")
                                 : tr("<small>Open now: %1. This one is used at the next start (or pass --workspace DIR).</small>")
                                       .arg(m_openWorkspace.toHtmlEscaped()));
    m_threads->setValue(AppSettings::threads());
    m_precision->setCurrentIndex(std::max(0, m_precision->findData(AppSettings::precision())));
    m_curator->setText(AppSettings::curatorName());
    m_advance->setChecked(AppSettings::advanceAfterLabel());
    m_nearDuplicate->setValue(double(AppSettings::nearDuplicateThreshold()));
    const AutoTrainRules r = AppSettings::autoTrainRules();
    m_afterLabelsOn->setChecked(r.afterLabelsEnabled);
    m_afterLabels->setValue(r.afterLabels);
    m_afterLabels->setEnabled(r.afterLabelsEnabled);
    m_dailyOn->setChecked(r.dailyEnabled);
    m_dailyAt->setTime(r.dailyAt);
    m_dailyAt->setEnabled(r.dailyEnabled);
    m_incremental->setChecked(AppSettings::incrementalOnCorrection());
}

bool PreferencesDialog::save()
{
    // Untouched, the field only mirrors the open workspace: don't pin it as the next start's.
    if (m_workspace->text().trimmed() != m_shownWorkspace) {
        AppSettings::setWorkspaceDir(m_workspace->text().trimmed());
        m_shownWorkspace = m_workspace->text().trimmed();
    }
    AppSettings::setThreads(m_threads->value());
    AppSettings::setPrecision(m_precision->currentData().toString());
    AppSettings::setCuratorName(m_curator->text());
    AppSettings::setAdvanceAfterLabel(m_advance->isChecked());
    AppSettings::setNearDuplicateThreshold(float(m_nearDuplicate->value()));
    AutoTrainRules r;
    r.afterLabelsEnabled = m_afterLabelsOn->isChecked();
    r.afterLabels = m_afterLabels->value();
    r.dailyEnabled = m_dailyOn->isChecked();
    r.dailyAt = m_dailyAt->time();
    AppSettings::setAutoTrainRules(r);
    AppSettings::setIncrementalOnCorrection(m_incremental->isChecked());
    if (m_ws && m_wsBox->isEnabled()) {
        // Written only when changed: another window or the CLI may have changed the rest since.
        QStringList problems;
        const TrainingLabelSelection policy = chosenPolicy();
        if (m_policy->currentData().toString() == QLatin1String("origins") && policy.origins.isEmpty())
            problems << tr("Choose at least one origin to train on; the training-set policy was not changed.");
        else if (!(policy == m_loadedPolicy)) {
            if (auto s = policy.save(*m_ws); !s)
                problems << s.error().message;
            else
                m_loadedPolicy = policy;
        }
        if (m_keepQuick->value() != m_loadedKeep) {
            if (auto s = ModelRetention::setKeep(*m_ws, m_keepQuick->value()); !s)
                problems << s.error().message;
            else
                m_loadedKeep = m_keepQuick->value();
        }
        if (!problems.isEmpty()) {
            // Said in the dialog, which stays open; the rest is saved.
            m_wsNote->setText(problems.join(QLatin1Char('\n')));
            Q_EMIT settingsChanged();
            return false;
        }
    }
    Q_EMIT settingsChanged();
    return true;
}

} // namespace pc
