// Screen readers can use the app: every interactive control of the main window and of each dialog
// has a name an assistive technology reads (its accessible name, its own text, or a buddy label),
// as QAccessible reports it. Real widgets, offscreen, on a real workspace.
#include "GuiTestSupport.h"
#include "MainWindow.h"
#include "TestSupport.h"
#include "dialogs/AboutDialog.h"
#include "dialogs/PreferencesDialog.h"
#include "dialogs/ShortcutsDialog.h"
#include "review/BreedPicker.h"
#include "sync/ServerSettingsDialog.h"
#include "training/LearningLoop.h"
#include "workspace/Workspace.h"

#include <QAbstractButton>
#include <QAbstractItemView>
#include <QAbstractSlider>
#include <QAbstractSpinBox>
#include <QAccessible>
#include <QApplication>
#include <QComboBox>
#include <QLineEdit>
#include <QMenuBar>
#include <QPlainTextEdit>
#include <QTemporaryDir>
#include <QTextEdit>
#include <QtTest>

using namespace pc;

namespace {

bool isInteractive(const QWidget* w)
{
    return qobject_cast<const QAbstractButton*>(w) || qobject_cast<const QLineEdit*>(w) || qobject_cast<const QComboBox*>(w)
        || qobject_cast<const QAbstractSpinBox*>(w) || qobject_cast<const QAbstractSlider*>(w)
        || qobject_cast<const QAbstractItemView*>(w) || qobject_cast<const QTextEdit*>(w)
        || qobject_cast<const QPlainTextEdit*>(w);
}

// Parts Qt builds inside its own composite widgets (a combo box's line edit, a spin box's editor,
// a scroll area's bars, a tab bar's scroll arrows): their parent carries the name.
bool isQtInternal(const QWidget* w)
{
    if (w->objectName().startsWith(QLatin1String("qt_")))
        return true;
    const QWidget* p = w->parentWidget();
    if (!p)
        return false;
    const QByteArray cls = w->metaObject()->className();
    // Scroll bars, headers and corner buttons of a scroll area or item view, a line edit's clear
    // button: named by Qt after the widget they belong to.
    if (cls == "QScrollBar" || cls == "QHeaderView" || cls == "QTableCornerButton" || qobject_cast<const QLineEdit*>(p))
        return true;
    return qobject_cast<const QComboBox*>(p) || qobject_cast<const QAbstractSpinBox*>(p) || QByteArray(p->metaObject()->className()) == "QTabBar";
}

// "ClassName 'objectName' in Parent" for the failure message.
QString describe(const QWidget* w)
{
    QString s = QString::fromLatin1(w->metaObject()->className());
    if (!w->objectName().isEmpty())
        s += QStringLiteral(" '%1'").arg(w->objectName());
    if (w->window())
        s += QStringLiteral(" in %1").arg(w->window()->windowTitle().isEmpty() ? QString::fromLatin1(w->window()->metaObject()->className())
                                                                               : w->window()->windowTitle());
    return s;
}

QStringList unnamedControls(QWidget* root)
{
    QStringList missing;
    const QList<QWidget*> all = root->findChildren<QWidget*>();
    for (QWidget* w : all) {
        if (!isInteractive(w) || isQtInternal(w))
            continue;
        QAccessibleInterface* a = QAccessible::queryAccessibleInterface(w);
        const QString name = a ? a->text(QAccessible::Name).trimmed() : QString();
        if (name.isEmpty())
            missing << describe(w);
    }
    return missing;
}

} // namespace

class TestAccessibility : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { test::isolateAppSettings(m_settings); }
    void mainWindowControlsHaveNames();
    void dialogControlsHaveNames();

private:
    QTemporaryDir m_settings;
};

void TestAccessibility::mainWindowControlsHaveNames()
{
    QTemporaryDir tmp;
    auto ws = Workspace::open(tmp.filePath(QStringLiteral("ws")));
    QVERIFY(ws);
    auto loop = std::make_unique<LearningLoop>(*ws, test::backbone());
    {
        MainWindow window(*ws, test::backbone(), loop.get());
        window.resize(1200, 800);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        const QStringList missing = unnamedControls(&window);
        QVERIFY2(missing.isEmpty(), qPrintable(QStringLiteral("no accessible name: ") + missing.join(QStringLiteral("; "))));
    }
    loop.reset();
}

void TestAccessibility::dialogControlsHaveNames()
{
    QTemporaryDir tmp;
    auto ws = Workspace::open(tmp.filePath(QStringLiteral("ws")));
    QVERIFY(ws);
    QMenuBar menus;
    menus.addMenu(QStringLiteral("&File"))->addAction(QStringLiteral("&Open…"));
    std::vector<std::unique_ptr<QWidget>> dialogs;
    dialogs.push_back(std::make_unique<PreferencesDialog>());
    dialogs.push_back(std::make_unique<AboutDialog>(test::backbone().get(), QStringLiteral("zero-shot")));
    dialogs.push_back(std::make_unique<ShortcutsDialog>(&menus));
    dialogs.push_back(std::make_unique<BreedPicker>());
    dialogs.push_back(std::make_unique<ServerSettingsDialog>(*ws));
    QStringList missing;
    for (auto& d : dialogs) {
        d->show();
        QVERIFY(QTest::qWaitForWindowExposed(d.get()));
        missing << unnamedControls(d.get());
        d->hide();
    }
    QVERIFY2(missing.isEmpty(), qPrintable(QStringLiteral("no accessible name: ") + missing.join(QStringLiteral("; "))));
}

QTEST_MAIN(TestAccessibility)
#include "TestAccessibility.moc"
