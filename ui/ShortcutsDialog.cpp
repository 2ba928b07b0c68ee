#include "ShortcutsDialog.h"

#include <QDialogButtonBox>
#include <QHeaderView>
#include <QMenu>
#include <QMenuBar>
#include <QTableWidget>
#include <QVBoxLayout>

namespace pc {

namespace {
void collect(const QMenu* menu, const QString& path, QList<QStringList>& rows)
{
    for (QAction* a : menu->actions()) {
        if (a->isSeparator())
            continue;
        const QString name = QString(a->text()).remove(QLatin1Char('&'));
        if (a->menu()) {
            collect(a->menu(), path + QStringLiteral(" ▸ ") + name, rows);
            continue;
        }
        QStringList keys;
        for (const QKeySequence& k : a->shortcuts())
            keys << k.toString(QKeySequence::NativeText);
        if (!keys.isEmpty())
            rows.append({path, name, keys.join(QStringLiteral(", "))});
    }
}
} // namespace

ShortcutsDialog::ShortcutsDialog(const QMenuBar* menus, QWidget* parent) : QDialog(parent)
{
    setObjectName(QStringLiteral("shortcuts"));
    setWindowTitle(tr("Keyboard shortcuts"));
    auto* layout = new QVBoxLayout(this);
    QList<QStringList> rows;
    for (QAction* top : menus->actions())
        if (top->menu())
            collect(top->menu(), QString(top->text()).remove(QLatin1Char('&')), rows);
    rows.append({tr("Gallery"), tr("Type a breed name"), tr("letters")});
    rows.append({tr("Gallery"), tr("Move between images"), tr("arrow keys, Home, End, PgUp, PgDown")});
    m_table = new QTableWidget(int(rows.size()), 3, this);
    m_table->setHorizontalHeaderLabels({tr("Menu"), tr("Action"), tr("Keys")});
    for (int r = 0; r < rows.size(); ++r)
        for (int c = 0; c < 3; ++c)
            m_table->setItem(r, c, new QTableWidgetItem(rows[r].value(c)));
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    layout->addWidget(m_table, 1);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);
    resize(fontMetrics().horizontalAdvance(QLatin1Char('x')) * 80, fontMetrics().height() * 30);
}

} // namespace pc
