#include "MainWindow.h"

#include "dialogs/AboutDialog.h"
#include "dialogs/ExportDialog.h"
#include "AppSettings.h"
#include "Background.h"
#include "review/BreedPicker.h"
#include "review/DetailPanel.h"
#include "gallery/GalleryDelegate.h"
#include "gallery/GalleryFilterModel.h"
#include "gallery/GalleryView.h"
#include "intake/ExportController.h"
#include "intake/ImportController.h"
#include "intake/ImportReportView.h"
#include "review/ImageViewerDialog.h"
#include "review/ImageView.h"
#include "review/SetLabelCommand.h"
#include "review/LabelWriter.h"
#include "groups/GroupsView.h"
#include "models/ModelHistoryView.h"
#include "gallery/PredictionService.h"
#include "gallery/NearDuplicateFinder.h"
#include "dialogs/PreferencesDialog.h"
#include "sync/ReviewQueueView.h"
#include "sync/ServerSettingsDialog.h"
#include "sync/SyncService.h"
#include "sync/SyncStatusIndicator.h"
#include "review/RemoveImagesCommand.h"
#include "dialogs/ShortcutsDialog.h"
#include "TaskProgress.h"
#include "Theme.h"
#include "gallery/ThumbnailLoader.h"
#include "training/TrainingDashboard.h"
#include "intake/WelcomePanel.h"
#include "model/Backbone.h"
#include "model/BreedCatalog.h"
#include "training/LearningLoop.h"
#include "training/TrainingScheduler.h"
#include "workspace/Workspace.h"

#include <algorithm>
#include <QApplication>
#include <QClipboard>
#include <QCloseEvent>
#include <QComboBox>
#include <QDesktopServices>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QImage>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMenuBar>
#include <QMimeData>
#include <QSplitter>
#include <QStackedWidget>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTabWidget>
#include <QTimer>
#include <QToolButton>
#include <QUndoStack>
#include <QUrl>
#include <QVBoxLayout>
#include <algorithm>
#include <climits>

// Q_INIT_RESOURCE must be used outside any namespace.
static void initPetCuratorResources()
{
    Q_INIT_RESOURCE(petcurator);
}

namespace pc {

MainWindow::MainWindow(std::shared_ptr<Workspace> workspace, std::shared_ptr<const Backbone> backbone, LearningLoop* loop,
                       QWidget* parent)
    : MainWindow(std::move(workspace), parent)
{
    attachEngine(std::move(backbone), loop);
}

MainWindow::MainWindow(std::shared_ptr<Workspace> workspace, QWidget* parent)
    : QMainWindow(parent), m_workspace(std::move(workspace))
{
    initPetCuratorResources();
    qRegisterMetaType<pc::GalleryModel::PredictionUpdate>();
    qRegisterMetaType<pc::ImportReport>();
    setObjectName(QStringLiteral("mainWindow"));
    // Qt appends the application display name ("— PetCurator") itself.
    setWindowTitle(QDir::toNativeSeparators(m_workspace->dir()));
    setWindowIcon(QIcon(QStringLiteral(":/petcurator/petcurator.svg")));
    setAcceptDrops(true);
    m_io.setMaxThreadCount(2);
    m_io.setExpiryTimeout(-1);
    m_io.setObjectName(QStringLiteral("ui-io"));
    // Qt's raster engine runs large fills on the global pool and the UI thread waits for them, so
    // its threads must keep normal priority even when a background (idle-priority) thread is the
    // one that starts them, e.g. through an image conversion; and once started, they stay.
    QThreadPool::globalInstance()->setThreadPriority(QThread::NormalPriority);
    QThreadPool::globalInstance()->setExpiryTimeout(-1);

    m_gallery = new GalleryModel(this);
    m_thumbs = new ThumbnailLoader(m_workspace, this);
    m_gallery->setThumbnailLoader(m_thumbs);
    m_filter = new GalleryFilterModel(this);
    m_filter->setGalleryModel(m_gallery);
    m_imports = new ImportController(m_workspace, this);
    m_exports = new ExportController(m_workspace, this);
    m_writer = new LabelWriter(m_workspace, this);
    m_undo = new QUndoStack(this);

    buildUi();
    buildMenus();
    buildStatusBar();
    applySettings();

    // Intake and predictions.
    connect(m_imports, &ImportController::progress, this, [this](const QString& title, int done, int total) {
        m_importProgress->setProgress(title, done, total);
    });
    connect(m_imports, &ImportController::finished, this, &MainWindow::onImportFinished);
    connect(m_imports, &ImportController::allFinished, this, [this] {
        m_importProgress->finish();
        checkIdle();
    });
    connect(m_importProgress, &TaskProgress::cancelRequested, m_imports, &ImportController::cancel);
    // Export.
    connect(m_exports, &ExportController::progress, this, [this](int done, int total) {
        m_exportProgress->setProgress(tr("Exporting to %1").arg(QDir::toNativeSeparators(m_exports->outputDir())), done, total);
    });
    connect(m_exports, &ExportController::finished, this, &MainWindow::onExportFinished);
    connect(m_exports, &ExportController::failed, this, [this](const QString& message) {
        m_exportProgress->finish();
        say(tr("Export failed: %1").arg(message), 0);
        checkIdle();
    });
    connect(m_exportProgress, &TaskProgress::cancelRequested, m_exports, &ExportController::cancel);
    // Labels.
    connect(m_writer, &LabelWriter::labelState, this, &MainWindow::onLabelState);
    connect(m_writer, &LabelWriter::newLabelStored, this, [this](qint64, const QString&) {
        if (m_scheduler)
            m_scheduler->noteNewLabel();
    });
    connect(m_writer, &LabelWriter::writeFailed, this, [this](const QString& message) { say(tr("Could not save the label: %1").arg(message), 10000); });
    connect(m_writer, &LabelWriter::idle, this, [this] { checkIdle(); });
    connect(m_writer, &LabelWriter::removalStored, this, [this](const QVector<qint64>&, bool) { updateEmptyState(); });
    connect(m_gallery, &GalleryModel::itemChanged, this, [this](qint64 id) {
        if (id == currentImageId())
            m_detail->setItem(m_gallery->find(id));
    });
    connect(m_gallery, &GalleryModel::bulkChanged, this, [this] {
        m_detail->setItem(currentItem());
        if (m_view->currentIndex().isValid())
            m_view->scrollTo(m_view->currentIndex());
    });

    updateModelStatus();
    m_statusTraining->setText(tr("Training: waiting for the model"));
    const QByteArray geometry = AppSettings::windowGeometry();
    if (geometry.isEmpty() || !restoreGeometry(geometry))
        resize(fontMetrics().height() * 80, fontMetrics().height() * 52);
    reloadGallery(false);
}

void MainWindow::attachEngine(std::shared_ptr<const Backbone> backbone, LearningLoop* loop)
{
    Q_ASSERT(!m_loop && backbone && loop);
    m_backbone = std::move(backbone);
    m_loop = loop;
    m_predictions = new PredictionService(m_workspace, m_backbone, m_loop->activeModel(), AppSettings::effectiveThreads(), this);
    m_liveVersion = m_loop->activeVersion();
    m_sync->attachLoop(m_loop);
    // Automatic training: both rules live in the scheduler; the window feeds it labels and
    // starts the daily run from the dashboard, with the dashboard's settings.
    m_scheduler = new TrainingScheduler(m_loop, {}, this);

    // The views that need the loop take the places kept for them.
    const int shown = m_tabs->currentIndex();
    m_dashboard = new TrainingDashboard(m_workspace, m_loop, &m_io, m_tabs);
    m_history = new ModelHistoryView(m_workspace, m_loop, &m_io, m_tabs);
    m_groups = new GroupsView(m_gallery, m_predictions, m_writer, m_undo, m_tabs);
    m_nearDuplicates = new NearDuplicateFinder(m_predictions, this);
    for (auto [view, widget, title] : {std::tuple{View::Training, static_cast<QWidget*>(m_dashboard), tr("Training")},
                                       std::tuple{View::Models, static_cast<QWidget*>(m_history), tr("Models")},
                                       std::tuple{View::Groups, static_cast<QWidget*>(m_groups), tr("Groups")}}) {
        QWidget* placeholder = m_tabs->widget(int(view));
        m_tabs->removeTab(int(view));
        m_tabs->insertTab(int(view), widget, title);
        delete placeholder;
    }
    m_tabs->setCurrentIndex(shown);

    connect(m_predictions, &PredictionService::predicted, this, &MainWindow::onPredicted);
    connect(m_predictions, &PredictionService::failed, this, [this](qint64 id, const QString& reason) {
        const GalleryItem* it = m_gallery->find(id);
        m_unpredictable.insert(id); // reported once, not retried on every reload
        m_report->addIssue(tr("prediction"), it ? it->originalPath : QString::number(id), reason);
    });
    connect(m_predictions, &PredictionService::pendingChanged, this, [this](int pending) {
        m_statusPredicting->setVisible(pending > 0);
        m_statusPredicting->setText(tr("Predicting: %n left", nullptr, pending));
    });
    connect(m_predictions, &PredictionService::idle, this, [this] {
        // New images were placed before they had a prediction: now that they have one, sort them
        // in (a model swap alone keeps the order still; F5 re-sorts).
        if (m_filter->orderAwaitsPredictions())
            resortGallery();
        checkIdle();
        refreshNearDuplicates(); // new images have their embeddings now
    });

    // The learning loop.
    connect(m_nearDuplicates, &NearDuplicateFinder::found, this, [this](const QVector<NearDuplicateImages>& pairs, float threshold) {
        m_gallery->setNearDuplicates(pairs, threshold);
    });
    connect(m_nearDuplicates, &NearDuplicateFinder::failed, this, [this](const QString& message) {
        say(tr("Could not look for near-duplicates: %1").arg(message), 10000);
    });

    connect(m_loop, &LearningLoop::activeModelChanged, this, &MainWindow::onActiveModelChanged);
    connect(m_loop, &LearningLoop::trainingFinished, this, [this](const TrainOutcome& outcome) {
        if (outcome.cancelled)
            say(tr("Training cancelled"));
        else if (outcome.version.isEmpty())
            say(tr("No new model: %1").arg(outcome.verdict), 10000); // a scheduled run with nothing new
        else if (!outcome.activated)
            say(tr("%1 trained but kept as a candidate: %2").arg(outcome.version, outcome.verdict), 10000);
        if (!outcome.activated)
            return;
        // The loop's activeModelChanged does the refresh; this covers a loop that only reports here.
        onActiveModelChanged(outcome.version);
    });
    connect(m_loop, &LearningLoop::trainingFailed, this, [this](const QString& message) { say(tr("Training failed: %1").arg(message), 10000); });
    connect(m_scheduler, &TrainingScheduler::dailyRunDue, this, [this](const QString& reason) {
        if (m_dashboard->startTraining(reason, /*onlyIfNew=*/true))
            say(tr("Scheduled fine-tuning started (%1)").arg(reason));
        else
            say(tr("Scheduled fine-tuning skipped: a run is already going"));
    });
    connect(m_dashboard, &TrainingDashboard::stateChanged, this, [this](const QString& text) {
        m_statusTraining->setText(tr("Training: %1").arg(text));
    });
    connect(m_dashboard, &TrainingDashboard::showImagesRequested, this, &MainWindow::showImageSet);
    connect(m_history, &ModelHistoryView::message, this, [this](const QString& text) { say(text); });
    // Every way labels change reaches the dashboard's count.
    connect(m_writer, &LabelWriter::idle, m_dashboard, &TrainingDashboard::labelsChanged);
    connect(m_imports, &ImportController::allFinished, m_dashboard, &TrainingDashboard::labelsChanged);

    applySettings();
    updateModelStatus();
    m_statusTraining->setText(tr("Training: %1").arg(m_dashboard->stateText()));
    for (const char* name : {"actionTrain", "actionCancelTraining", "actionRollback"})
        action(QString::fromLatin1(name))->setEnabled(true);
    // Everything shown so far came from the store: bring it up to the live model.
    if (m_galleryLoaded)
        bringPredictionsUpToDate(stalePredictions());
    refreshNearDuplicates();
    Q_EMIT engineAttached();
    checkIdle();
}

MainWindow::~MainWindow()
{
    shutdown();
    // C++ destroys our members (m_io, m_workspace, m_backbone) before ~QWidget deletes the children,
    // and the views, the detail panel, the dashboard, the model history and image viewers start
    // work on m_io, some of it from slots that run while their siblings are being deleted. So the
    // widgets that use m_io go here, while it exists, no slot of ours runs any more, and what they
    // started is joined before m_io goes.
    for (QObject* o : findChildren<QObject*>())
        o->disconnect(this);
    if (m_loop)
        m_loop->disconnect(this);
    qDeleteAll(findChildren<ImageViewerDialog*>(Qt::FindDirectChildrenOnly));
    delete takeCentralWidget();
    m_io.waitForDone();
}

void MainWindow::shutdown()
{
    // Stop producers before the widgets they report to go away: cancel, then join.
    if (m_imports)
        m_imports->cancel();
    delete m_imports;
    m_imports = nullptr;
    delete m_exports; // cancels and joins: a cancelled export removes what it wrote
    m_exports = nullptr;
    delete m_predictions; // may be null: closed before the model was loaded
    m_predictions = nullptr;
    if (m_writer)
        m_writer->waitForIdle();
    m_io.waitForDone();
    // The thumbnail loader and the sync thread stop in their destructors, with the widgets that
    // show their results; they hold the workspace (and sync the loop), both of which outlive us.
}

// ---------------------------------------------------------------- construction

QAction* MainWindow::makeAction(const QString& name, const QString& text, const QList<QKeySequence>& keys, Qt::ShortcutContext context)
{
    auto* a = new QAction(text, this);
    a->setObjectName(name);
    a->setShortcuts(keys);
    a->setShortcutContext(context);
    // Window-wide shortcuts live on the window; the review keys (1, 2, 3, Enter, Space) only on the
    // review area, so they never fire while typing in the search field or a dialog.
    if (context == Qt::WindowShortcut)
        addAction(a);
    return a;
}

QAction* MainWindow::action(const QString& objectName) const
{
    return findChild<QAction*>(objectName);
}

QWidget* MainWindow::reviewArea() const { return m_reviewSplit; }

void MainWindow::buildUi()
{
    m_tabs = new QTabWidget(this);
    m_tabs->setDocumentMode(true);
    m_tabs->setObjectName(QStringLiteral("views"));

    // Review: welcome panel or filter bar + gallery + detail.
    m_reviewStack = new QStackedWidget(m_tabs);
    m_welcome = new WelcomePanel(m_reviewStack);
    m_reviewPage = new QWidget(m_reviewStack);
    auto* reviewLayout = new QVBoxLayout(m_reviewPage);
    reviewLayout->setContentsMargins(0, 0, 0, 0);
    reviewLayout->addWidget(buildFilterBar(m_reviewPage));
    m_reviewSplit = new QSplitter(Qt::Horizontal, m_reviewPage);
    m_reviewSplit->setObjectName(QStringLiteral("reviewArea"));
    m_view = new GalleryView(m_reviewSplit);
    m_view->setModel(m_filter);
    m_detail = new DetailPanel(m_workspace, &m_io, m_reviewSplit);
    m_reviewSplit->addWidget(m_view);
    m_reviewSplit->addWidget(m_detail);
    m_reviewSplit->setStretchFactor(0, 3);
    m_reviewSplit->setStretchFactor(1, 2);
    m_reviewSplit->setChildrenCollapsible(false);
    reviewLayout->addWidget(m_reviewSplit, 1);
    m_reviewStack->addWidget(m_welcome);
    m_reviewStack->addWidget(m_reviewPage);
    m_reviewStack->setCurrentWidget(m_welcome);

    // No mnemonics here: Alt+T is the Training menu; Ctrl+1/2/3/4 switch views. Training and Models
    // need the model: until it is loaded they say so (attachEngine puts the real views in).
    m_tabs->addTab(m_reviewStack, tr("Review"));
    for (const QString& title : {tr("Training"), tr("Models"), tr("Groups")}) {
        auto* waiting = new QLabel(tr("Loading the model…"), m_tabs);
        waiting->setAlignment(Qt::AlignCenter);
        waiting->setObjectName(QStringLiteral("waitingForModel"));
        m_tabs->addTab(waiting, title);
    }
    m_tabs->addTab(new ReviewQueueView(m_tabs), tr("Team Review")); // the team server's review queue
    setCentralWidget(m_tabs);

    m_picker = new BreedPicker(this);
    m_report = new ImportReportView(this);

    connect(m_view->selectionModel(), &QItemSelectionModel::currentChanged, this, &MainWindow::onCurrentChanged);
    connect(m_view, &GalleryView::typeAhead, this, [this](const QString& text) { openBreedPicker(text); });
    connect(m_detail, &DetailPanel::suggestionAccepted, this, &MainWindow::acceptSuggestion);
    connect(m_detail, &DetailPanel::pickRequested, this, [this] { openBreedPicker(); });
    connect(m_detail->imageView(), &ImageView::doubleClicked, this, &MainWindow::openImageViewer);
    m_view->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_view, &QWidget::customContextMenuRequested, this, &MainWindow::showTileMenu);
    connect(m_picker, &BreedPicker::breedChosen, this, &MainWindow::labelCurrent);
    connect(m_picker, &QDialog::finished, this, [this] { m_view->setFocus(); });
    connect(m_welcome, &WelcomePanel::openRequested, this, &MainWindow::openFiles);
    connect(m_welcome, &WelcomePanel::importOxfordRequested, this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Oxford-IIIT Pet folder (with images/ and annotations/)"));
        if (!dir.isEmpty())
            importOxford(dir);
    });
    connect(m_welcome, &WelcomePanel::importFoldersRequested, this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Folder with one sub-folder per breed"));
        if (!dir.isEmpty())
            importFolderPerClass(dir);
    });
    connect(m_filter, &QAbstractItemModel::rowsInserted, this, [this] { m_countTimer->start(); });
    connect(m_filter, &QAbstractItemModel::rowsRemoved, this, [this] { m_countTimer->start(); });
    connect(m_filter, &QAbstractItemModel::layoutChanged, this, [this] { m_countTimer->start(); });
    connect(m_filter, &QAbstractItemModel::modelReset, this, [this] { m_countTimer->start(); });
    connect(m_tabs, &QTabWidget::currentChanged, this, [this](int index) {
        if (index == int(View::Review))
            (m_reviewStack->currentWidget() == m_reviewPage ? static_cast<QWidget*>(m_view) : m_welcome)->setFocus();
    });
    m_countTimer = new QTimer(this);
    m_countTimer->setSingleShot(true);
    m_countTimer->setInterval(0);
    connect(m_countTimer, &QTimer::timeout, this, &MainWindow::updateCount);
}

QWidget* MainWindow::buildFilterBar(QWidget* parent)
{
    auto* bar = new QWidget(parent);
    bar->setObjectName(QStringLiteral("filterBar"));
    auto* l = new QHBoxLayout(bar);
    l->setContentsMargins(6, 6, 6, 2);

    m_showCombo = new QComboBox(bar);
    m_showCombo->setObjectName(QStringLiteral("showFilter"));
    m_showCombo->addItem(tr("All images"), int(GalleryFilterModel::Show::All));
    m_showCombo->addItem(tr("Unlabelled"), int(GalleryFilterModel::Show::Unlabelled));
    m_showCombo->addItem(tr("Labelled"), int(GalleryFilterModel::Show::Labelled));
    m_showCombo->addItem(tr("Disagreements"), int(GalleryFilterModel::Show::Disagreements));
    m_showCombo->addItem(tr("Pending review"), int(GalleryFilterModel::Show::Pending));
    m_showCombo->addItem(tr("Just added"), int(GalleryFilterModel::Show::JustAdded));
    m_showCombo->addItem(tr("Disputed by the team"), int(GalleryFilterModel::Show::Disputed));
    m_showCombo->addItem(tr("Near-duplicates"), int(GalleryFilterModel::Show::NearDuplicates));
    m_showCombo->setAccessibleName(tr("Show"));

    m_breedCombo = new QComboBox(bar);
    m_breedCombo->setObjectName(QStringLiteral("breedFilter"));
    m_breedCombo->setAccessibleName(tr("Breed"));
    m_breedCombo->addItem(tr("Any breed"), QString());
    for (const char* species : {"cat", "dog"}) {
        m_breedCombo->insertSeparator(m_breedCombo->count());
        std::vector<Breed> breeds;
        for (const Breed& b : BreedCatalog::oxford().breeds())
            if (b.species == QLatin1String(species))
                breeds.push_back(b);
        std::sort(breeds.begin(), breeds.end(), [](const Breed& a, const Breed& b) { return a.name < b.name; });
        for (const Breed& b : breeds)
            m_breedCombo->addItem(QStringLiteral("%1 (%2)").arg(b.name, QLatin1String(species) == QLatin1String("cat") ? tr("cat") : tr("dog")), b.id);
    }

    m_search = new QLineEdit(bar);
    m_search->setObjectName(QStringLiteral("search"));
    m_search->setPlaceholderText(tr("Search file or breed (Ctrl+F)"));
    m_search->setClearButtonEnabled(true);
    m_search->setAccessibleName(tr("Search"));
    m_search->installEventFilter(this);
    m_searchDebounce = new QTimer(this);
    m_searchDebounce->setSingleShot(true);
    m_searchDebounce->setInterval(150);

    m_sortCombo = new QComboBox(bar);
    m_sortCombo->setObjectName(QStringLiteral("sortOrder"));
    m_sortCombo->setAccessibleName(tr("Sort"));
    m_sortCombo->addItem(tr("Least confident first"), int(GalleryFilterModel::Order::LeastConfident));
    m_sortCombo->addItem(tr("Name"), int(GalleryFilterModel::Order::Name));
    m_sortCombo->addItem(tr("Newest first"), int(GalleryFilterModel::Order::NewestFirst));
    m_sortCombo->addItem(tr("Oldest first"), int(GalleryFilterModel::Order::OldestFirst));

    m_setChip = new QWidget(bar);
    auto* chipLayout = new QHBoxLayout(m_setChip);
    chipLayout->setContentsMargins(0, 0, 0, 0);
    m_setChipLabel = new QLabel(m_setChip);
    auto* clearSet = new QToolButton(m_setChip);
    clearSet->setText(QStringLiteral("✕"));
    clearSet->setToolTip(tr("Show all images again"));
    clearSet->setAccessibleName(tr("Clear image set"));
    chipLayout->addWidget(m_setChipLabel);
    chipLayout->addWidget(clearSet);
    m_setChip->hide();

    m_countLabel = new QLabel(bar);
    m_countLabel->setObjectName(QStringLiteral("count"));

    auto* showLabel = new QLabel(tr("&Show:"), bar);
    showLabel->setBuddy(m_showCombo);
    auto* sortLabel = new QLabel(tr("S&ort:"), bar);
    sortLabel->setBuddy(m_sortCombo);
    l->addWidget(showLabel);
    l->addWidget(m_showCombo);
    l->addWidget(m_breedCombo);
    l->addWidget(m_search, 1);
    l->addWidget(sortLabel);
    l->addWidget(m_sortCombo);
    l->addWidget(m_setChip);
    l->addWidget(m_countLabel);

    connect(m_showCombo, &QComboBox::currentIndexChanged, this, [this] {
        m_filter->setShow(GalleryFilterModel::Show(m_showCombo->currentData().toInt()));
    });
    connect(m_breedCombo, &QComboBox::currentIndexChanged, this, [this] { m_filter->setBreed(m_breedCombo->currentData().toString()); });
    connect(m_sortCombo, &QComboBox::currentIndexChanged, this, [this] {
        m_filter->setOrder(GalleryFilterModel::Order(m_sortCombo->currentData().toInt()));
        if (m_view->currentIndex().isValid())
            m_view->scrollTo(m_view->currentIndex());
    });
    connect(m_search, &QLineEdit::textChanged, m_searchDebounce, qOverload<>(&QTimer::start));
    connect(m_searchDebounce, &QTimer::timeout, this, [this] { m_filter->setSearchText(m_search->text()); });
    connect(clearSet, &QToolButton::clicked, this, &MainWindow::clearImageSetFilter);
    return bar;
}

void MainWindow::buildMenus()
{
    const auto review = Qt::WidgetWithChildrenShortcut;

    // File
    QMenu* file = menuBar()->addMenu(tr("&File"));
    QAction* open = makeAction(QStringLiteral("actionOpen"), tr("&Open images…"), {QKeySequence::Open});
    connect(open, &QAction::triggered, this, &MainWindow::openFiles);
    QAction* openFolder = makeAction(QStringLiteral("actionOpenFolder"), tr("Open &folder…"), {QKeySequence(tr("Ctrl+Shift+O"))});
    connect(openFolder, &QAction::triggered, this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Open a folder of images"));
        if (!dir.isEmpty())
            intake({dir}, QStringLiteral("files"));
    });
    QAction* paste = makeAction(QStringLiteral("actionPaste"), tr("&Paste images"), {QKeySequence::Paste});
    connect(paste, &QAction::triggered, this, &MainWindow::pasteFromClipboard);
    file->addAction(open);
    file->addAction(openFolder);
    file->addAction(paste);
    QMenu* import = file->addMenu(tr("&Import"));
    QAction* oxford = makeAction(QStringLiteral("actionImportOxford"), tr("&Oxford-IIIT Pet folder…"), {QKeySequence(tr("Ctrl+I"))});
    connect(oxford, &QAction::triggered, m_welcome, &WelcomePanel::importOxfordRequested);
    QAction* folders = makeAction(QStringLiteral("actionImportFolders"), tr("&Folder per breed…"), {QKeySequence(tr("Ctrl+Shift+I"))});
    connect(folders, &QAction::triggered, m_welcome, &WelcomePanel::importFoldersRequested);
    import->addAction(oxford);
    import->addAction(folders);
    QAction* cancelImport = makeAction(QStringLiteral("actionCancelImport"), tr("&Cancel import"), {QKeySequence(tr("Ctrl+Shift+X"))});
    connect(cancelImport, &QAction::triggered, m_imports, &ImportController::cancel);
    file->addAction(cancelImport);
    QAction* reportAction = makeAction(QStringLiteral("actionImportReport"), tr("Import &report"), {QKeySequence(tr("Ctrl+R"))});
    connect(reportAction, &QAction::triggered, this, [this] {
        m_report->show();
        m_report->raise();
        m_report->activateWindow();
    });
    file->addAction(reportAction);
    QAction* exportAction = makeAction(QStringLiteral("actionExport"), tr("&Export labelled images…"), {QKeySequence(tr("Ctrl+E"))});
    connect(exportAction, &QAction::triggered, this, &MainWindow::openExportDialog);
    file->addAction(exportAction);
    file->addSeparator();
    QAction* prefs = makeAction(QStringLiteral("actionPreferences"), tr("Pr&eferences…"), {QKeySequence(tr("Ctrl+,"))});
    prefs->setMenuRole(QAction::PreferencesRole);
    connect(prefs, &QAction::triggered, this, &MainWindow::showPreferences);
    file->addAction(prefs);
    QAction* team = makeAction(QStringLiteral("actionTeamServer"), tr("&Team Server…"), {});
    connect(team, &QAction::triggered, this, [this] {
        auto* dialog = new ServerSettingsDialog(m_workspace, this);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        connect(dialog, &ServerSettingsDialog::settingsChanged, m_sync, &SyncService::reloadSettings);
        dialog->open();
    });
    file->addAction(team);
    file->addSeparator();
    QAction* quit = makeAction(QStringLiteral("actionQuit"), tr("&Quit"), {QKeySequence(tr("Ctrl+Q"))});
    connect(quit, &QAction::triggered, this, &QWidget::close);
    file->addAction(quit);

    // Edit
    QMenu* edit = menuBar()->addMenu(tr("&Edit"));
    QAction* undo = m_undo->createUndoAction(this, tr("&Undo"));
    undo->setObjectName(QStringLiteral("actionUndo"));
    undo->setShortcuts(QKeySequence::Undo);
    QAction* redo = m_undo->createRedoAction(this, tr("&Redo"));
    redo->setObjectName(QStringLiteral("actionRedo"));
    redo->setShortcuts({QKeySequence(tr("Ctrl+Shift+Z")), QKeySequence(tr("Ctrl+Y"))});
    addAction(undo);
    addAction(redo);
    edit->addAction(undo);
    edit->addAction(redo);
    // After the stack's own slot (connected first): select what changed and say what it was.
    connect(undo, &QAction::triggered, this, [this] { showUndoRedo(true); });
    connect(redo, &QAction::triggered, this, [this] { showUndoRedo(false); });
    edit->addSeparator();
    QAction* remove = makeAction(QStringLiteral("actionRemove"), tr("Re&move from workspace"), {QKeySequence::Delete}, review);
    m_reviewSplit->addAction(remove);
    connect(remove, &QAction::triggered, this, &MainWindow::removeSelectedImages);
    edit->addAction(remove);
    QAction* copyPath = makeAction(QStringLiteral("actionCopyPath"), tr("Copy file &path"), {QKeySequence(tr("Ctrl+Shift+C"))});
    connect(copyPath, &QAction::triggered, this, &MainWindow::copyCurrentPath);
    edit->addAction(copyPath);
    QAction* reveal = makeAction(QStringLiteral("actionOpenLocation"), tr("Open file &location"), {QKeySequence(tr("Ctrl+Shift+F"))});
    connect(reveal, &QAction::triggered, this, &MainWindow::openCurrentLocation);
    edit->addAction(reveal);
    QAction* zoom = makeAction(QStringLiteral("actionZoom"), tr("&View full size"), {QKeySequence(tr("Ctrl+Return"))}, review);
    m_reviewSplit->addAction(zoom);
    connect(zoom, &QAction::triggered, this, &MainWindow::openImageViewer);
    edit->addAction(zoom);
    QAction* compare = makeAction(QStringLiteral("actionCompareNearDuplicates"), tr("Compare &near-duplicates"), {QKeySequence(tr("Ctrl+K"))}, review);
    m_reviewSplit->addAction(compare);
    connect(compare, &QAction::triggered, this, &MainWindow::compareNearDuplicates);
    edit->addAction(compare);
    edit->addSeparator();
    QAction* find = makeAction(QStringLiteral("actionFind"), tr("&Find…"), {QKeySequence::Find});
    connect(find, &QAction::triggered, this, [this] {
        showView(View::Review);
        m_search->setFocus();
        m_search->selectAll();
    });
    edit->addAction(find);

    // Label (keyboard-first review; active while the gallery or the detail panel has the focus)
    QMenu* label = menuBar()->addMenu(tr("&Label"));
    for (int i = 0; i < 3; ++i) {
        const Qt::Key key = Qt::Key(Qt::Key_1 + i);
        QAction* a = makeAction(QStringLiteral("actionAccept%1").arg(i + 1), tr("Accept suggestion &%1").arg(i + 1),
                                {QKeySequence(key), QKeySequence(Qt::KeypadModifier | key)}, review);
        m_reviewSplit->addAction(a);
        connect(a, &QAction::triggered, this, [this, i] { acceptSuggestion(i); });
        label->addAction(a);
    }
    QAction* confirm = makeAction(QStringLiteral("actionConfirm"), tr("&Confirm and next"),
                                  {QKeySequence(Qt::Key_Return), QKeySequence(Qt::Key_Enter)}, review);
    m_reviewSplit->addAction(confirm);
    connect(confirm, &QAction::triggered, this, &MainWindow::confirmAndNext);
    label->addAction(confirm);
    QAction* pick = makeAction(QStringLiteral("actionPick"), tr("Other &breed…"), {QKeySequence(tr("Ctrl+B"))});
    connect(pick, &QAction::triggered, this, [this] { openBreedPicker(); });
    label->addAction(pick);
    label->addSeparator();
    QAction* next = makeAction(QStringLiteral("actionNext"), tr("&Next image"), {QKeySequence(Qt::Key_Space)}, review);
    m_reviewSplit->addAction(next);
    connect(next, &QAction::triggered, this, [this] { nextImage(1); });
    QAction* prev = makeAction(QStringLiteral("actionPrevious"), tr("&Previous image"), {QKeySequence(Qt::SHIFT | Qt::Key_Space)}, review);
    m_reviewSplit->addAction(prev);
    connect(prev, &QAction::triggered, this, [this] { nextImage(-1); });
    label->addAction(next);
    label->addAction(prev);

    // View
    QMenu* view = menuBar()->addMenu(tr("&View"));
    const QStringList names{tr("&Review"), tr("&Training"), tr("&Models"), tr("&Groups")};
    for (int i = 0; i < int(names.size()); ++i) {
        QAction* a = makeAction(QStringLiteral("actionView%1").arg(i + 1), names[i], {QKeySequence(Qt::CTRL | Qt::Key(Qt::Key_1 + i))});
        connect(a, &QAction::triggered, this, [this, i] { showView(View(i)); });
        view->addAction(a);
    }
    view->addSeparator();
    QMenu* show = view->addMenu(tr("&Show"));
    const QList<QPair<QString, QKeySequence>> shows{{tr("&All images"), QKeySequence(tr("Ctrl+Shift+A"))},
                                                     {tr("&Unlabelled"), QKeySequence(tr("Ctrl+U"))},
                                                     {tr("&Labelled"), QKeySequence(tr("Ctrl+Shift+L"))},
                                                     {tr("&Disagreements"), QKeySequence(tr("Ctrl+D"))},
                                                     {tr("&Pending review"), QKeySequence(tr("Ctrl+Shift+P"))},
                                                     {tr("&Just added"), QKeySequence(tr("Ctrl+J"))}};
    for (int i = 0; i < shows.size(); ++i) {
        QAction* a = makeAction(QStringLiteral("actionShow%1").arg(i), shows[i].first, {shows[i].second});
        connect(a, &QAction::triggered, this, [this, i] {
            showView(View::Review);
            m_showCombo->setCurrentIndex(i);
            m_view->setFocus();
        });
        show->addAction(a);
    }
    QAction* showNearDuplicates = makeAction(QStringLiteral("actionShowNearDuplicates"), tr("&Near-duplicates"));
    connect(showNearDuplicates, &QAction::triggered, this, [this] {
        showView(View::Review);
        m_showCombo->setCurrentIndex(m_showCombo->findData(int(GalleryFilterModel::Show::NearDuplicates)));
        m_view->setFocus();
    });
    show->addAction(showNearDuplicates);
    QAction* leastConfident = makeAction(QStringLiteral("actionSortConfidence"), tr("Sort &least confident first"), {QKeySequence(tr("Ctrl+L"))});
    connect(leastConfident, &QAction::triggered, this, [this] { m_sortCombo->setCurrentIndex(0); });
    view->addAction(leastConfident);
    QAction* sortName = makeAction(QStringLiteral("actionSortName"), tr("Sort by &name"), {QKeySequence(tr("Ctrl+Shift+N"))});
    connect(sortName, &QAction::triggered, this, [this] { m_sortCombo->setCurrentIndex(1); });
    view->addAction(sortName);
    QAction* sortDate = makeAction(QStringLiteral("actionSortDate"), tr("Sort by &date (newest first)"), {QKeySequence(tr("Ctrl+Shift+E"))});
    connect(sortDate, &QAction::triggered, this, [this] { m_sortCombo->setCurrentIndex(2); });
    view->addAction(sortDate);
    QAction* resort = makeAction(QStringLiteral("actionResort"), tr("Re-&sort now"), {QKeySequence(Qt::Key_F5)});
    connect(resort, &QAction::triggered, this, &MainWindow::resortGallery);
    view->addAction(resort);
    view->addSeparator();
    m_darkAction = makeAction(QStringLiteral("actionDarkTheme"), tr("&Dark theme"), {QKeySequence(tr("Ctrl+Shift+D"))});
    m_darkAction->setCheckable(true);
    connect(m_darkAction, &QAction::toggled, this, &MainWindow::setDarkTheme);
    view->addAction(m_darkAction);

    // Training
    QMenu* training = menuBar()->addMenu(tr("&Training"));
    QAction* start = makeAction(QStringLiteral("actionTrain"), tr("&Start fine-tuning"), {QKeySequence(tr("Ctrl+T"))});
    connect(start, &QAction::triggered, this, [this] {
        if (!m_dashboard)
            return;
        if (m_dashboard->startTraining())
            say(tr("Fine-tuning started"));
        else
            say(tr("A training run is already going"));
    });
    QAction* cancel = makeAction(QStringLiteral("actionCancelTraining"), tr("&Cancel fine-tuning"), {QKeySequence(tr("Ctrl+Shift+T"))});
    connect(cancel, &QAction::triggered, this, [this] {
        if (m_dashboard)
            m_dashboard->cancelTraining();
    });
    QAction* rollback = makeAction(QStringLiteral("actionRollback"), tr("&Roll back the model"), {QKeySequence(tr("Ctrl+Shift+R"))});
    connect(rollback, &QAction::triggered, this, [this] {
        if (m_history)
            m_history->rollback();
    });
    for (QAction* a : {start, cancel, rollback})
        a->setEnabled(false); // until the model is loaded
    training->addAction(start);
    training->addAction(cancel);
    training->addSeparator();
    training->addAction(rollback);

    // Help
    QMenu* help = menuBar()->addMenu(tr("&Help"));
    QAction* keys = makeAction(QStringLiteral("actionShortcuts"), tr("&Keyboard shortcuts"), {QKeySequence(Qt::Key_F1)});
    connect(keys, &QAction::triggered, this, &MainWindow::showShortcuts);
    QAction* about = makeAction(QStringLiteral("actionAbout"), tr("&About PetCurator"));
    about->setMenuRole(QAction::AboutRole);
    connect(about, &QAction::triggered, this, &MainWindow::showAbout);
    help->addAction(keys);
    help->addAction(about);
}

void MainWindow::buildStatusBar()
{
    m_importProgress = new TaskProgress(statusBar());
    m_importProgress->setObjectName(QStringLiteral("importProgress"));
    m_exportProgress = new TaskProgress(statusBar());
    m_exportProgress->setObjectName(QStringLiteral("exportProgress"));
    m_exportProgress->cancelButton()->setAccessibleName(tr("Cancel export"));
    m_statusPredicting = new QLabel(statusBar());
    m_statusPredicting->hide();
    m_statusIssues = new QToolButton(statusBar());
    m_statusIssues->setAutoRaise(true);
    m_statusIssues->setToolTip(tr("Files that could not be used (Ctrl+R)"));
    m_statusIssues->setAccessibleName(tr("Show the import report"));
    m_statusIssues->hide();
    m_statusTraining = new QLabel(statusBar());
    m_statusTraining->setObjectName(QStringLiteral("statusTraining"));
    // Fixed widths: a changing count must not re-layout the status bar on every update.
    const int ex = fontMetrics().horizontalAdvance(QLatin1Char('x'));
    m_statusTraining->setMinimumWidth(ex * 30);
    m_statusPredicting->setMinimumWidth(ex * 20);
    m_statusModel = new QLabel(statusBar());
    m_statusModel->setObjectName(QStringLiteral("statusModel"));
    // Team server sync (issue 7): its own thread; the indicator shows what it knows.
    m_sync = new SyncService(m_workspace, this);
    connect(m_sync, &SyncService::labelsArrived, this, [this] { reloadGallery(false); });
    statusBar()->addPermanentWidget(new SyncStatusIndicator(m_sync, statusBar()));
    statusBar()->addPermanentWidget(m_importProgress);
    statusBar()->addPermanentWidget(m_exportProgress);
    statusBar()->addPermanentWidget(m_statusPredicting);
    statusBar()->addPermanentWidget(m_statusIssues);
    statusBar()->addPermanentWidget(m_statusTraining);
    statusBar()->addPermanentWidget(m_statusModel);
    connect(m_statusIssues, &QToolButton::clicked, this, [this] {
        m_report->show();
        m_report->raise();
        m_report->activateWindow();
    });
    connect(m_report, &ImportReportView::issuesChanged, this, [this](int n) {
        m_statusIssues->setVisible(n > 0);
        m_statusIssues->setText(tr("⚠ %n skipped", nullptr, n));
    });
}

// ---------------------------------------------------------------- gallery

void MainWindow::reloadGallery(bool selectNew)
{
    m_reloadSelectNew = m_reloadSelectNew || selectNew;
    if (m_reloading) {
        m_reloadAgain = true;
        return;
    }
    m_reloading = true;
    const bool select = m_reloadSelectNew;
    m_reloadSelectNew = false;
    auto workspace = m_workspace;
    runInBackground(&m_io, this, [workspace] { return loadGalleryItems(*workspace); },
                    [this, select](Expected<std::vector<GalleryItem>> items) {
                        // A database that can't answer keeps the gallery as it was and says so:
                        // it must not look like an empty workspace.
                        if (items)
                            galleryReady(std::move(items).value(), select);
                        else
                            say(tr("Cannot read the workspace: %1").arg(items.error().message), 0);
                        m_reloading = false;
                        if (m_reloadAgain) {
                            m_reloadAgain = false;
                            reloadGallery(false);
                        }
                    });
}

void MainWindow::galleryReady(std::vector<GalleryItem> items, bool selectNew)
{
    const bool first = !m_galleryLoaded;
    const QVector<qint64> added = m_gallery->merge(std::move(items));
    m_galleryLoaded = true;
    updateEmptyState();
    // Bring every row up to the live model: new images, and on the first load any stale ones.
    if (m_predictions)
        bringPredictionsUpToDate(stalePredictions());
    if (selectNew && !added.isEmpty())
        showNewImages(added);
    else if (!m_view->currentIndex().isValid())
        if (const qint64 id = m_filter->imageIdAt(0))
            selectImage(id);
    if (first)
        Q_EMIT galleryLoaded(m_gallery->rowCount());
    checkIdle();
    refreshNearDuplicates();
}

void MainWindow::showNewImages(const QVector<qint64>& added)
{
    m_filter->setJustAdded(QSet<qint64>(added.begin(), added.end()));
    // A filter that hides all of them (another breed, a search, a matrix cell…) gives way to "Just added".
    const bool anyVisible = std::any_of(added.begin(), added.end(), [this](qint64 id) { return m_filter->proxyRowOf(id) >= 0; });
    if (!anyVisible) {
        clearImageSetFilter();
        m_breedCombo->setCurrentIndex(0);
        m_search->clear();
        m_filter->setSearchText({});
        m_showCombo->setCurrentIndex(m_showCombo->findData(int(GalleryFilterModel::Show::JustAdded)));
    }
    selectImages(added);
}

void MainWindow::clearImageSetFilter()
{
    m_filter->clearImageSet();
    m_setChip->hide();
}

void MainWindow::resortGallery()
{
    // The selection goes through the re-sort as image ids. Left to the models, each selected row
    // becomes a persistent index that the re-sort saves and maps back: 10,000 of them after a big
    // import, half of a 36 ms re-sort (perf, 10,692 rows).
    QVector<qint64> selected;
    for (const QItemSelectionRange& range : m_view->selectionModel()->selection())
        for (int row = range.top(); row <= range.bottom(); ++row)
            selected << m_filter->imageIdAt(row);
    m_view->selectionModel()->clearSelection();
    m_filter->resort();
    m_view->selectionModel()->select(selectionOfRows(rowsOf(selected)), QItemSelectionModel::Select);
    if (m_view->currentIndex().isValid())
        m_view->scrollTo(m_view->currentIndex());
}

QVector<qint64> MainWindow::stalePredictions() const
{
    QVector<qint64> stale;
    const QString live = m_predictions->activeVersion();
    for (const GalleryItem& it : m_gallery->items())
        if ((!it.hasPrediction() || it.model != live) && !m_unpredictable.contains(it.id))
            stale << it.id;
    return stale;
}

void MainWindow::bringPredictionsUpToDate(const QVector<qint64>& ids)
{
    if (ids.isEmpty())
        return;
    QVector<ImageRef> refs;
    refs.reserve(ids.size());
    for (qint64 id : ids)
        if (const GalleryItem* it = m_gallery->find(id))
            refs.append(ImageRef{it->id, it->sha256});
    m_predictions->refresh(refs);
}

void MainWindow::onPredicted(const QVector<GalleryModel::PredictionUpdate>& batch)
{
    m_gallery->applyPredictions(batch);
}

void MainWindow::updateCount()
{
    const int total = m_gallery->rowCount();
    const int shown = m_filter->rowCount();
    m_countLabel->setText(shown == total ? tr("%n image(s)", nullptr, total) : tr("%1 of %n image(s)", nullptr, total).arg(shown));
}

void MainWindow::updateEmptyState()
{
    QWidget* page = m_gallery->rowCount() > 0 ? m_reviewPage : static_cast<QWidget*>(m_welcome);
    if (m_reviewStack->currentWidget() != page) {
        const bool hadFocus = m_welcome->isAncestorOf(QApplication::focusWidget()) || !QApplication::focusWidget();
        m_reviewStack->setCurrentWidget(page);
        if (page == m_reviewPage && hadFocus)
            m_view->setFocus();
    }
    updateCount();
}

qint64 MainWindow::currentImageId() const
{
    const QModelIndex i = m_view->currentIndex();
    return i.isValid() ? i.data(GalleryModel::ImageIdRole).toLongLong() : 0;
}

const GalleryItem* MainWindow::currentItem() const { return m_gallery->find(currentImageId()); }

bool MainWindow::selectImage(qint64 imageId)
{
    const int row = m_filter->proxyRowOf(imageId);
    if (row < 0)
        return false;
    const QModelIndex i = m_filter->index(row, 0);
    m_view->selectionModel()->setCurrentIndex(i, QItemSelectionModel::ClearAndSelect);
    m_view->scrollTo(i);
    return true;
}

// Runs of neighbouring rows as one range each: the view asks "is this selected?" for every tile
// it paints, and that walks the ranges (one per image made each repaint O(images)).
QItemSelection MainWindow::selectionOfRows(std::vector<int> rows) const
{
    std::sort(rows.begin(), rows.end());
    QItemSelection selection;
    for (size_t start = 0, end = 0; start < rows.size(); start = end) {
        for (end = start + 1; end < rows.size() && rows[end] <= rows[end - 1] + 1; ++end) {
        }
        selection.select(m_filter->index(rows[start], 0), m_filter->index(rows[end - 1], 0));
    }
    return selection;
}

std::vector<int> MainWindow::rowsOf(const QVector<qint64>& imageIds) const
{
    std::vector<int> rows;
    rows.reserve(size_t(imageIds.size()));
    for (qint64 id : imageIds)
        if (const int row = m_filter->proxyRowOf(id); row >= 0)
            rows.push_back(row);
    return rows;
}

bool MainWindow::selectImages(const QVector<qint64>& imageIds)
{
    // All of those shown, the first one (in the gallery's order) current and in view.
    const std::vector<int> rows = rowsOf(imageIds);
    if (rows.empty())
        return false;
    const QModelIndex first = m_filter->index(*std::min_element(rows.begin(), rows.end()), 0);
    m_view->selectionModel()->setCurrentIndex(first, QItemSelectionModel::NoUpdate);
    m_view->selectionModel()->select(selectionOfRows(rows), QItemSelectionModel::ClearAndSelect);
    m_view->scrollTo(first);
    return true;
}

void MainWindow::onCurrentChanged()
{
    m_detail->setItem(currentItem());
}

void MainWindow::nextImage(int step)
{
    if (m_reviewStack->currentWidget() != m_reviewPage)
        return;
    const int row = m_view->currentIndex().isValid() ? m_view->currentIndex().row() : -1;
    const int next = std::clamp(row + step, 0, std::max(0, m_filter->rowCount() - 1));
    if (const qint64 id = m_filter->imageIdAt(next))
        selectImage(id);
}

// ---------------------------------------------------------------- labelling

void MainWindow::acceptSuggestion(int index)
{
    const GalleryItem* it = currentItem();
    if (!it) {
        say(tr("Select an image first"));
        return;
    }
    if (index < 0 || size_t(index) >= it->top.size()) {
        say(it->hasPrediction() ? tr("There is no suggestion %1 for this image").arg(index + 1) : tr("No prediction yet for this image"));
        return;
    }
    labelCurrent(it->top[size_t(index)].label);
}

void MainWindow::labelCurrent(const QString& breedId)
{
    const GalleryItem* it = currentItem();
    if (!it || BreedCatalog::oxford().indexOf(breedId) < 0)
        return;
    const qint64 id = it->id;
    // Where to go next, decided before the label may move or hide this row.
    const int row = m_filter->proxyRowOf(id);
    qint64 nextId = m_filter->imageIdAt(row + 1);
    if (nextId == 0)
        nextId = m_filter->imageIdAt(row - 1);
    SetLabelCommand::PreviousLabel previous{it->label, it->labelOrigin, it->labelStatus};
    m_undo->push(new SetLabelCommand(m_writer, m_gallery, id, it->name, breedId, AppSettings::curatorName(), previous));
    say(tr("%1 → %2").arg(m_gallery->find(id)->name, breedDisplayName(breedId)), 3000);
    if (AppSettings::advanceAfterLabel() && nextId != 0)
        selectImage(nextId);
    else if (m_filter->proxyRowOf(id) >= 0)
        selectImage(id);
    else if (nextId != 0)
        selectImage(nextId);
}

void MainWindow::confirmAndNext()
{
    const GalleryItem* it = currentItem();
    if (!it)
        return;
    // Enter on a label the model disagrees with (or one pending review) confirms it as the curator's.
    const bool needsLabel = it->label.isEmpty() || it->labelStatus == ReviewStatus::Pending || it->status() == TileStatus::Disagreeing;
    if (needsLabel) {
        const QString breed = !it->label.isEmpty() ? it->label : (it->hasPrediction() ? it->top.front().label : QString());
        if (breed.isEmpty()) {
            say(tr("No prediction yet: pick a breed (type its name)"));
            return;
        }
        const bool advance = AppSettings::advanceAfterLabel();
        const int row = m_filter->proxyRowOf(it->id);
        qint64 nextId = m_filter->imageIdAt(row + 1);
        labelCurrent(breed);
        if (!advance && nextId != 0)
            selectImage(nextId);
        return;
    }
    nextImage(1);
}

void MainWindow::openBreedPicker(const QString& typed)
{
    const GalleryItem* it = currentItem();
    if (!it) {
        say(tr("Select an image first"));
        return;
    }
    QHash<QString, float> hints;
    for (const Guess& g : it->top)
        hints.insert(g.label, g.p);
    m_picker->openFor(it->name, typed, hints);
}

void MainWindow::onLabelState(qint64 imageId, bool hasLabel, const LabelEvent& current, const QVector<LabelEvent>& history)
{
    // Only the last queued write is authoritative: earlier ones would flicker back.
    if (m_writer->pending() <= 1) {
        if (hasLabel)
            m_gallery->setLabel(imageId, current.breed, current.origin, current.status);
        else
            m_gallery->clearLabel(imageId);
    }
    m_detail->setHistory(imageId, history);
}

// ---------------------------------------------------------------- intake

QStringList MainWindow::pathsFromMime(const QMimeData* mime, bool* hasImage) const
{
    QStringList paths;
    if (mime->hasUrls()) {
        for (const QUrl& url : mime->urls())
            if (url.isLocalFile())
                paths << url.toLocalFile();
    } else if (mime->hasText()) {
        for (const QString& line : mime->text().split(QLatin1Char('\n'), Qt::SkipEmptyParts)) {
            const QString t = line.trimmed();
            const QUrl url(t);
            if (url.isLocalFile())
                paths << url.toLocalFile();
            else if (QFileInfo::exists(t))
                paths << t;
        }
    }
    if (hasImage)
        *hasImage = mime->hasImage();
    return paths;
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event)
{
    bool image = false;
    if (!pathsFromMime(event->mimeData(), &image).isEmpty() || image) {
        event->acceptProposedAction();
        say(tr("Drop to import"), 2000);
    }
}

void MainWindow::dragMoveEvent(QDragMoveEvent* event)
{
    event->acceptProposedAction();
}

void MainWindow::dragLeaveEvent(QDragLeaveEvent* event)
{
    statusBar()->clearMessage();
    QMainWindow::dragLeaveEvent(event);
}

void MainWindow::dropEvent(QDropEvent* event)
{
    bool image = false;
    const QStringList paths = pathsFromMime(event->mimeData(), &image);
    if (!paths.isEmpty()) {
        intake(paths, QStringLiteral("drop"));
    } else if (image) {
        const QImage img = qvariant_cast<QImage>(event->mimeData()->imageData());
        const QString dir = QStandardPaths::writableLocation(QStandardPaths::TempLocation);
        const QString path = QDir(dir).filePath(QStringLiteral("petcurator-drop-%1.png").arg(QDateTime::currentMSecsSinceEpoch()));
        if (!img.isNull() && img.save(path))
            intake({path}, QStringLiteral("drop"));
    } else {
        return;
    }
    event->acceptProposedAction();
}

void MainWindow::intake(const QStringList& paths, const QString& source)
{
    if (paths.isEmpty())
        return;
    m_imports->importFiles(paths, source);
}

void MainWindow::importOxford(const QString& dir)
{
    m_imports->importOxford(dir);
}

void MainWindow::importFolderPerClass(const QString& dir)
{
    m_imports->importFolderPerClass(dir);
}

void MainWindow::openFiles()
{
    const QStringList files = QFileDialog::getOpenFileNames(
        this, tr("Open images"), QStandardPaths::writableLocation(QStandardPaths::PicturesLocation),
        tr("Images (*.jpg *.jpeg *.png *.bmp *.tif *.tiff *.webp *.gif);;All files (*)"));
    if (!files.isEmpty())
        intake(files, QStringLiteral("files"));
}

void MainWindow::pasteFromClipboard()
{
    // A focused text field pastes text, not images.
    if (qobject_cast<QLineEdit*>(QApplication::focusWidget())) {
        static_cast<QLineEdit*>(QApplication::focusWidget())->paste();
        return;
    }
    const QMimeData* mime = QApplication::clipboard()->mimeData();
    if (!mime)
        return;
    bool image = false;
    const QStringList paths = pathsFromMime(mime, &image);
    if (!paths.isEmpty()) {
        intake(paths, QStringLiteral("paste"));
        return;
    }
    if (image) {
        const QImage img = qvariant_cast<QImage>(mime->imageData());
        const QString dir = QStandardPaths::writableLocation(QStandardPaths::TempLocation);
        const QString path = QDir(dir).filePath(QStringLiteral("petcurator-paste-%1.png").arg(QDateTime::currentMSecsSinceEpoch()));
        if (!img.isNull() && img.save(path)) {
            intake({path}, QStringLiteral("paste"));
            return;
        }
    }
    say(tr("Nothing to paste: copy image files or an image first"));
}

void MainWindow::onImportFinished(const QString& title, const ImportReport& report)
{
    QString text = tr("%n added", nullptr, report.added);
    if (report.cancelled)
        text = tr("Import cancelled: %1").arg(text);
    if (report.duplicates > 0)
        text += tr(", %n already there", nullptr, report.duplicates);
    if (report.labelled > 0)
        text += tr(", %n label(s)", nullptr, report.labelled);
    if (report.skipped > 0 || !report.issues.isEmpty()) {
        text += tr(", %n skipped (see the import report)", nullptr, int(std::max<qsizetype>(report.skipped, report.issues.size())));
        m_report->addIssues(title, report.issues);
        m_report->reveal();
    }
    say(text, 8000);
    reloadGallery(true);
}

// ---------------------------------------------------------------- export

void MainWindow::openExportDialog()
{
    if (m_exports->isBusy()) {
        say(tr("An export is already running: cancel it in the status bar first"));
        return;
    }
    auto* dialog = new ExportDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog] {
        const QString dir = dialog->outputDir();
        if (!m_exports->start(dir, dialog->options())) {
            say(tr("An export is already running: cancel it in the status bar first"));
            return;
        }
        m_exportProgress->setProgress(tr("Exporting to %1").arg(QDir::toNativeSeparators(dir)), 0, 0);
        say(tr("Exporting to %1…").arg(QDir::toNativeSeparators(dir)), 0);
    });
    dialog->open();
}

void MainWindow::onExportFinished(const ExportReport& report)
{
    m_exportProgress->finish();
    const QString dir = QDir::toNativeSeparators(m_exports->outputDir());
    if (report.cancelled) {
        say(tr("Export cancelled: nothing it wrote was left in %1").arg(dir), 10000);
    } else {
        say(tr("Exported %n image(s) to %1; left out: %2 unlabelled, %3 removed, %4 by the filters", nullptr, report.exported)
                .arg(dir)
                .arg(report.unlabelled)
                .arg(report.removed)
                .arg(report.filteredOut),
            10000);
    }
    checkIdle();
}

// ---------------------------------------------------------------- near-duplicates

// Asked again when images arrived that the last scan did not see, or the threshold changed (never on
// a timer), and only once the predictions are done: their centre embeddings are in memory then.
void MainWindow::refreshNearDuplicates()
{
    if (!m_nearDuplicates || !m_predictions || !m_galleryLoaded || !m_predictions->isIdle())
        return;
    const float threshold = AppSettings::nearDuplicateThreshold();
    bool news = threshold != m_nearDuplicatesThreshold;
    QVector<ImageRef> images;
    images.reserve(qsizetype(m_gallery->items().size()));
    for (const GalleryItem& it : m_gallery->items()) {
        images.append({it.id, it.sha256});
        news = news || !m_nearDuplicatesScanned.contains(it.id);
    }
    if (!news)
        return;
    for (const ImageRef& r : std::as_const(images))
        m_nearDuplicatesScanned.insert(r.id);
    m_nearDuplicatesThreshold = threshold;
    if (images.size() < 2) {
        m_gallery->setNearDuplicates({}, threshold); // nothing to compare
        return;
    }
    m_nearDuplicates->scan(images, threshold);
}

void MainWindow::compareNearDuplicates()
{
    const GalleryItem* it = currentItem();
    if (!it) {
        say(tr("Select an image first"));
        return;
    }
    const QVector<NearDuplicateImages> pairs = m_gallery->nearDuplicatePairsAround(it->id);
    if (pairs.isEmpty() || !m_groups) {
        say(tr("%1 has no near-duplicate").arg(it->name));
        return;
    }
    m_groups->showNearDuplicates(pairs, m_gallery->nearDuplicateThreshold());
    showView(View::Groups);
}

// ---------------------------------------------------------------- models

void MainWindow::onActiveModelChanged(const QString& version)
{
    if (version == m_liveVersion && m_predictions->activeVersion() == version) {
        updateModelStatus();
        return;
    }
    m_liveVersion = version;
    updateModelStatus();
    say(tr("Model %1 is live: refreshing the predictions on screen").arg(version), 10000);
    QVector<qint64> stale;
    for (const GalleryItem& it : m_gallery->items())
        if (it.model != version && !m_unpredictable.contains(it.id))
            stale << it.id;
    bringPredictionsUpToDate(stale);
    m_dashboard->evaluateActiveModel();
    m_history->reload();
}

void MainWindow::updateModelStatus()
{
    if (!m_loop) {
        m_statusModel->setText(tr("Model: loading…"));
        m_statusModel->setToolTip(tr("The pretrained network is being loaded; the gallery works meanwhile"));
        return;
    }
    const QString v = m_loop->activeVersion();
    m_statusModel->setText(tr("Model: %1").arg(v));
    const QString model = v == QLatin1String("zero-shot") ? tr("Zero-shot head: ImageNet classes mapped to 25 breeds")
                                                          : tr("Active model version %1").arg(v);
    m_statusModel->setToolTip(m_backbone ? tr("%1; backbone computing in %2").arg(model, precisionName(m_backbone->precision())) : model);
}

QString MainWindow::statusModelText() const { return m_statusModel->text(); }
QString MainWindow::statusTrainingText() const { return m_statusTraining->text(); }

// ---------------------------------------------------------------- views, settings

void MainWindow::showView(View view)
{
    m_tabs->setCurrentIndex(int(view));
}

MainWindow::View MainWindow::currentView() const { return View(m_tabs->currentIndex()); }

void MainWindow::setDarkTheme(bool dark)
{
    Theme::applyDark(dark);
    AppSettings::setDarkTheme(dark);
    if (m_darkAction->isChecked() != dark) {
        const QSignalBlocker block(m_darkAction);
        m_darkAction->setChecked(dark);
    }
    m_view->updateGrid();
    m_view->viewport()->update();
}

void MainWindow::showImageSet(const QSet<qint64>& ids, const QString& caption)
{
    m_filter->setImageSet(ids, caption);
    m_showCombo->setCurrentIndex(0);
    m_breedCombo->setCurrentIndex(0);
    m_search->clear();
    m_filter->setSearchText({});
    m_setChipLabel->setText(tr("<b>%n image(s)</b>: %1", nullptr, int(ids.size())).arg(caption.toHtmlEscaped()));
    m_setChip->show();
    showView(View::Review);
    if (const qint64 id = m_filter->imageIdAt(0))
        selectImage(id);
    m_view->setFocus();
}

void MainWindow::applySettings()
{
    if (m_scheduler) {
        m_scheduler->setRules(AppSettings::autoTrainRules());
        m_scheduler->setIncrementalOnCorrection(AppSettings::incrementalOnCorrection());
    }
    const int threads = AppSettings::effectiveThreads();
    Backbone::setThreads(threads);
    if (m_predictions)
        m_predictions->setWorkers(threads);
    if (AppSettings::darkTheme() != Theme::isDarkActive())
        setDarkTheme(AppSettings::darkTheme());
    const QSignalBlocker block(m_darkAction);
    m_darkAction->setChecked(Theme::isDarkActive());
    refreshNearDuplicates(); // the threshold may have changed
}

void MainWindow::showPreferences()
{
    auto* dialog = new PreferencesDialog(this);
    dialog->setOpenWorkspace(m_workspace->dir());
    dialog->setWorkspace(m_workspace);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &PreferencesDialog::settingsChanged, this, [this] {
        applySettings();
        if (m_dashboard)
            m_dashboard->trainingPolicyChanged();
        say(tr("Preferences saved"));
    });
    dialog->open();
}

void MainWindow::showAbout()
{
    if (!m_loop) {
        say(tr("The model is still loading"));
        return;
    }
    auto* dialog = new AboutDialog(m_backbone.get(), m_loop->activeVersion(), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->open();
}

void MainWindow::showShortcuts()
{
    auto* dialog = new ShortcutsDialog(menuBar(), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->open();
}

void MainWindow::say(const QString& message, int ms)
{
    m_lastMessage = message;
    statusBar()->showMessage(message, ms);
}

// ---------------------------------------------------------------- image management

QVector<qint64> MainWindow::selectedImageIds() const
{
    QVector<qint64> ids;
    for (const QModelIndex& i : m_view->selectionModel()->selectedIndexes())
        ids << i.data(GalleryModel::ImageIdRole).toLongLong();
    if (ids.isEmpty() && currentImageId() != 0)
        ids << currentImageId();
    return ids;
}

void MainWindow::removeSelectedImages()
{
    const QVector<qint64> ids = selectedImageIds();
    if (ids.isEmpty()) {
        say(tr("Select an image first"));
        return;
    }
    // Where to go afterwards: the first row after the selection that stays.
    const QSet<qint64> leaving(ids.begin(), ids.end());
    int lastRow = -1;
    for (qint64 id : ids)
        lastRow = std::max(lastRow, m_filter->proxyRowOf(id));
    qint64 nextId = 0;
    for (int r = lastRow + 1; r < m_filter->rowCount() && nextId == 0; ++r)
        if (!leaving.contains(m_filter->imageIdAt(r)))
            nextId = m_filter->imageIdAt(r);
    for (int r = lastRow - 1; r >= 0 && nextId == 0; --r)
        if (!leaving.contains(m_filter->imageIdAt(r)))
            nextId = m_filter->imageIdAt(r);
    auto* command = new RemoveImagesCommand(m_writer, m_gallery, ids);
    const QString what = command->text();
    m_undo->push(command);
    say(tr("%1 (Ctrl+Z brings it back)").arg(what), 6000);
    if (nextId != 0)
        selectImage(nextId);
    updateEmptyState();
}

void MainWindow::showUndoRedo(bool undone)
{
    const QUndoCommand* command = m_undo->command(undone ? m_undo->index() : m_undo->index() - 1);
    const auto* curation = dynamic_cast<const CurationCommand*>(command);
    if (!curation)
        return;
    updateEmptyState();
    say((undone ? tr("Undid: %1") : tr("Redid: %1")).arg(curation->change(undone)), 6000);
    selectImages(curation->imageIds()); // nothing when they are gone again or filtered out
}

void MainWindow::showTileMenu(const QPoint& at)
{
    const QModelIndex index = m_view->indexAt(at);
    if (!index.isValid())
        return;
    // Right-click on a tile outside the selection acts on that tile alone, as in file managers.
    if (!m_view->selectionModel()->isSelected(index))
        m_view->selectionModel()->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect);
    else
        m_view->selectionModel()->setCurrentIndex(index, QItemSelectionModel::NoUpdate);
    const GalleryItem* it = currentItem();
    if (!it)
        return;
    QMenu menu(this);
    menu.setObjectName(QStringLiteral("tileMenu"));
    QMenu* label = menu.addMenu(tr("&Label as"));
    for (size_t i = 0; i < it->top.size(); ++i) {
        const QString breed = it->top[i].label;
        QAction* a = label->addAction(tr("&%1  %2").arg(i + 1).arg(it->top[i].name), this, [this, breed] { labelCurrent(breed); });
        a->setObjectName(QStringLiteral("tileLabel%1").arg(i + 1));
    }
    if (!it->top.empty())
        label->addSeparator();
    label->addAction(action(QStringLiteral("actionPick")));
    menu.addAction(action(QStringLiteral("actionZoom")));
    if (m_gallery->nearDuplicateGroup(it->id) != 0)
        menu.addAction(action(QStringLiteral("actionCompareNearDuplicates")));
    menu.addSeparator();
    menu.addAction(action(QStringLiteral("actionOpenLocation")));
    menu.addAction(action(QStringLiteral("actionCopyPath")));
    menu.addSeparator();
    menu.addAction(action(QStringLiteral("actionRemove")));
    menu.exec(m_view->viewport()->mapToGlobal(at));
}

QString MainWindow::currentFilePath() const
{
    const GalleryItem* it = currentItem();
    if (!it)
        return {};
    // The original when it is still there, else our stored copy (always there).
    return !it->originalPath.isEmpty() && QFileInfo::exists(it->originalPath) ? it->originalPath
                                                                                : m_workspace->storedImagePath(it->sha256);
}

void MainWindow::copyCurrentPath()
{
    const QString path = currentFilePath();
    if (path.isEmpty()) {
        say(tr("Select an image first"));
        return;
    }
    QApplication::clipboard()->setText(QDir::toNativeSeparators(path));
    say(tr("Copied %1").arg(QDir::toNativeSeparators(path)), 4000);
}

void MainWindow::openCurrentLocation()
{
    const QString path = currentFilePath();
    if (path.isEmpty()) {
        say(tr("Select an image first"));
        return;
    }
    const QString folder = QFileInfo(path).absolutePath();
    if (!QDesktopServices::openUrl(QUrl::fromLocalFile(folder)))
        say(tr("No file manager could open %1").arg(QDir::toNativeSeparators(folder)), 8000);
}

void MainWindow::openImageViewer()
{
    const GalleryItem* it = currentItem();
    if (!it) {
        say(tr("Select an image first"));
        return;
    }
    auto* viewer = new ImageViewerDialog(m_workspace->storedImagePath(it->sha256), it->name, &m_io, this);
    viewer->show();
}

// ---------------------------------------------------------------- state

int MainWindow::pendingPredictions() const { return m_predictions ? m_predictions->pending() : 0; }

bool MainWindow::isIdle() const
{
    return m_galleryLoaded && !m_reloading && m_predictions && !m_imports->isBusy() && m_predictions->isIdle()
           && m_writer->pending() == 0
           && !(m_exports && m_exports->isBusy());
}

bool MainWindow::checkIdle()
{
    const bool idle = isIdle();
    if (idle && !m_wasIdle)
        Q_EMIT becameIdle();
    m_wasIdle = idle;
    return idle;
}

void MainWindow::waitForLabelWrites()
{
    m_writer->waitForIdle();
}

// ---------------------------------------------------------------- events

bool MainWindow::eventFilter(QObject* watched, QEvent* event)
{
    if (watched == m_search && event->type() == QEvent::KeyPress) {
        auto* key = static_cast<QKeyEvent*>(event);
        if (key->key() == Qt::Key_Escape || key->key() == Qt::Key_Return || key->key() == Qt::Key_Enter || key->key() == Qt::Key_Down) {
            if (key->key() == Qt::Key_Escape) {
                m_search->clear();
                m_filter->setSearchText({});
            } else {
                m_searchDebounce->stop();
                m_filter->setSearchText(m_search->text());
            }
            if (!m_view->currentIndex().isValid())
                if (const qint64 id = m_filter->imageIdAt(0))
                    selectImage(id);
            m_view->setFocus();
            return true;
        }
    }
    return QMainWindow::eventFilter(watched, event);
}

void MainWindow::showEvent(QShowEvent* event)
{
    QMainWindow::showEvent(event);
    if (!m_shownOnce) {
        m_shownOnce = true;
        const int w = std::max(m_reviewSplit->width(), width());
        m_reviewSplit->setSizes({w * 62 / 100, w * 38 / 100});
    }
    m_thumbs->setEdge(m_view->thumbnailDevicePixels());
    const QByteArray state = AppSettings::windowState();
    if (!state.isEmpty())
        restoreState(state);
    if (m_reviewStack->currentWidget() == m_reviewPage)
        m_view->setFocus();
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    AppSettings::setWindow(saveGeometry(), saveState());
    m_imports->cancel();
    if (m_loop && m_loop->isBusy())
        m_loop->cancel();
    m_report->close();
    QMainWindow::closeEvent(event);
}

} // namespace pc
