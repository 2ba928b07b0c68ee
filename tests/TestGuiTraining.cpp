// Fine-tuning from the dashboard, offscreen with real widgets: a small labelled set (60 sample
// photos of 5 breeds, Oxford layout) trains a head while the chart grows, predictions keep coming
// for new drops during the run, the new model goes live (status bar, refreshed predictions, model
// history), the confusion matrix drills down into the gallery, and models can be swapped by hand.
// The training indicator follows the loop (a failure on an empty workspace doesn't outlive the
// labels), and the zero-shot head is a model to go back to that a reopen keeps. The chart and the
// confusion matrix of a real run save as PNG figures and CSV tables that hold what is shown.
#include "SignalRecorder.h"
#include "WindowSession.h"
#include "AppSettings.h"
#include "CsvTestSupport.h"
#include "GuiTestSupport.h"
#include "training/ConfusionMatrixView.h"
#include "gallery/GalleryFilterModel.h"
#include "gallery/GalleryModel.h"
#include "intake/ImportController.h"
#include "MainWindow.h"
#include "model/BreedCatalog.h"
#include "models/ModelHistoryView.h"
#include "gallery/PredictionService.h"
#include "TestSupport.h"
#include "training/TrainingDashboard.h"
#include "training/TrainingSummary.h"
#include "training/LearningLoop.h"
#include "workspace/Workspace.h"

#include <QAction>
#include <QApplication>
#include <QChartView>
#include <QContextMenuEvent>
#include <QDragEnterEvent>
#include <QElapsedTimer>
#include <QFileDialog>
#include <QImage>
#include <QLabel>
#include <QMenu>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QSpinBox>
#include <QLineSeries>
#include <QMimeData>
#include <QPushButton>
#include <QSettings>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTimer>
#include <QThreadPool>
#include <QTreeWidget>
#include <QtTest>

using namespace pc;

class TestGuiTraining : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void fineTuneFromTheDashboard();
    void statusFollowsTheLoopAndZeroShotStays();
    void chartAndConfusionMatrixSaveAsPngAndCsv();
    void historyAndSummaryNameThePolicyAndPrunedVersions();
    void aFreshImportGoesLiveOnCentreViewsThenImproves();

private:
    QTemporaryDir m_settings;
};

void TestGuiTraining::initTestCase()
{
    QVERIFY(m_settings.isValid());
    test::isolateAppSettings(m_settings);
    (void)test::backbone();
}

void TestGuiTraining::fineTuneFromTheDashboard()
{
    QTemporaryDir dataset, dir;
    const QStringList breeds{QStringLiteral("Persian"), QStringLiteral("Siamese"), QStringLiteral("pug"), QStringLiteral("samoyed"),
                             QStringLiteral("beagle")};
    test::makeOxfordSubset(dataset.path(), breeds, 12);

    test::WindowSession session(dir.path());
    const std::shared_ptr<Workspace>& workspace = session.workspace;
    LearningLoop& loop = *session.loop;
    MainWindow& w = session.w();

    w.importOxford(dataset.path());
    QVERIFY(QTest::qWaitFor([&] { return w.isIdle() && w.galleryModel()->rowCount() > 0; }, 180000));
    const int labelled = int(workspace->labels().currentByImage().value().size());
    QVERIFY2(labelled >= 55, qPrintable(QString::number(labelled)));
    QCOMPARE(loop.activeVersion(), QStringLiteral("zero-shot"));

    // Predictions that arrive while the loop is busy.
    int predictedWhileTraining = 0;
    QElapsedTimer clock;
    clock.start();
    connect(w.predictions(), &PredictionService::predicted, this, [&](const QVector<GalleryModel::PredictionUpdate>& batch) {
        qInfo("%lld ms: %d prediction(s), loop busy: %d", clock.elapsed(), int(batch.size()), int(loop.isBusy()));
        if (loop.isBusy())
            predictedWhileTraining += int(batch.size());
    });
    connect(w.imports(), &ImportController::finished, this, [&](const QString& title, const ImportReport& r) {
        qInfo("%lld ms: import finished: %s, %d added", clock.elapsed(), qPrintable(title), r.added);
    });
    connect(w.imports(), &ImportController::started, this, [&](const QString& title) {
        qInfo("%lld ms: import started: %s", clock.elapsed(), qPrintable(title));
    });
    connect(&loop, &LearningLoop::stageChanged, this, [&](const QString& stage, int done, int total) {
        if (done == 0 || done == total)
            qInfo("%lld ms: stage %s %d/%d", clock.elapsed(), qPrintable(stage), done, total);
    });
    QList<int> epochsSeen;
    connect(&loop, &LearningLoop::epochFinished, this, [&](const EpochMetrics& m) { epochsSeen << m.epoch; });
    bool finished = false;
    TrainOutcome outcome;
    connect(&loop, &LearningLoop::trainingFinished, this, [&](const TrainOutcome& o) {
        finished = true;
        outcome = o;
    });
    // A QFAIL inside a slot would only end the slot: keep the reason and fail the test below.
    QString failure;
    connect(&loop, &LearningLoop::trainingFailed, this, [&](const QString& m) { failure = m; });

    // Start from the dashboard, by its button.
    w.showView(MainWindow::View::Training);
    TrainingDashboard* dash = w.dashboard();
    QVERIFY(dash->startButton()->isEnabled());
    QTest::mouseClick(dash->startButton(), Qt::LeftButton);
    QVERIFY(loop.isBusy() || finished);
    QVERIFY(!dash->startButton()->isEnabled() || finished);
    QVERIFY(w.statusTrainingText().startsWith(QStringLiteral("Training:")));
    // Meanwhile the curator drops two more photos: they get predictions during the run.
    QMimeData mime;
    mime.setUrls({QUrl::fromLocalFile(test::sampleImage(QStringLiteral("Bombay_10.jpg"))),
                  QUrl::fromLocalFile(test::sampleImage(QStringLiteral("keeshond_111.jpg")))});
    QDragEnterEvent enter(QPoint(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(&w, &enter);
    QVERIFY(enter.isAccepted());
    QDropEvent drop(QPointF(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(&w, &drop);
    QVERIFY(drop.isAccepted());

    // The chart grows while it runs, then the run finishes and swaps the model.
    QVERIFY(QTest::qWaitFor([&] { return finished || !failure.isEmpty(); }, 600000));
    QVERIFY2(failure.isEmpty(), qPrintable(failure));
    QVERIFY2(predictedWhileTraining >= 2, qPrintable(QString::number(predictedWhileTraining)));
    QVERIFY(!epochsSeen.isEmpty());
    QCOMPARE(dash->lossSeries()->count(), epochsSeen.size());
    QCOMPARE(dash->valAccuracySeries()->count(), epochsSeen.size());
    QCOMPARE(dash->trainAccuracySeries()->count(), epochsSeen.size());
    QVERIFY(!outcome.version.isEmpty());
    QVERIFY2(outcome.activated, qPrintable(outcome.verdict));
    QTRY_COMPARE(loop.activeVersion(), outcome.version);
    QTRY_VERIFY(w.statusModelText().contains(outcome.version));
    QVERIFY(w.lastStatusMessage().contains(outcome.version) || w.statusModelText().contains(outcome.version));
    QTRY_VERIFY(dash->startButton()->isEnabled());
    // Every prediction on screen now comes from the new model.
    QVERIFY(QTest::qWaitFor([&] {
        if (!w.isIdle())
            return false;
        for (const GalleryItem& it : w.galleryModel()->items())
            if (it.model != outcome.version)
                return false;
        return true;
    }, 120000));
    QCOMPARE(w.galleryModel()->rowCount(), labelled + 2);

    // Per-breed accuracy and the confusion matrix; a cell shows its images in the gallery.
    QVERIFY(dash->breedTable()->rowCount() >= 1);
    ConfusionMatrixView* cm = dash->confusionMatrix();
    QVERIFY(!cm->shownClasses().isEmpty());
    const ConfusionData& data = cm->data();
    int cellTrue = -1, cellPred = -1;
    for (int t : cm->shownClasses())
        for (int p : cm->shownClasses())
            if (cellTrue < 0 && data.counts.value(t * data.n + p) > 0) {
                cellTrue = t;
                cellPred = p;
            }
    QVERIFY(cellTrue >= 0);
    const QRect cell = cm->cellRect(cellTrue, cellPred);
    QVERIFY(cell.isValid());
    QTest::mouseClick(cm, Qt::LeftButton, Qt::NoModifier, cell.center());
    QCOMPARE(w.currentView(), MainWindow::View::Review);
    QVERIFY(w.galleryFilter()->hasImageSet());
    QCOMPARE(w.galleryFilter()->rowCount(), data.counts.value(cellTrue * data.n + cellPred));
    w.galleryFilter()->clearImageSet();

    // Model history: the version with its metrics, the verdict and the active marker.
    ModelHistoryView* history = w.modelHistory();
    QTRY_VERIFY(history->tree()->topLevelItemCount() >= 1);
    QTRY_VERIFY(history->selectVersion(outcome.version));
    QTreeWidgetItem* row = history->tree()->currentItem();
    QCOMPARE(row->text(0), QStringLiteral("●"));
    QVERIFY(row->text(3).endsWith(QLatin1Char('%')));
    QVERIFY(!row->text(8).isEmpty());

    // A second run, then swap by hand: the predictions follow each swap.
    finished = false;
    QVERIFY(dash->startTraining(QStringLiteral("test again")));
    QVERIFY(QTest::qWaitFor([&] { return finished || !failure.isEmpty(); }, 600000));
    QVERIFY2(failure.isEmpty(), qPrintable(failure));
    const QString second = outcome.version;
    QVERIFY(!second.isEmpty());
    QVERIFY(QTest::qWaitFor([&] { return w.isIdle(); }, 120000));
    QTRY_VERIFY(history->selectVersion(second));
    const QString target = loop.activeVersion() == second ? workspace->models().all().value().front().version : second;
    QVERIFY(history->selectVersion(target));
    history->activateSelected();
    QTRY_COMPARE_WITH_TIMEOUT(loop.activeVersion(), target, 30000);
    QVERIFY(QTest::qWaitFor([&] {
        if (!w.isIdle())
            return false;
        for (const GalleryItem& it : w.galleryModel()->items())
            if (it.model != target)
                return false;
        return true;
    }, 60000));
    QTRY_VERIFY(w.statusModelText().contains(target));
}

void TestGuiTraining::statusFollowsTheLoopAndZeroShotStays()
{
    QTemporaryDir dataset, dir;
    // Breeds the zero-shot head has no class for: the first model beats it, so it goes live.
    test::makeOxfordSubset(dataset.path(), {QStringLiteral("Abyssinian"), QStringLiteral("Bombay"), QStringLiteral("Sphynx")}, 6);
    static const QRegularExpression anyVersion(QStringLiteral("\\bv\\d+\\b"));
    {
        test::WindowSession session(dir.path());
        const std::shared_ptr<Workspace>& workspace = session.workspace;
        LearningLoop& loop = *session.loop;
        MainWindow& w = session.w();
        QVERIFY(QTest::qWaitForWindowActive(&w));
        test::SignalRecorder failed(&loop, &LearningLoop::trainingFailed);
        test::SignalRecorder finished(&loop, &LearningLoop::trainingFinished);
        w.showView(MainWindow::View::Training);
        TrainingDashboard* dash = w.dashboard();

        // Start by keyboard on an empty workspace; the curator's next digits must not land in
        // "Max epochs", neither while it runs nor after it failed.
        const int epochs = dash->epochsField()->value();
        dash->startButton()->setFocus();
        QTRY_VERIFY(dash->startButton()->hasFocus());
        QTest::keyClick(dash->startButton(), Qt::Key_Space);
        QVERIFY(QApplication::focusWidget());
        QVERIFY(QApplication::focusWidget() != dash->epochsField());
        QTest::keyClick(QApplication::focusWidget(), Qt::Key_1);
        QVERIFY(QTest::qWaitFor([&] { return failed.count() == 1; }, 120000));
        QVERIFY2(failed.first().first().toString().contains(QStringLiteral("no labelled images")), qPrintable(failed.first().first().toString()));
        QTRY_VERIFY(dash->startButton()->isEnabled());
        QVERIFY(QApplication::focusWidget() && QApplication::focusWidget() != dash->epochsField());
        QTest::keyClick(QApplication::focusWidget(), Qt::Key_2);
        QCOMPARE(dash->epochsField()->value(), epochs);
        // The indicator is the state (idle); the failure is the last run's history, with its reason.
        QTRY_COMPARE(w.statusTrainingText(), QStringLiteral("Training: idle"));
        QTRY_VERIFY2(dash->stageText().contains(QStringLiteral("no labelled images")), qPrintable(dash->stageText()));

        // Labels arrive while the tab is on screen: the reason no longer holds, so it goes.
        w.importOxford(dataset.path());
        QVERIFY(QTest::qWaitFor([&] { return w.isIdle() && w.galleryModel()->rowCount() == 18; }, 180000));
        QTRY_VERIFY_WITH_TIMEOUT(dash->stageText().contains(QStringLiteral("18 labelled image")), 20000);
        QVERIFY2(!dash->stageText().contains(QStringLiteral("no labelled images")), qPrintable(dash->stageText()));
        QVERIFY(!w.statusTrainingText().contains(QStringLiteral("fail")));

        // A run by mouse: the result in plain words, the gate's line in the tooltip.
        QTest::mouseClick(dash->startButton(), Qt::LeftButton);
        QVERIFY(QTest::qWaitFor([&] { return finished.count() == 1 || failed.count() > 1; }, 600000));
        QCOMPARE(failed.count(), 1);
        const TrainOutcome outcome = finished.first().first().value<TrainOutcome>();
        QCOMPARE(outcome.version, QStringLiteral("v1"));
        QVERIFY2(outcome.activated, qPrintable(outcome.verdict));
        QTRY_VERIFY2(dash->stageText().contains(QStringLiteral("New model v1")) && dash->stageText().contains(QStringLiteral("now live")),
                     qPrintable(dash->stageText()));
        QVERIFY(dash->stageText().contains(QStringLiteral("%")));
        QVERIFY2(dash->stageText().contains(QStringLiteral("Trained on all labels.")), qPrintable(dash->stageText())); // the policy it used
        QVERIFY2(!dash->stageText().contains(QStringLiteral("val accuracy")), qPrintable(dash->stageText()));
        QVERIFY(dash->stageLabel()->toolTip().contains(outcome.verdict));
        QVERIFY(!dash->epochsField()->hasFocus());
        QTRY_COMPARE(w.statusTrainingText(), QStringLiteral("Training: idle"));
        QTRY_COMPARE(w.statusModelText(), QStringLiteral("Model: v1"));

        // One version: Roll back is there, and goes back to the zero-shot head.
        w.showView(MainWindow::View::Models);
        ModelHistoryView* history = w.modelHistory();
        // The row marked live: once it changed, the list no longer moves the cursor to follow it.
        auto liveRow = [history] {
            for (int i = 0; i < history->tree()->topLevelItemCount(); ++i)
                if (history->tree()->topLevelItem(i)->text(0) == QStringLiteral("●"))
                    return history->tree()->topLevelItem(i)->text(1);
            return QString();
        };
        QTRY_COMPARE(liveRow(), QStringLiteral("v1"));
        QTRY_VERIFY(history->selectVersion(QStringLiteral("v1")));
        QTRY_VERIFY(history->rollbackButton()->isEnabled());
        QTest::mouseClick(history->rollbackButton(), Qt::LeftButton);
        QTRY_COMPARE(loop.activeVersion(), QStringLiteral("zero-shot"));
        QTRY_COMPARE(w.statusModelText(), QStringLiteral("Model: zero-shot"));
        QVERIFY(!workspace->models().active().value().has_value());
        // The training indicator never names another version than the model indicator.
        QVERIFY2(!anyVersion.match(w.statusTrainingText()).hasMatch(), qPrintable(w.statusTrainingText()));
        QTRY_VERIFY2(dash->stageText().contains(QStringLiteral("since replaced by zero-shot")), qPrintable(dash->stageText()));

        // Forward to v1 and back to zero-shot, both by hand from the list.
        QTRY_COMPARE(liveRow(), QStringLiteral("zero-shot"));
        QTRY_VERIFY(!history->isSwapping() && history->selectVersion(QStringLiteral("v1")));
        QTRY_VERIFY(history->activateButton()->isEnabled());
        QTest::mouseClick(history->activateButton(), Qt::LeftButton);
        QTRY_COMPARE(loop.activeVersion(), QStringLiteral("v1"));
        QTRY_COMPARE(w.statusModelText(), QStringLiteral("Model: v1"));
        QTRY_COMPARE(liveRow(), QStringLiteral("v1"));
        QTRY_VERIFY(!history->isSwapping() && history->selectVersion(QStringLiteral("zero-shot")));
        QTRY_VERIFY(history->activateButton()->isEnabled());
        QTest::mouseClick(history->activateButton(), Qt::LeftButton);
        QTRY_COMPARE(loop.activeVersion(), QStringLiteral("zero-shot"));
        QTRY_COMPARE(w.statusModelText(), QStringLiteral("Model: zero-shot"));
        QTRY_VERIFY(!history->isSwapping());
        QVERIFY(QTest::qWaitFor([&] { return w.isIdle(); }, 120000));
    }

    // A relaunch keeps the zero-shot head live.
    auto ws = Workspace::open(dir.path());
    QVERIFY(ws);
    QVERIFY(!(*ws)->models().active().value().has_value());
    LearningLoop loop(*ws, test::backbone());
    QCOMPARE(loop.activeVersion(), QStringLiteral("zero-shot"));
    MainWindow w(*ws, test::backbone(), &loop);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QTRY_COMPARE(w.statusModelText(), QStringLiteral("Model: zero-shot"));
    QTRY_COMPARE(w.statusTrainingText(), QStringLiteral("Training: idle"));
    QTRY_VERIFY(w.modelHistory()->selectVersion(QStringLiteral("zero-shot")));
    QCOMPARE(w.modelHistory()->tree()->currentItem()->text(0), QStringLiteral("●"));
    QVERIFY(QTest::qWaitFor([&] { return w.isIdle(); }, 120000));
}

namespace {

// A figure, not a blank: it decodes, has the view's size at twice its pixels, and many colours.
void checkFigure(const QString& path, const QSize& logicalSize)
{
    QVERIFY2(QFileInfo(path).size() > 0, qPrintable(path));
    const QImage image(path);
    QVERIFY2(!image.isNull(), qPrintable(path));
    QVERIFY(logicalSize.width() >= 100 && logicalSize.height() >= 100);
    QCOMPARE(image.size(), logicalSize * 2);
    QSet<QRgb> colours;
    for (int y = 0; y < image.height(); y += 3)
        for (int x = 0; x < image.width(); x += 3)
            colours.insert(image.pixel(x, y));
    QVERIFY2(colours.size() >= 16, qPrintable(QStringLiteral("%1: %2 colours").arg(path).arg(colours.size())));
}

QList<QStringList> readCsv(const QString& path)
{
    QList<QStringList> rows;
    if (!test::parseCsv(QString::fromUtf8(test::readFile(path)), &rows))
        rows.clear();
    return rows;
}

// The object names of the actions in the context menu that `event` opens on `widget`.
QStringList contextMenuOf(QWidget* widget)
{
    QStringList names;
    QTimer look; // runs inside the menu's own event loop; gone with this function if none opened
    look.setSingleShot(true);
    QObject::connect(&look, &QTimer::timeout, [&names] {
        if (auto* menu = qobject_cast<QMenu*>(QApplication::activePopupWidget())) {
            for (QAction* a : menu->actions())
                if (a->isEnabled())
                    names << a->objectName();
            menu->close();
        }
    });
    look.start(0);
    // What the Menu key sends to the focused widget.
    QContextMenuEvent event(QContextMenuEvent::Keyboard, widget->rect().center(), widget->mapToGlobal(widget->rect().center()));
    QApplication::sendEvent(widget, &event);
    return names;
}

// Triggers `action`, and answers the save dialog it opens with `fileName` (empty: Cancel). False
// when no dialog came.
bool saveThroughDialog(QAction* action, const QString& fileName)
{
    bool answered = false;
    QTimer answer; // runs inside the dialog's own event loop
    answer.setSingleShot(true);
    QObject::connect(&answer, &QTimer::timeout, [&] {
        auto* dialog = qobject_cast<QFileDialog*>(QApplication::activeModalWidget());
        if (!dialog) {
            answer.start(20);
            return;
        }
        answered = true;
        if (fileName.isEmpty()) {
            dialog->reject();
        } else {
            dialog->selectFile(fileName);
            static_cast<QDialog*>(dialog)->accept(); // QFileDialog::accept, which is protected there
        }
    });
    answer.start(0);
    action->trigger();
    return answered;
}

} // namespace

void TestGuiTraining::chartAndConfusionMatrixSaveAsPngAndCsv()
{
    QTemporaryDir dataset, dir, out;
    test::makeOxfordSubset(dataset.path(), {QStringLiteral("Bengal"), QStringLiteral("Ragdoll"), QStringLiteral("shiba_inu")}, 8);
    test::WindowSession session(dir.path());
    LearningLoop& loop = *session.loop;
    MainWindow& w = session.w();
    w.importOxford(dataset.path());
    QVERIFY(QTest::qWaitFor([&] { return w.isIdle() && w.galleryModel()->rowCount() == 24; }, 180000));
    w.showView(MainWindow::View::Training);
    TrainingDashboard* dash = w.dashboard();

    // Nothing to save before a run: the actions say so by being off, and a direct call says why.
    QVERIFY(!dash->saveChartCsvAction()->isEnabled());
    QVERIFY(!dash->saveConfusionPngAction()->isEnabled());
    QVERIFY(!dash->exportButton()->isEnabled());
    const Status<> early = dash->saveChartCsv(out.filePath(QStringLiteral("early.csv")));
    QVERIFY(!early);
    QVERIFY(!QFile::exists(out.filePath(QStringLiteral("early.csv"))));

    test::SignalRecorder finished(&loop, &LearningLoop::trainingFinished);
    test::SignalRecorder failed(&loop, &LearningLoop::trainingFailed);
    QVERIFY(dash->startTraining(QStringLiteral("export test")));
    QVERIFY(QTest::qWaitFor([&] { return finished.count() == 1 || failed.count() > 0; }, 600000));
    QVERIFY2(failed.isEmpty(), qPrintable(failed.value(0).value(0).toString()));
    const TrainOutcome outcome = finished.first().first().value<TrainOutcome>();
    QVERIFY(!outcome.version.isEmpty());
    QVERIFY(QTest::qWaitFor([&] { return w.isIdle() && !loop.isBusy(); }, 120000));
    QTRY_VERIFY(!dash->confusionMatrix()->shownClasses().isEmpty());
    QTRY_VERIFY(dash->exportButton()->isEnabled());
    const int epochs = int(outcome.result.epochs.size());
    QVERIFY(epochs >= 1);
    QCOMPARE(dash->epochMetrics().size(), epochs);
    QCOMPARE(dash->lossSeries()->count(), epochs);

    // Reachable without a mouse: the Export button's menu has all four, and each view's context
    // menu (the Menu key) its own two.
    QVERIFY(dash->exportButton()->text().contains(QStringLiteral("&")));
    QVERIFY(dash->exportButton()->menu());
    const QList<QAction*> menuActions = dash->exportButton()->menu()->actions();
    for (QAction* a : {dash->saveChartPngAction(), dash->saveChartCsvAction(), dash->saveConfusionPngAction(), dash->saveConfusionCsvAction()}) {
        QVERIFY2(menuActions.contains(a), qPrintable(a->objectName()));
        QVERIFY(a->isEnabled());
    }
    QVERIFY(dash->chartView()->focusPolicy() & Qt::TabFocus);
    QVERIFY(dash->confusionMatrix()->focusPolicy() & Qt::TabFocus);
    QVERIFY(!dash->chartView()->accessibleName().isEmpty());
    QCOMPARE(contextMenuOf(dash->chartView()), (QStringList{QStringLiteral("actionSaveChartPng"), QStringLiteral("actionSaveChartCsv")}));
    QCOMPARE(contextMenuOf(dash->confusionMatrix()),
             (QStringList{QStringLiteral("actionSaveConfusionPng"), QStringLiteral("actionSaveConfusionCsv")}));

    // The chart as a figure.
    const QString chartPng = out.filePath(QStringLiteral("chart.png"));
    const Status<> chartSaved = dash->saveChartPng(chartPng);
    QVERIFY2(chartSaved, qPrintable(chartSaved ? QString() : chartSaved.error().message));
    checkFigure(chartPng, dash->chartView()->viewport()->size());
    if (QTest::currentTestFailed())
        return;
    QVERIFY(dash->exportNote()->isVisible());
    QVERIFY2(dash->exportNote()->text().contains(QDir::toNativeSeparators(chartPng)), qPrintable(dash->exportNote()->text()));

    // Its data: one row per epoch, the numbers the chart plots and the trainer reported.
    const QString chartCsv = out.filePath(QStringLiteral("chart.csv"));
    QVERIFY(dash->saveChartCsv(chartCsv));
    const QList<QStringList> rows = readCsv(chartCsv);
    QCOMPARE(rows.size(), 1 + epochs);
    QCOMPARE(rows[0], (QStringList{QStringLiteral("epoch"), QStringLiteral("train_loss"), QStringLiteral("val_loss"),
                                   QStringLiteral("train_accuracy"), QStringLiteral("val_accuracy"),
                                   QStringLiteral("val_mean_per_class_accuracy"), QStringLiteral("learning_rate")}));
    for (int i = 0; i < epochs; ++i) {
        const QStringList& r = rows[i + 1];
        const EpochMetrics& m = outcome.result.epochs[size_t(i)];
        QCOMPARE(r.size(), 7);
        QCOMPARE(r[0].toInt(), m.epoch);
        QCOMPARE(r[0].toDouble(), dash->lossSeries()->at(i).x());
        QCOMPARE(r[1].toDouble(), dash->lossSeries()->at(i).y());
        QCOMPARE(r[1].toDouble(), m.loss);
        QCOMPARE(r[2].toDouble(), m.valLoss);
        QCOMPARE(r[3].toDouble() * 100, dash->trainAccuracySeries()->at(i).y());
        QCOMPARE(r[4].toDouble() * 100, dash->valAccuracySeries()->at(i).y());
        QCOMPARE(r[5].toDouble(), m.valMeanPerClass);
        QCOMPARE(r[6].toDouble(), m.learningRate);
    }

    // Through the menu's dialog: a name typed without an extension gets one, the folder is kept
    // for the next time, and Cancel saves nothing.
    QDir(out.path()).mkdir(QStringLiteral("figures"));
    const QString typed = out.filePath(QStringLiteral("figures/curves"));
    QVERIFY(saveThroughDialog(dash->saveChartCsvAction(), typed));
    QTRY_VERIFY(QFile::exists(typed + QStringLiteral(".csv")));
    QCOMPARE(readCsv(typed + QStringLiteral(".csv")), rows);
    QCOMPARE(QFileInfo(AppSettings::exportDir()).canonicalFilePath(), QFileInfo(out.filePath(QStringLiteral("figures"))).canonicalFilePath());
    const QString noteBefore = dash->exportNote()->text();
    QVERIFY(saveThroughDialog(dash->saveConfusionPngAction(), QString()));
    QCOMPARE(QDir(out.filePath(QStringLiteral("figures"))).entryList(QDir::Files), QStringList{QStringLiteral("curves.csv")});
    QCOMPARE(dash->exportNote()->text(), noteBefore);

    // The confusion matrix as a figure and as a table: every class of the model, by name on both
    // sides; its cells are the validation images, as many as the per-breed table counts.
    const QString matrixPng = out.filePath(QStringLiteral("matrix.png"));
    QVERIFY(dash->saveConfusionPng(matrixPng));
    checkFigure(matrixPng, dash->confusionMatrix()->size());
    if (QTest::currentTestFailed())
        return;
    const QString matrixCsv = out.filePath(QStringLiteral("matrix.csv"));
    QVERIFY(dash->saveConfusionCsv(matrixCsv));
    const QList<QStringList> matrix = readCsv(matrixCsv);
    const ConfusionData& data = dash->confusionMatrix()->data();
    QCOMPARE(matrix.size(), 1 + data.n);
    QCOMPARE(matrix[0].size(), 1 + data.n);
    int total = 0, diagonal = 0;
    for (int r = 0; r < data.n; ++r) {
        QCOMPARE(matrix[0][r + 1], breedDisplayName(data.classes[r]));
        QCOMPARE(matrix[r + 1][0], breedDisplayName(data.classes[r]));
        QCOMPARE(matrix[r + 1].size(), 1 + data.n);
        for (int c = 0; c < data.n; ++c) {
            bool ok = false;
            const int count = matrix[r + 1][c + 1].toInt(&ok);
            QVERIFY(ok);
            QCOMPARE(count, data.counts[r * data.n + c]);
            total += count;
            if (r == c)
                diagonal += count;
        }
    }
    QVERIFY(outcome.result.validation.count > 0);
    QCOMPARE(total, outcome.result.validation.count);
    int tableCount = 0;
    for (int row = 0; row < dash->breedTable()->rowCount(); ++row)
        tableCount += dash->breedTable()->item(row, 1)->text().toInt();
    QCOMPARE(total, tableCount);
    QCOMPARE(double(diagonal) / total, outcome.result.validation.top1);

    // A place that can't be written (its folder is a file): one line that says why, no file, and
    // the earlier export untouched.
    const QString bad = chartCsv + QStringLiteral("/inside.csv");
    const Status<> refused = dash->saveChartCsv(bad);
    QVERIFY(!refused);
    QVERIFY(!QFile::exists(bad));
    const QString note = dash->exportNote()->text();
    QVERIFY2(note.startsWith(QStringLiteral("Could not save the chart:")) && note.contains(QDir::toNativeSeparators(bad)), qPrintable(note));
    QVERIFY(!note.contains(QLatin1Char('\n')));
    QVERIFY(!dash->saveConfusionPng(out.filePath(QStringLiteral("no/such/folder/m.png"))));
    QVERIFY2(dash->exportNote()->text().startsWith(QStringLiteral("Could not save the confusion matrix:")), qPrintable(dash->exportNote()->text()));
    QCOMPARE(readCsv(chartCsv), rows);
}

void TestGuiTraining::historyAndSummaryNameThePolicyAndPrunedVersions()
{
    // Stored versions (their bundles never read here): v1 trained on all labels, v2 a quick update
    // on curators' labels whose bundle retention deleted, v3 from before policies were recorded.
    QTemporaryDir dir;
    auto ws = Workspace::open(dir.path());
    QVERIFY(ws);
    std::shared_ptr<Workspace> workspace = *ws;
    const QStringList policies = {QStringLiteral("all"), QStringLiteral("origins=curator"), QString()};
    for (int i = 0; i < 3; ++i) {
        ModelRecord m;
        m.version = QStringLiteral("v%1").arg(i + 1);
        m.file = QStringLiteral("models/%1.pcmodel").arg(m.version);
        m.metrics.insert(QStringLiteral("kind"), i == 1 ? QStringLiteral("incremental") : QStringLiteral("full"));
        if (!policies[i].isEmpty())
            m.metrics.insert(QStringLiteral("policy"), policies[i]);
        QVERIFY(workspace->models().add(m));
    }
    QVERIFY(workspace->models().markPruned(QStringLiteral("v2")));
    LearningLoop loop(workspace, test::backbone());
    QThreadPool pool;
    ModelHistoryView history(workspace, &loop, &pool);
    QTRY_COMPARE(history.tree()->topLevelItemCount(), 4); // newest first, the zero-shot head last
    QTreeWidget* tree = history.tree();
    auto column = [tree](const QString& title) {
        for (int c = 0; c < tree->columnCount(); ++c)
            if (tree->headerItem()->text(c) == title)
                return c;
        return -1;
    };
    const int policyColumn = column(QStringLiteral("Training set")), stateColumn = column(QStringLiteral("State"));
    QVERIFY(policyColumn >= 0 && stateColumn >= 0);
    QCOMPARE(tree->topLevelItem(2)->text(policyColumn), QStringLiteral("all"));
    QCOMPARE(tree->topLevelItem(2)->toolTip(policyColumn), QStringLiteral("Trained on all labels"));
    QCOMPARE(tree->topLevelItem(1)->text(policyColumn), QStringLiteral("origins=curator"));
    QCOMPARE(tree->topLevelItem(1)->text(stateColumn), QStringLiteral("pruned"));
    QCOMPARE(tree->topLevelItem(0)->text(policyColumn), QStringLiteral("–"));
    QCOMPARE(tree->topLevelItem(0)->text(stateColumn), QStringLiteral("candidate"));
    // A pruned version can't be activated: the button is off, and a double-click says why.
    QVERIFY(history.selectVersion(QStringLiteral("v2")));
    QVERIFY(history.isSelectedPruned());
    QVERIFY(!history.activateButton()->isEnabled());
    QSignalSpy said(&history, &ModelHistoryView::message);
    history.activateSelected();
    QCOMPARE(said.count(), 1);
    QCOMPARE(said.first().first().toString(), QStringLiteral("Could not activate v2: ") + prunedModelMessage(QStringLiteral("v2")));
    QCOMPARE(loop.activeVersion(), QStringLiteral("zero-shot"));
    QVERIFY(history.selectVersion(QStringLiteral("zero-shot")));
    QVERIFY(!history.isSelectedPruned());

    // The dashboard's line names the policy, or why nothing was trained.
    TrainOutcome trained;
    trained.version = QStringLiteral("v4");
    trained.activated = true;
    trained.policy = QStringLiteral("approved");
    const TrainingSummary summary = TrainingSummary::fromOutcome(trained, QDateTime::currentDateTime());
    QVERIFY2(summary.headline(QStringLiteral("v4")).endsWith(QStringLiteral("now live. Trained on imported and server-approved labels.")),
             qPrintable(summary.headline(QStringLiteral("v4"))));
    TrainOutcome skipped;
    skipped.policy = QStringLiteral("all");
    skipped.verdict = QStringLiteral("no new labels since v3, the last full training: nothing to train");
    QCOMPARE(TrainingSummary::fromOutcome(skipped, QDateTime::currentDateTime()).headline(QStringLiteral("v3")),
             QStringLiteral("Nothing was trained: no new labels since v3, the last full training: nothing to train."));
    TrainingRunRecord run;
    run.outcome = QStringLiteral("skipped: ") + skipped.verdict;
    run.params.insert(QStringLiteral("policy"), QStringLiteral("origins=dataset"));
    const TrainingSummary fromLog = TrainingSummary::fromRecord(run, std::nullopt);
    QVERIFY(fromLog.kind == TrainingSummary::Kind::NothingTrained);
    QCOMPARE(fromLog.headline(QStringLiteral("v3")), TrainingSummary::fromOutcome(skipped, QDateTime()).headline(QStringLiteral("v3")));
    QCOMPARE(fromLog.trainingSet, QStringLiteral("labels of origin dataset"));
}

void TestGuiTraining::aFreshImportGoesLiveOnCentreViewsThenImproves()
{
    // 69 photos, none with views cached: the dashboard's run trains on centre views and goes live;
    // the loop fills the augmented views in the background, then runs again on every view, which
    // the dashboard and the model history show like any run.
    QTemporaryDir dataset, dir;
    test::makeOxfordSubset(dataset.path(),
                           {QStringLiteral("pug"), QStringLiteral("samoyed"), QStringLiteral("Persian"), QStringLiteral("Bombay"),
                            QStringLiteral("beagle"), QStringLiteral("Abyssinian")},
                           12);
    test::WindowSession session(dir.path());
    const std::shared_ptr<Workspace>& workspace = session.workspace;
    LearningLoop& loop = *session.loop;
    MainWindow& w = session.w();
    w.importOxford(dataset.path());
    QVERIFY(QTest::qWaitFor([&] { return w.isIdle() && w.galleryModel()->rowCount() == 69; }, 180000));

    test::SignalRecorder finished(&loop, &LearningLoop::trainingFinished);
    test::SignalRecorder failed(&loop, &LearningLoop::trainingFailed);
    test::SignalRecorder ready(&loop, &LearningLoop::augmentedViewsReady);
    w.showView(MainWindow::View::Training);
    TrainingDashboard* dash = w.dashboard();
    QStringList states;
    connect(dash, &TrainingDashboard::stateChanged, this, [&](const QString& state) { states << state; });
    QTest::mouseClick(dash->startButton(), Qt::LeftButton);
    QVERIFY(QTest::qWaitFor([&] { return finished.count() >= 1 || failed.count() > 0; }, 600000));
    QCOMPARE(failed.count(), 0);
    const TrainOutcome first = finished.first().first().value<TrainOutcome>();
    QVERIFY(first.centreViewsOnly);
    QCOMPARE(first.version, QStringLiteral("v1"));
    QVERIFY2(first.activated, qPrintable(first.verdict));
    QTRY_COMPARE(w.statusModelText(), QStringLiteral("Model: v1"));

    // The run on every view comes by itself, after the views; the dashboard shows it, then idle.
    const qsizetype statesBefore = states.size();
    QVERIFY(QTest::qWaitFor([&] { return finished.count() >= 2 || failed.count() > 0; }, 600000));
    QCOMPARE(failed.count(), 0);
    QCOMPARE(ready.count(), 1);
    const TrainOutcome second = finished.at(1).first().value<TrainOutcome>();
    QVERIFY(!second.centreViewsOnly);
    QCOMPARE(second.version, QStringLiteral("v2"));
    const QStringList followUpStates = states.mid(statesBefore);
    QVERIFY2(std::any_of(followUpStates.cbegin(), followUpStates.cend(), [](const QString& s) { return s.startsWith(QStringLiteral("training")); }),
             qPrintable(followUpStates.join(QLatin1Char('|'))));
    QTRY_COMPARE(w.statusTrainingText(), QStringLiteral("Training: idle"));
    QTRY_VERIFY(dash->startButton()->isEnabled());
    const QString live = second.activated ? QStringLiteral("v2") : QStringLiteral("v1");
    QTRY_COMPARE(loop.activeVersion(), live);
    QTRY_COMPARE(w.statusModelText(), QStringLiteral("Model: ") + live);
    w.showView(MainWindow::View::Models);
    QTRY_VERIFY(w.modelHistory()->selectVersion(QStringLiteral("v2")));
    QVERIFY(workspace->runs().all().value().last().params[QStringLiteral("reason")].toString() == QStringLiteral("augmented views ready"));
    QVERIFY(QTest::qWaitFor([&] { return w.isIdle(); }, 120000));
}

QTEST_MAIN(TestGuiTraining)
#include "TestGuiTraining.moc"
