#include "ImportReportView.h"

#include <QApplication>
#include <QClipboard>
#include <QDateTime>
#include <QDialogButtonBox>
#include <QFileInfo>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

namespace pc {

ImportReportView::ImportReportView(QWidget* parent) : QDialog(parent)
{
    setWindowTitle(tr("Import report"));
    setObjectName(QStringLiteral("importReport"));
    setModal(false);
    setAttribute(Qt::WA_ShowWithoutActivating);
    auto* layout = new QVBoxLayout(this);
    m_summary = new QLabel(this);
    m_summary->setWordWrap(true);
    m_table = new QTableWidget(0, 4, this);
    m_table->setHorizontalHeaderLabels({tr("File"), tr("Reason"), tr("During"), tr("Time")});
    m_table->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Interactive);
    m_table->horizontalHeader()->setSectionResizeMode(1, QHeaderView::Stretch);
    m_table->horizontalHeader()->setSectionResizeMode(2, QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setSectionResizeMode(3, QHeaderView::ResizeToContents);
    m_table->setColumnWidth(0, fontMetrics().horizontalAdvance(QLatin1Char('x')) * 32);
    m_table->verticalHeader()->hide();
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setWordWrap(false);
    layout->addWidget(m_summary);
    layout->addWidget(m_table, 1);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    auto* copy = buttons->addButton(tr("&Copy"), QDialogButtonBox::ActionRole);
    auto* clear = buttons->addButton(tr("C&lear"), QDialogButtonBox::ResetRole);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::hide);
    connect(clear, &QPushButton::clicked, this, &ImportReportView::clearIssues);
    connect(copy, &QPushButton::clicked, this, [this] {
        QStringList lines;
        for (int r = 0; r < m_table->rowCount(); ++r)
            lines << m_table->item(r, 0)->data(Qt::UserRole).toString() + QLatin1Char('\t') + m_table->item(r, 1)->text();
        QApplication::clipboard()->setText(lines.join(QLatin1Char('\n')));
    });
    layout->addWidget(buttons);
    resize(fontMetrics().horizontalAdvance(QLatin1Char('x')) * 110, fontMetrics().height() * 22);
    clearIssues();
}

int ImportReportView::issueCount() const { return m_table->rowCount(); }

void ImportReportView::addRow(const QString& context, const QString& path, const QString& reason)
{
    m_table->setSortingEnabled(false);
    const int row = m_table->rowCount();
    m_table->insertRow(row);
    auto* file = new QTableWidgetItem(QFileInfo(path).fileName().isEmpty() ? path : QFileInfo(path).fileName());
    file->setData(Qt::UserRole, path);
    file->setToolTip(path);
    m_table->setItem(row, 0, file);
    auto* why = new QTableWidgetItem(reason);
    why->setToolTip(reason);
    m_table->setItem(row, 1, why);
    m_table->setItem(row, 2, new QTableWidgetItem(context));
    m_table->setItem(row, 3, new QTableWidgetItem(QTime::currentTime().toString(QStringLiteral("HH:mm:ss"))));
    m_summary->setText(tr("%n file(s) could not be used. They were skipped; everything else was imported.", nullptr,
                          m_table->rowCount()));
}

void ImportReportView::addIssue(const QString& context, const QString& path, const QString& reason)
{
    addRow(context, path, reason);
    Q_EMIT issuesChanged(issueCount());
}

void ImportReportView::addIssues(const QString& context, const QList<ImportIssue>& issues)
{
    if (issues.isEmpty())
        return;
    m_table->setUpdatesEnabled(false);
    for (const ImportIssue& i : issues)
        addRow(context, i.path, i.reason);
    m_table->setUpdatesEnabled(true);
    m_table->scrollToBottom();
    Q_EMIT issuesChanged(issueCount());
}

void ImportReportView::clearIssues()
{
    m_table->setRowCount(0);
    m_summary->setText(tr("No problems so far."));
    Q_EMIT issuesChanged(0);
}

void ImportReportView::reveal()
{
    if (!isVisible())
        show();
    raise();
}

} // namespace pc
