#include "ShortcutsDialog.h"

#include <QDialogButtonBox>
#include <QGuiApplication>
#include <QScreen>
#include <QStyle>
#include <QHeaderView>
#include <QMenu>
#include <QMenuBar>
#include <QTableWidget>
#include <QVBoxLayout>

namespace pc {

namespace {
// Keys no ordinary keyboard has (QKeySequence::Undo adds F14 for Sun keyboards on X11).
bool onCommonKeyboards(const QKeySequence& k)
{
    for (int i = 0; i < k.count(); ++i) {
        const Qt::Key key = k[i].key();
        if (key >= Qt::Key_F13 && key <= Qt::Key_F35)
            return false;
    }
    return !k.isEmpty();
}

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
            if (onCommonKeyboards(k))
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
    m_table->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 6);
    m_table->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    layout->addWidget(m_table, 1);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);
    // Tall enough for every row, as far as the screen allows: a list of keys is read at a glance.
    const int tableH = m_table->verticalHeader()->length() + m_table->horizontalHeader()->sizeHint().height() + 2 * m_table->frameWidth();
    const int chrome = layout->contentsMargins().top() + layout->contentsMargins().bottom() + layout->spacing()
                       + buttons->sizeHint().height();
    const QScreen* screen = parent ? parent->screen() : QGuiApplication::primaryScreen();
    const int room = screen ? screen->availableGeometry().height() - fontMetrics().height() * 4 : tableH + chrome;
    m_table->resizeColumnsToContents();
    int columnsW = 2 * m_table->frameWidth() + style()->pixelMetric(QStyle::PM_ScrollBarExtent) + fontMetrics().height();
    for (int c = 0; c < 3; ++c)
        columnsW += m_table->columnWidth(c);
    resize(std::max(fontMetrics().horizontalAdvance(QLatin1Char('x')) * 60, columnsW + layout->contentsMargins().left() * 2),
           std::min(tableH + chrome, room));
}

} // namespace pc
