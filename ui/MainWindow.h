#pragma once
// The curator's desktop app: a gallery over the workspace with drag-and-drop intake, top-3 review
// with one-key correction (undoable), background fine-tuning with live charts, and model history.
// Every slow step (import, decoding, embedding, training, model swap, database reads and writes)
// runs off the UI thread; results come back as queued calls.
#include "gallery/GalleryModel.h"

#include <QItemSelection>
#include <QMainWindow>
#include <QThreadPool>
#include <memory>

class QAction;
class QComboBox;
class QLabel;
class QLineEdit;
class QMimeData;
class QSplitter;
class QStackedWidget;
class QTabWidget;
class QTimer;
class QToolButton;
class QUndoStack;

namespace pc {

class Backbone;
class BreedPicker;
class DetailPanel;
class ExportController;
class GalleryFilterModel;
class GalleryView;
class GroupsView;
class ImportController;
class ImportReportView;
class LabelWriter;
class LearningLoop;
class TrainingScheduler;
class SyncService;
class ModelHistoryView;
class NearDuplicateFinder;
class PredictionService;
class TaskProgress;
class ThumbnailLoader;
class TrainingDashboard;
class WelcomePanel;
class Workspace;
struct ImageRef;
struct ImportReport;
struct ExportReport;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    enum class View { Review = 0, Training = 1, Models = 2, Groups = 3 };

    MainWindow(std::shared_ptr<Workspace> workspace, std::shared_ptr<const Backbone> backbone, LearningLoop* loop,
               QWidget* parent = nullptr);
    // The window without the model: it shows the workspace at once (gallery, stored predictions,
    // labelling) while the network loads; attachEngine() brings predictions and training.
    explicit MainWindow(std::shared_ptr<Workspace> workspace, QWidget* parent = nullptr);
    void attachEngine(std::shared_ptr<const Backbone> backbone, LearningLoop* loop);
    bool hasEngine() const { return m_loop != nullptr; }
    // Cancels and joins the workers that feed the window (imports, predictions, label writes, small
    // reads). Idempotent; the destructor calls it too. main() calls it after the event loop, before
    // it waits for the learning loop and destroys it.
    void shutdown();
    ~MainWindow() override;

    // ---- intake (all asynchronous)
    void intake(const QStringList& paths, const QString& source = QStringLiteral("drop"));
    void importOxford(const QString& dir);
    void importFolderPerClass(const QString& dir);
    void pasteFromClipboard();
    void openFiles();
    // File ▸ Export: the dialog, then the export on a background thread with progress and cancel.
    void openExportDialog();

    // ---- review
    qint64 currentImageId() const;
    const GalleryItem* currentItem() const;
    bool selectImage(qint64 imageId);
    bool selectImages(const QVector<qint64>& imageIds); // false when none of them is shown
    void acceptSuggestion(int index);          // 0-based: key 1 → 0
    void confirmAndNext();                     // Enter
    void labelCurrent(const QString& breedId); // any breed (the picker)
    void openBreedPicker(const QString& typed = {});
    void nextImage(int step = 1);
    void removeSelectedImages();               // Delete: undoable
    void copyCurrentPath();
    void openCurrentLocation();
    void openImageViewer();                    // full size, zoomable
    void resortGallery();                      // F5
    // The Groups view's side-by-side comparison of the current image and its near-duplicates (Ctrl+K).
    void compareNearDuplicates();

    // ---- views
    void showView(View view);
    View currentView() const;
    void setDarkTheme(bool dark);
    void showImageSet(const QSet<qint64>& ids, const QString& caption);
    void showPreferences();
    void showAbout();
    void showShortcuts();

    // ---- state (tests, benchmark, screenshots)
    bool isGalleryLoaded() const { return m_galleryLoaded; }
    bool isIdle() const;        // gallery loaded; no import, prediction or label write pending
    int pendingPredictions() const;
    void waitForLabelWrites();
    QString statusModelText() const;
    QString statusTrainingText() const;
    QString lastStatusMessage() const { return m_lastMessage; }

    GalleryModel* galleryModel() const { return m_gallery; }
    GalleryFilterModel* galleryFilter() const { return m_filter; }
    GalleryView* galleryView() const { return m_view; }
    DetailPanel* detailPanel() const { return m_detail; }
    BreedPicker* breedPicker() const { return m_picker; }
    TrainingDashboard* dashboard() const { return m_dashboard; }
    ModelHistoryView* modelHistory() const { return m_history; }
    GroupsView* groupsView() const { return m_groups; }
    ImportReportView* importReport() const { return m_report; }
    WelcomePanel* welcomePanel() const { return m_welcome; }
    QUndoStack* undoStack() const { return m_undo; }
    PredictionService* predictions() const { return m_predictions; }
    ImportController* imports() const { return m_imports; }
    ExportController* exports() const { return m_exports; }
    NearDuplicateFinder* nearDuplicateFinder() const { return m_nearDuplicates; }
    TaskProgress* exportProgress() const { return m_exportProgress; }
    LearningLoop* learningLoop() const { return m_loop; }
    QTabWidget* tabs() const { return m_tabs; }
    QWidget* reviewArea() const;
    QAction* action(const QString& objectName) const;

Q_SIGNALS:
    void galleryLoaded(int images);
    void engineAttached();
    void becameIdle();

protected:
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dragMoveEvent(QDragMoveEvent* event) override;
    void dragLeaveEvent(QDragLeaveEvent* event) override;
    void dropEvent(QDropEvent* event) override;
    void closeEvent(QCloseEvent* event) override;
    void showEvent(QShowEvent* event) override;
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void buildUi();
    void buildMenus();
    void buildStatusBar();
    QWidget* buildFilterBar(QWidget* parent);
    QAction* makeAction(const QString& name, const QString& text, const QList<QKeySequence>& keys = {},
                        Qt::ShortcutContext context = Qt::WindowShortcut);

    void reloadGallery(bool selectNew);
    void galleryReady(std::vector<GalleryItem> items, bool selectNew);
    void bringPredictionsUpToDate(const QVector<qint64>& ids);
    QVector<qint64> stalePredictions() const;
    void showNewImages(const QVector<qint64>& added);
    void showUndoRedo(bool undone);
    void showTileMenu(const QPoint& at);
    QVector<qint64> selectedImageIds() const;
    std::vector<int> rowsOf(const QVector<qint64>& imageIds) const; // gallery rows of those shown
    QItemSelection selectionOfRows(std::vector<int> rows) const;
    QString currentFilePath() const;
    void clearImageSetFilter();
    void onImportFinished(const QString& title, const ImportReport& report);
    void onExportFinished(const ExportReport& report);
    void refreshNearDuplicates();
    void onPredicted(const QVector<GalleryModel::PredictionUpdate>& batch);
    void onActiveModelChanged(const QString& version);
    void onLabelState(qint64 imageId, bool hasLabel, const LabelEvent& current, const QVector<LabelEvent>& history);
    void onCurrentChanged();
    void updateCount();
    void updateEmptyState();
    void updateModelStatus();
    void applySettings();
    void say(const QString& message, int ms = 6000);
    QStringList pathsFromMime(const QMimeData* mime, bool* hasImage = nullptr) const;
    bool checkIdle();

    std::shared_ptr<Workspace> m_workspace;
    std::shared_ptr<const Backbone> m_backbone;
    LearningLoop* m_loop = nullptr;
    TrainingScheduler* m_scheduler = nullptr; // the automatic rules, once the loop is there
    SyncService* m_sync = nullptr; // team server sync (ui/sync)
    QThreadPool m_io; // thumbnails of the detail panel, small workspace reads

    GalleryModel* m_gallery = nullptr;
    GalleryFilterModel* m_filter = nullptr;
    ThumbnailLoader* m_thumbs = nullptr;
    PredictionService* m_predictions = nullptr;
    ImportController* m_imports = nullptr;
    ExportController* m_exports = nullptr;
    NearDuplicateFinder* m_nearDuplicates = nullptr; // once the model is there
    QSet<qint64> m_nearDuplicatesScanned;             // the images the last scan was asked about
    float m_nearDuplicatesThreshold = 0;
    LabelWriter* m_writer = nullptr;
    QUndoStack* m_undo = nullptr;

    QTabWidget* m_tabs = nullptr;
    QStackedWidget* m_reviewStack = nullptr;
    WelcomePanel* m_welcome = nullptr;
    QWidget* m_reviewPage = nullptr;
    QSplitter* m_reviewSplit = nullptr;
    GalleryView* m_view = nullptr;
    DetailPanel* m_detail = nullptr;
    BreedPicker* m_picker = nullptr;
    TrainingDashboard* m_dashboard = nullptr;
    ModelHistoryView* m_history = nullptr;
    GroupsView* m_groups = nullptr;
    ImportReportView* m_report = nullptr;

    QComboBox* m_showCombo = nullptr;
    QComboBox* m_breedCombo = nullptr;
    QComboBox* m_sortCombo = nullptr;
    QLineEdit* m_search = nullptr;
    QTimer* m_searchDebounce = nullptr;
    QLabel* m_countLabel = nullptr;
    QWidget* m_setChip = nullptr;
    QLabel* m_setChipLabel = nullptr;

    QLabel* m_statusModel = nullptr;
    QLabel* m_statusTraining = nullptr;
    QLabel* m_statusPredicting = nullptr;
    QToolButton* m_statusIssues = nullptr;
    TaskProgress* m_importProgress = nullptr;
    TaskProgress* m_exportProgress = nullptr;
    QAction* m_darkAction = nullptr;

    QTimer* m_countTimer = nullptr;

    bool m_galleryLoaded = false;
    bool m_reloading = false;
    bool m_reloadAgain = false;
    bool m_reloadSelectNew = false;
    bool m_wasIdle = false;
    bool m_shownOnce = false;
    QString m_liveVersion;
    QSet<qint64> m_unpredictable; // stored images the decoder refused
    QString m_lastMessage;
};

} // namespace pc
