#include "PreferencesDialog.h"

#include "AppSettings.h"
#include "model/Precision.h"
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
        save();
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
    const AutoTrainRules r = AppSettings::autoTrainRules();
    m_afterLabelsOn->setChecked(r.afterLabelsEnabled);
    m_afterLabels->setValue(r.afterLabels);
    m_afterLabels->setEnabled(r.afterLabelsEnabled);
    m_dailyOn->setChecked(r.dailyEnabled);
    m_dailyAt->setTime(r.dailyAt);
    m_dailyAt->setEnabled(r.dailyEnabled);
    m_incremental->setChecked(AppSettings::incrementalOnCorrection());
}

void PreferencesDialog::save()
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
    AutoTrainRules r;
    r.afterLabelsEnabled = m_afterLabelsOn->isChecked();
    r.afterLabels = m_afterLabels->value();
    r.dailyEnabled = m_dailyOn->isChecked();
    r.dailyAt = m_dailyAt->time();
    AppSettings::setAutoTrainRules(r);
    AppSettings::setIncrementalOnCorrection(m_incremental->isChecked());
    Q_EMIT settingsChanged();
}

} // namespace pc
