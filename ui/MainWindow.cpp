#include "MainWindow.h"

#include "imaging/CollectFiles.h"

#include <QApplication>
#include <QDragEnterEvent>
#include <QFileInfo>
#include <QLabel>
#include <QListWidget>
#include <QMimeData>
#include <QPointer>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

namespace pc {

MainWindow::MainWindow(std::shared_ptr<const Predictor> predictor, QWidget* parent)
    : QMainWindow(parent), m_predictor(std::move(predictor))
{
    setWindowTitle(tr("PetCurator"));
    setAcceptDrops(true);
    auto* central = new QWidget(this);
    auto* layout = new QVBoxLayout(central);
    m_hint = new QLabel(tr("Drop pet photos here to see the top-3 breeds."), central);
    m_hint->setAlignment(Qt::AlignCenter);
    m_hint->setMinimumHeight(120);
    m_hint->setFrameShape(QFrame::StyledPanel);
    m_results = new QListWidget(central);
    layout->addWidget(m_hint);
    layout->addWidget(m_results, 1);
    setCentralWidget(central);
    resize(720, 480);
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event)
{
    if (event->mimeData()->hasUrls())
        event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event)
{
    QStringList paths;
    for (const QUrl& url : event->mimeData()->urls())
        if (url.isLocalFile())
            paths << url.toLocalFile();
    predictFiles(paths);
    event->acceptProposedAction();
}

void MainWindow::predictFiles(const QStringList& paths)
{
    QPointer<MainWindow> self(this);
    auto predictor = m_predictor;
    for (const QString& path : collectFiles(paths)) {
        (void)QtConcurrent::run([self, predictor, path] {
            auto p = predictor->predictFile(path);
            QString text;
            if (!p) {
                text = tr("error: %1").arg(p.error().message);
            } else {
                QStringList guesses;
                for (const Guess& g : p->top)
                    guesses << QStringLiteral("%1 %2%").arg(g.name).arg(double(g.p) * 100, 0, 'f', 1);
                text = guesses.join(QStringLiteral(", ")) + tr("  (%1 ms)").arg(p->ms, 0, 'f', 1);
            }
            QMetaObject::invokeMethod(qApp, [self, path, text] {
                if (self)
                    self->showResult(path, text);
            });
        });
    }
}

void MainWindow::showResult(const QString& path, const QString& text)
{
    m_results->addItem(QFileInfo(path).fileName() + QStringLiteral(" — ") + text);
}

} // namespace pc
