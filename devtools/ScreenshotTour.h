#pragma once
// `petcurator --screenshots DIR`: shows each main view in turn with real data and saves
// QWidget::grab() PNGs (welcome, gallery + detail, breed picker, training dashboard after a short
// training, model history, dark theme). Used by scripts/screenshots.sh under Xvfb.
#include <QObject>
#include <QString>
#include <functional>

class QWidget;

namespace pc {

class MainWindow;

class ScreenshotTour : public QObject {
    Q_OBJECT
public:
    // sampleDir: an Oxford-IIIT Pet folder imported when the workspace is empty.
    ScreenshotTour(MainWindow* window, QString outDir, QString sampleDir, QObject* parent = nullptr);

    void start();
    // Only the gallery (for a second pass at another scale factor).
    void setQuick(bool quick) { m_quick = quick; }
    QStringList saved() const { return m_saved; }

Q_SIGNALS:
    void finished(bool ok);

private:
    using Step = std::function<void()>;
    void waitUntil(std::function<bool()> condition, int timeoutMs, Step next, const QString& what);
    void settle(int ms, Step next);
    bool save(QWidget* widget, const QString& name);
    bool saveComposite(QWidget* window, QWidget* dialog, const QString& name);
    void fail(const QString& why);

    void stepWelcome();
    void stepImport();
    void stepGallery();
    void stepPicker();
    void stepFullSize();
    void stepTraining();
    void stepModels();
    void stepDark();
    void done();

    MainWindow* m_window;
    QString m_outDir;
    QString m_sampleDir;
    QStringList m_saved;
    bool m_darkBefore = false;
    bool m_quick = false;
};

} // namespace pc
