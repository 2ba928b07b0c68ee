#pragma once
// One non-modal window that collects every file that could not be used (import or prediction),
// with its reason. It is shown without taking the keyboard focus, and reused: never a storm of
// dialogs.
#include "workspace/DatasetImporter.h"

#include <QDialog>

class QLabel;
class QTableWidget;

namespace pc {

class ImportReportView : public QDialog {
    Q_OBJECT
public:
    explicit ImportReportView(QWidget* parent = nullptr);

    void addIssues(const QString& context, const QList<ImportIssue>& issues);
    void addIssue(const QString& context, const QString& path, const QString& reason);
    int issueCount() const;
    QTableWidget* table() const { return m_table; }
    // Shows the window without activating it (the curator keeps typing where they were).
    void reveal();

public Q_SLOTS:
    void clearIssues();

Q_SIGNALS:
    void issuesChanged(int count);

private:
    void addRow(const QString& context, const QString& path, const QString& reason);

    QLabel* m_summary;
    QTableWidget* m_table;
};

} // namespace pc
