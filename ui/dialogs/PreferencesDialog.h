#pragma once
// Preferences (QSettings): the workspace folder (used at the next start), threads, the curator's
// name, moving on after a label, and the automatic fine-tuning rules. With the open workspace
// given, also its own settings (stored in the workspace, so the CLI and automatic runs follow them
// too): the training-set policy and how many quick-update bundles to keep.
#include "training/TrainingLabels.h"

#include <QDialog>
#include <memory>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QSpinBox;
class QTimeEdit;
class QGroupBox;

namespace pc {

class Workspace;

class PreferencesDialog : public QDialog {
    Q_OBJECT
public:
    explicit PreferencesDialog(QWidget* parent = nullptr);

    void load();  // from AppSettings
    // To AppSettings (and the workspace); false when a workspace setting was refused: the dialog
    // says why and stays open.
    bool save();
    // The workspace open now: the folder field shows it unless another one is set for the next
    // start, and saving writes the folder only when the curator changed it.
    void setOpenWorkspace(const QString& dir);
    // The open workspace, for its settings: read now, written by save() when changed.
    void setWorkspace(std::shared_ptr<Workspace> workspace);

    QLineEdit* workspaceField() const { return m_workspace; }
    QSpinBox* threadsField() const { return m_threads; }
    QComboBox* precisionField() const { return m_precision; }
    QCheckBox* afterLabelsCheck() const { return m_afterLabelsOn; }
    QSpinBox* afterLabelsField() const { return m_afterLabels; }
    QCheckBox* dailyCheck() const { return m_dailyOn; }
    QTimeEdit* dailyAtField() const { return m_dailyAt; }
    QComboBox* policyField() const { return m_policy; }  // item data: "all", "approved", "origins", "stored"
    QCheckBox* originCheck(const QString& origin) const; // "dataset", "curator", "server"
    QSpinBox* keepQuickUpdatesField() const { return m_keepQuick; }
    QDoubleSpinBox* nearDuplicateField() const { return m_nearDuplicate; }

Q_SIGNALS:
    void settingsChanged();

private:
    QLineEdit* m_workspace;
    QLabel* m_workspaceNote;
    QString m_openWorkspace;
    QString m_shownWorkspace; // what load() put in the field
    QSpinBox* m_threads;
    QComboBox* m_precision;
    QLineEdit* m_curator;
    QCheckBox* m_advance;
    QDoubleSpinBox* m_nearDuplicate;
    QCheckBox* m_afterLabelsOn;
    QSpinBox* m_afterLabels;
    QCheckBox* m_dailyOn;
    QTimeEdit* m_dailyAt;
    QCheckBox* m_incremental;

    void loadWorkspaceSettings();
    TrainingLabelSelection chosenPolicy() const;
    std::shared_ptr<Workspace> m_ws;
    QGroupBox* m_wsBox;
    QLabel* m_wsNote;
    QComboBox* m_policy;
    QList<QCheckBox*> m_origins;
    QSpinBox* m_keepQuick;
    TrainingLabelSelection m_loadedPolicy; // as read: what save() compares with, and keeps the roles of
    int m_loadedKeep = -1;
};

} // namespace pc
