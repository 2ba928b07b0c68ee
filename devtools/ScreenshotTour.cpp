#include "ScreenshotTour.h"

#include "review/BreedPicker.h"
#include "gallery/GalleryFilterModel.h"
#include "gallery/GalleryView.h"
#include "review/ImageViewerDialog.h"
#include "MainWindow.h"
#include "models/ModelHistoryView.h"
#include "Theme.h"
#include "training/TrainingDashboard.h"
#include "training/LearningLoop.h"

#include <QApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QLineEdit>
#include <QLineSeries>
#include <QPainter>
#include <QPixmap>
#include <QTimer>
#include <QTreeView>
#include <memory>

namespace pc {

ScreenshotTour::ScreenshotTour(MainWindow* window, QString outDir, QString sampleDir, QObject* parent)
    : QObject(parent), m_window(window), m_outDir(std::move(outDir)), m_sampleDir(std::move(sampleDir))
{
}

void ScreenshotTour::start()
{
    QDir().mkpath(m_outDir);
    m_darkBefore = Theme::isDarkActive();
    if (m_darkBefore)
        m_window->setDarkTheme(false);
    waitUntil([this] { return m_window->isGalleryLoaded(); }, 60000, [this] { stepWelcome(); }, QStringLiteral("the gallery"));
}

void ScreenshotTour::waitUntil(std::function<bool()> condition, int timeoutMs, Step next, const QString& what)
{
    auto clock = std::make_shared<QElapsedTimer>();
    clock->start();
    auto* timer = new QTimer(this);
    timer->setInterval(100);
    connect(timer, &QTimer::timeout, this, [this, timer, clock, condition, timeoutMs, next, what] {
        if (condition()) {
            timer->deleteLater();
            timer->stop();
            next();
        } else if (clock->elapsed() > timeoutMs) {
            timer->deleteLater();
            timer->stop();
            fail(QStringLiteral("timed out waiting for %1").arg(what));
        }
    });
    timer->start();
}

void ScreenshotTour::settle(int ms, Step next)
{
    QTimer::singleShot(ms, this, std::move(next));
}

bool ScreenshotTour::save(QWidget* widget, const QString& name)
{
    const QString path = QDir(m_outDir).filePath(name);
    const bool ok = widget->grab().save(path);
    if (ok)
        m_saved << path;
    qInfo("screenshot %s: %s", qPrintable(path), ok ? "saved" : "FAILED");
    return ok;
}

bool ScreenshotTour::saveComposite(QWidget* window, QWidget* dialog, const QString& name)
{
    QPixmap base = window->grab();
    {
        QPainter p(&base);
        const QPoint at = dialog->mapToGlobal(QPoint(0, 0)) - window->mapToGlobal(QPoint(0, 0));
        // A soft shadow, then the dialog.
        p.fillRect(QRect(at + QPoint(6, 6), dialog->size()), QColor(0, 0, 0, 60));
        p.drawPixmap(at, dialog->grab());
    }
    const QString path = QDir(m_outDir).filePath(name);
    const bool ok = base.save(path);
    if (ok)
        m_saved << path;
    qInfo("screenshot %s: %s", qPrintable(path), ok ? "saved" : "FAILED");
    return ok;
}

void ScreenshotTour::fail(const QString& why)
{
    qWarning("screenshots: %s", qPrintable(why));
    if (m_darkBefore != Theme::isDarkActive())
        m_window->setDarkTheme(m_darkBefore);
    Q_EMIT finished(false);
}

void ScreenshotTour::stepWelcome()
{
    if (m_window->galleryModel()->rowCount() == 0) {
        m_window->showView(MainWindow::View::Review);
        settle(300, [this] {
            save(m_window, QStringLiteral("welcome.png"));
            stepImport();
        });
    } else {
        stepGallery();
    }
}

void ScreenshotTour::stepImport()
{
    if (m_sampleDir.isEmpty())
        return fail(QStringLiteral("the workspace is empty and no sample folder was given"));
    m_window->importOxford(m_sampleDir);
    settle(500, [this] {
        waitUntil([this] { return m_window->isIdle() && m_window->galleryModel()->rowCount() > 0; }, 15 * 60000,
                  [this] { stepGallery(); }, QStringLiteral("the import and its predictions"));
    });
}

void ScreenshotTour::stepGallery()
{
    m_window->showView(MainWindow::View::Review);
    m_window->galleryFilter()->setOrder(GalleryFilterModel::Order::LeastConfident);
    // Pick an image a few rows in, so the detail panel shows a typical case.
    const qint64 id = m_window->galleryFilter()->imageIdAt(std::min(9, m_window->galleryFilter()->rowCount() - 1));
    if (id)
        m_window->selectImage(id);
    m_window->galleryView()->setFocus();
    // Let the visible thumbnails arrive.
    settle(2500, [this] {
        save(m_window, QStringLiteral("gallery.png"));
        if (m_quick)
            done();
        else
            stepPicker();
    });
}

void ScreenshotTour::stepPicker()
{
    m_window->openBreedPicker(QStringLiteral("ter"));
    settle(600, [this] {
        saveComposite(m_window, m_window->breedPicker(), QStringLiteral("breed-picker.png"));
        m_window->breedPicker()->reject();
        stepFullSize();
    });
}

void ScreenshotTour::stepFullSize()
{
    m_window->openImageViewer();
    auto* viewer = m_window->findChild<ImageViewerDialog*>();
    if (!viewer)
        return fail(QStringLiteral("the full-size view did not open"));
    waitUntil([viewer] { return viewer->hasImage(); }, 30000, [this, viewer] {
        viewer->zoomBy(1.6);
        settle(600, [this, viewer] {
            saveComposite(m_window, viewer, QStringLiteral("full-size.png"));
            viewer->close();
            stepTraining();
        });
    }, QStringLiteral("the full-size image"));
}

void ScreenshotTour::stepTraining()
{
    m_window->showView(MainWindow::View::Training);
    auto runs = std::make_shared<int>(0);
    auto centreViewsOnly = std::make_shared<bool>(false);
    auto* loop = m_window->learningLoop();
    connect(loop, &LearningLoop::trainingFinished, this, [runs, centreViewsOnly](const TrainOutcome& o) {
        ++*runs;
        *centreViewsOnly = o.centreViewsOnly;
    });
    connect(loop, &LearningLoop::trainingFailed, this, [runs] { ++*runs; });
    if (!m_window->dashboard()->startTraining(QStringLiteral("screenshots")))
        ++*runs; // already running or nothing to do: show what there is
    waitUntil([runs, loop] { return *runs >= 1 && !loop->isBusy(); }, 20 * 60000,
              [this, runs, loop, centreViewsOnly] {
                  settle(1500, [this, runs, loop, centreViewsOnly] {
                      save(m_window, QStringLiteral("training.png"));
                      // A second, shorter run (the vectors are cached now) so the history has a choice;
                      // after a first model on centre views, the loop's own run on every view is it.
                      if (!*centreViewsOnly && !m_window->dashboard()->startTraining(QStringLiteral("screenshots, second run")))
                          ++*runs;
                      waitUntil([runs, loop] { return *runs >= 2 && !loop->isBusy(); }, 20 * 60000,
                                [this] { settle(1000, [this] { stepModels(); }); }, QStringLiteral("the second training run"));
                  });
              },
              QStringLiteral("the training run"));
}

void ScreenshotTour::stepModels()
{
    m_window->showView(MainWindow::View::Models);
    m_window->modelHistory()->reload();
    settle(800, [this] {
        save(m_window, QStringLiteral("models.png"));
        stepDark();
    });
}

void ScreenshotTour::stepDark()
{
    m_window->setDarkTheme(true);
    m_window->showView(MainWindow::View::Review);
    m_window->galleryView()->setFocus();
    settle(1500, [this] {
        save(m_window, QStringLiteral("dark.png"));
        m_window->showView(MainWindow::View::Training);
        settle(800, [this] {
            save(m_window, QStringLiteral("dark-training.png"));
            done();
        });
    });
}

void ScreenshotTour::done()
{
    m_window->setDarkTheme(m_darkBefore);
    Q_EMIT finished(true);
}

} // namespace pc
