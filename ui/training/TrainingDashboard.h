#pragma once
// Fine-tuning at a glance: start and cancel, the stage and its progress, live charts of loss and
// training/validation accuracy per epoch, the validation confusion matrix (click a cell to see
// those images) and the per-breed accuracy. Shows every run of the learning loop, including the
// automatic ones. The chart and the matrix can be saved as PNG figures and CSV tables (the Export
// button, or each view's context menu).
#include "Expected.h"
#include "training/TrainingSummary.h"
#include "training/LearningLoop.h"

#include <QElapsedTimer>
#include <QWidget>
#include <memory>

class QAction;
class QChart;
class QChartView;
class QComboBox;
class QLabel;
class QLineSeries;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTableWidget;
class QThreadPool;
class QTimer;
class QValueAxis;

namespace pc {

class ConfusionMatrixView;
struct ConfusionData;
class Workspace;

class TrainingDashboard : public QWidget {
    Q_OBJECT
public:
    TrainingDashboard(std::shared_ptr<Workspace> workspace, LearningLoop* loop, QThreadPool* ioPool, QWidget* parent = nullptr);

    // false when a run is already going. onlyIfNew: the scheduled run, which makes no version when
    // no label changed since the last full run's (the last-run line then says so).
    bool startTraining(const QString& reason = QStringLiteral("manual"), bool onlyIfNew = false);
    void cancelTraining();
    bool isRunning() const { return m_running; }
    // Evaluates the active model on the validation split (background) to fill the matrix and table.
    void evaluateActiveModel();
    // The workspace's labels changed (a label, an undo, an import, a removal): recount them, so a
    // reason like "no labelled images" goes once it no longer holds.
    void labelsChanged();
    // The workspace's training-set policy changed (Preferences): the count and its policy again.
    void trainingPolicyChanged();

    QPushButton* startButton() const { return m_start; }
    QPushButton* cancelButton() const { return m_cancel; }
    QLineSeries* lossSeries() const { return m_loss; }
    QLineSeries* trainAccuracySeries() const { return m_trainAcc; }
    QLineSeries* valAccuracySeries() const { return m_valAcc; }
    QChartView* chartView() const { return m_chartView; }
    ConfusionMatrixView* confusionMatrix() const { return m_confusion; }
    QTableWidget* breedTable() const { return m_table; }
    // What the loop does now ("embedding 120/700", "training, epoch 4"), or "idle": never a past
    // result, never a model version (the status bar shows the live model next to it).
    QString stateText() const;
    // The Training tab's line under the controls: the run going on, or else the last run (with
    // its time) and whether there is anything to train on.
    QString stageText() const;
    QLabel* stageLabel() const { return m_stage; }
    QSpinBox* epochsField() const { return m_epochs; }
    // Every epoch of the run the chart shows, as the trainer reported it.
    const QVector<EpochMetrics>& epochMetrics() const { return m_epochMetrics; }

    // Save what the dashboard shows at `path`: the chart or the confusion matrix as a PNG figure
    // (at its size on screen, twice the pixels), or their numbers as a CSV table (core's
    // TrainingCsv). Each says on the dashboard's export line what it saved or why it could not; the
    // Export menu and the context menus ask for the path first, then call these.
    Status<> saveChartPng(const QString& path);
    Status<> saveChartCsv(const QString& path);
    Status<> saveConfusionPng(const QString& path);
    Status<> saveConfusionCsv(const QString& path);
    QPushButton* exportButton() const { return m_export; }
    QAction* saveChartPngAction() const { return m_saveChartPng; }
    QAction* saveChartCsvAction() const { return m_saveChartCsv; }
    QAction* saveConfusionPngAction() const { return m_saveConfusionPng; }
    QAction* saveConfusionCsvAction() const { return m_saveConfusionCsv; }
    QLabel* exportNote() const { return m_exportNote; }

Q_SIGNALS:
    void showImagesRequested(const QSet<qint64>& imageIds, const QString& caption);
    void stateChanged(const QString& text); // one line for the status bar

protected:
    void changeEvent(QEvent* event) override;

private:
    void onStage(const QString& stage, int done, int total);
    void onEpoch(const pc::EpochMetrics& metrics);
    void onFinished(const pc::TrainOutcome& outcome);
    void onFailed(const QString& message);
    void endRun(const TrainingSummary& summary, int progress);
    void beginRun();
    void refreshState();
    void showReadError(const QString& message); // on the stage line, in place of the idle text
    void countLabels(); // in the background; refreshes the idle text when done
    QString idleText() const;
    void clearSeries();
    void addEpoch(const EpochMetrics& metrics);
    enum class Figure { Chart, ConfusionMatrix };
    enum class Format { Png, Csv };
    void exportFromMenu(Figure figure, Format format); // asks for the file, then saves
    Status<> save(Figure figure, Format format, const QString& path);
    Status<> writeExport(Figure figure, Format format, const QString& path) const;
    QString figureName(Figure figure) const;
    void updateExportActions();
    void showEvaluation(const QString& version, const QStringList& classes, const Evaluation& evaluation, const QString& caption);
    void loadLastRun();
    void applyChartPalette();
    void updateButtons();

    std::shared_ptr<Workspace> m_workspace;
    LearningLoop* m_loop;
    QThreadPool* m_io;
    bool m_running = false;
    bool m_cancelling = false;
    QString m_activity;       // the running run's step, for the status bar
    QString m_activityDetail; // the same with its numbers, for the Training tab
    QString m_state;          // last stateText() sent
    QString m_lastStage;
    TrainingSummary m_lastRun;
    qint64 m_labelEventAtLastRun = -1; // label log position when the last run ended (-1: unknown)
    qint64 m_labelEventNow = -1;
    bool m_pinLabelEvent = false;
    bool m_counting = false;
    int m_labelledNow = -1;            // images the training-set policy selects now (-1: not counted yet)
    QString m_policy;                  // that policy, described
    bool m_policyIsDefault = true;
    QElapsedTimer m_stageClock;

    QPushButton* m_start;
    QPushButton* m_cancel;
    QSpinBox* m_epochs;
    QComboBox* m_head;
    QLabel* m_stage;
    QProgressBar* m_progress;
    QChart* m_chart;
    QChartView* m_chartView;
    QLineSeries* m_loss;
    QLineSeries* m_trainAcc;
    QLineSeries* m_valAcc;
    QValueAxis* m_axisX;
    QValueAxis* m_axisAcc;
    QValueAxis* m_axisLoss;
    double m_maxLoss = 0;
    QVector<EpochMetrics> m_epochMetrics; // what the chart shows, for its CSV
    QString m_chartVersion;               // the model the chart's run made ("" while running or none)
    QString m_evaluatedVersion;           // the model the matrix evaluates
    QPushButton* m_export;
    QLabel* m_exportNote;
    QAction* m_saveChartPng;
    QAction* m_saveChartCsv;
    QAction* m_saveConfusionPng;
    QAction* m_saveConfusionCsv;
    QLabel* m_evalCaption;
    ConfusionMatrixView* m_confusion;
    QTableWidget* m_table;
};

} // namespace pc
