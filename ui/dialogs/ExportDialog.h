#pragma once
// File ▸ Export: which format, which folder, and which labels (trusted only, origins, authors,
// breeds, a date range). The dialog checks what it can before it closes (a folder that is a file or
// cannot be made, a non-empty folder the curator has not agreed to write into, an unknown breed, an
// empty date range) and says what is wrong in one line; the export itself runs elsewhere
// (ExportController), on the options this dialog gives.
#include "workspace/LabelExport.h"

#include <QDialog>
#include <QMap>

class QCheckBox;
class QComboBox;
class QDateEdit;
class QLabel;
class QLineEdit;
class QPushButton;
class QToolButton;

namespace pc {

class ExportDialog : public QDialog {
    Q_OBJECT
public:
    explicit ExportDialog(QWidget* parent = nullptr);

    // What to export; valid once the dialog was accepted.
    QString outputDir() const;
    ExportOptions options() const; // without cancel and progress: the runner sets them

    // The controls, for tests and accessibility.
    QComboBox* formatField() const { return m_format; }
    QLineEdit* folderField() const { return m_folder; }
    QToolButton* browseButton() const { return m_browse; }
    QCheckBox* approvedOnlyCheck() const { return m_approvedOnly; }
    QCheckBox* originCheck(LabelOrigin origin) const { return m_origins.value(origin); }
    QLineEdit* authorsField() const { return m_authors; }
    QLineEdit* breedsField() const { return m_breeds; }
    QCheckBox* sinceCheck() const { return m_sinceOn; }
    QDateEdit* sinceField() const { return m_since; }
    QCheckBox* untilCheck() const { return m_untilOn; }
    QDateEdit* untilField() const { return m_until; }
    QCheckBox* intoNonEmptyCheck() const { return m_intoNonEmpty; }
    QPushButton* exportButton() const { return m_exportButton; }
    QString errorText() const;

    // Checks the input; on a problem shows it in the dialog and returns false.
    bool check();

private:
    void showError(const QString& message);
    // The filter as entered; an unknown breed gives a one-line error.
    Expected<LabelFilter> filter() const;

    QComboBox* m_format;
    QLineEdit* m_folder;
    QToolButton* m_browse;
    QCheckBox* m_approvedOnly;
    QMap<LabelOrigin, QCheckBox*> m_origins;
    QLineEdit* m_authors;
    QLineEdit* m_breeds;
    QCheckBox* m_sinceOn;
    QDateEdit* m_since;
    QCheckBox* m_untilOn;
    QDateEdit* m_until;
    QCheckBox* m_intoNonEmpty;
    QLabel* m_error;
    QPushButton* m_exportButton;
};

} // namespace pc
