#pragma once
// Fine-tuning at a glance: start and cancel, the stage and its progress, live charts of loss and
// training/validation accuracy per epoch, the validation confusion matrix (click a cell to see
// those images) and the per-breed accuracy. Shows every run of the learning loop, including the
// automatic ones.
#include "training/LearningLoop.h"

#include <QElapsedTimer>
#include <QWidget>
#include <memory>

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
class QValueAxis;

namespace pc {

class ConfusionMatrixView;
struct ConfusionData;
class Workspace;

class TrainingDashboard : public QWidget {
    Q_OBJECT
public:
    TrainingDashboard(std::shared_ptr<Workspace> workspace, LearningLoop* loop, QThreadPool* ioPool, QWidget* parent = nullptr);

    // false when a run is already going.
    bool startTraining(const QString& reason = QStringLiteral("manual"));
    void cancelTraining();
    bool isRunning() const { return m_running; }
    // Evaluates the active model on the validation split (background) to fill the matrix and table.
    void evaluateActiveModel();

    QPushButton* startButton() const { return m_start; }
    QPushButton* cancelButton() const { return m_cancel; }
    QLineSeries* lossSeries() const { return m_loss; }
    QLineSeries* trainAccuracySeries() const { return m_trainAcc; }
    QLineSeries* valAccuracySeries() const { return m_valAcc; }
    QChartView* chartView() const { return m_chartView; }
    ConfusionMatrixView* confusionMatrix() const { return m_confusion; }
    QTableWidget* breedTable() const { return m_table; }
    QString stateText() const;

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
    void beginRun();
    void setState(const QString& text);
    void clearSeries();
    void addEpoch(int epoch, double loss, double trainAcc, double valAcc);
    void showEvaluation(const QStringList& classes, const Evaluation& evaluation, const QString& caption);
    void loadLastRun();
    void applyChartPalette();
    void updateButtons();

    std::shared_ptr<Workspace> m_workspace;
    LearningLoop* m_loop;
    QThreadPool* m_io;
    bool m_running = false;
    QString m_state;
    QString m_lastStage;
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
    QLabel* m_evalCaption;
    ConfusionMatrixView* m_confusion;
    QTableWidget* m_table;
};

} // namespace pc
