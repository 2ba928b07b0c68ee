#pragma once
// Help ▸ Keyboard shortcuts: every action of the window that has a shortcut, grouped by menu.
#include <QDialog>

class QMenuBar;
class QTableWidget;

namespace pc {

class ShortcutsDialog : public QDialog {
    Q_OBJECT
public:
    ShortcutsDialog(const QMenuBar* menus, QWidget* parent = nullptr);
    QTableWidget* table() const { return m_table; }

private:
    QTableWidget* m_table;
};

} // namespace pc
