#pragma once
// One open workspace with its learning loop and main window, shown offscreen, torn down in the
// right order (window, loop, workspace): the set-up of the GUI tests that drive the whole app.
#include "MainWindow.h"
#include "TestSupport.h"
#include "training/LearningLoop.h"
#include "workspace/Workspace.h"

#include <QApplication>
#include <QTest>

namespace pc::test {

struct WindowSession {
    std::shared_ptr<Workspace> workspace;
    std::unique_ptr<LearningLoop> loop;
    std::unique_ptr<MainWindow> window;

    explicit WindowSession(const QString& dir)
    {
        auto ws = Workspace::open(dir);
        if (!ws)
            qFatal("workspace: %s", qPrintable(ws.error().message));
        workspace = *ws;
        loop = std::make_unique<LearningLoop>(workspace, backbone());
        window = std::make_unique<MainWindow>(workspace, backbone(), loop.get());
        window->resize(1200, 800);
        window->show();
        QApplication::setActiveWindow(window.get());
        if (!QTest::qWaitForWindowExposed(window.get()))
            qWarning("the window was not exposed");
    }
    ~WindowSession()
    {
        window->close();
        window.reset();
        loop.reset();
        workspace.reset();
    }
    MainWindow& w() { return *window; }
    bool waitIdle(int ms = 120000) { return QTest::qWaitFor([this] { return window->isIdle(); }, ms); }
};

} // namespace pc::test
