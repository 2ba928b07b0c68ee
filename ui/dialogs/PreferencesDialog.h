#pragma once
// Preferences (QSettings): the workspace folder (used at the next start), threads, the curator's
// name, moving on after a label, and the automatic fine-tuning rules.
#include <QDialog>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QSpinBox;
class QTimeEdit;

namespace pc {

class PreferencesDialog : public QDialog {
    Q_OBJECT
public:
    explicit PreferencesDialog(QWidget* parent = nullptr);

    void load();  // from AppSettings
    void save();  // to AppSettings
    // The workspace open now: the folder field shows it unless another one is set for the next
    // start, and saving writes the folder only when the curator changed it.
    void setOpenWorkspace(const QString& dir);

    QLineEdit* workspaceField() const { return m_workspace; }
    QSpinBox* threadsField() const { return m_threads; }
    QComboBox* precisionField() const { return m_precision; }
    QCheckBox* afterLabelsCheck() const { return m_afterLabelsOn; }
    QSpinBox* afterLabelsField() const { return m_afterLabels; }
    QCheckBox* dailyCheck() const { return m_dailyOn; }
    QTimeEdit* dailyAtField() const { return m_dailyAt; }

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
    QCheckBox* m_afterLabelsOn;
    QSpinBox* m_afterLabels;
    QCheckBox* m_dailyOn;
    QTimeEdit* m_dailyAt;
    QCheckBox* m_incremental;
};

} // namespace pc
