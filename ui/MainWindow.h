#pragma once
// The first face of the app: drop an image, see the top-3 breeds. Prediction runs off the UI
// thread; the window only shows results.
#include "model/Predictor.h"

#include <QMainWindow>

class QLabel;
class QListWidget;

namespace pc {

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(std::shared_ptr<const Predictor> predictor, QWidget* parent = nullptr);

    void predictFiles(const QStringList& paths);

protected:
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    void showResult(const QString& path, const QString& text);

    std::shared_ptr<const Predictor> m_predictor;
    QLabel* m_hint;
    QListWidget* m_results;
};

} // namespace pc
