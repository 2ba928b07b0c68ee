// The desktop app end to end, offscreen, with real widgets, a real workspace, the real backbone and
// real sample photos: drops, keyboard labelling with undo/redo that survives a reopen, the breed
// picker, and bad files that end up in the import report instead of dialogs or crashes.
#include "AppSettings.h"
#include "GuiTestSupport.h"
#include "WindowSession.h"
#include "review/BreedPicker.h"
#include "review/DetailPanel.h"
#include "gallery/GalleryFilterModel.h"
#include "gallery/GalleryModel.h"
#include "gallery/GalleryView.h"
#include "review/ImageView.h"
#include "review/ImageViewerDialog.h"
#include "intake/ImportReportView.h"
#include "dialogs/ShortcutsDialog.h"
#include "MainWindow.h"
#include "models/ModelHistoryView.h"
#include "training/TrainingDashboard.h"
#include "review/SuggestionBars.h"
#include "TestSupport.h"
#include "intake/WelcomePanel.h"
#include "training/LearningLoop.h"
#include "workspace/Workspace.h"

#include <QApplication>
#include <QContextMenuEvent>
#include <QDir>
#include <QDragEnterEvent>
#include <QFile>
#include <QLineEdit>
#include <QMenu>
#include <QMessageBox>
#include <QMenuBar>
#include <QMimeData>
#include <QScreen>
#include <QScrollBar>
#include <QSettings>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTreeView>
#include <QUndoStack>
#include <QtTest>

using namespace pc;

namespace {

using Session = test::WindowSession;

void drop(QWidget* target, const QStringList& paths)
{
    QMimeData mime;
    QList<QUrl> urls;
    for (const QString& p : paths)
        urls << QUrl::fromLocalFile(p);
    mime.setUrls(urls); // text/uri-list
    QVERIFY(mime.hasFormat(QStringLiteral("text/uri-list")));
    const QPoint at = target->rect().center();
    QDragEnterEvent enter(at, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(target, &enter);
    QVERIFY(enter.isAccepted());
    QDropEvent dropEvent(QPointF(at), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(target, &dropEvent);
    QVERIFY(dropEvent.isAccepted());
}

QStringList threeSamples()
{
    return {test::sampleImage(QStringLiteral("Persian_106.jpg")), test::sampleImage(QStringLiteral("beagle_10.jpg")),
            test::sampleImage(QStringLiteral("Siamese_108.jpg"))};
}

void focusGallery(MainWindow& w)
{
    w.activateWindow();
    QApplication::setActiveWindow(&w);
    w.galleryView()->setFocus();
    QTRY_VERIFY(w.galleryView()->hasFocus());
}

} // namespace

class TestMainWindow : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void dropThreeFilesGivesThreeTilesWithPredictions();
    void keyTwoRelabelsUndoRedoAndSurvivesReopen();
    void undoRestoresThePreviousLabel();
    void enterAndTypeAheadLabelWithoutTheMouse();
    void typeAheadKeepsTheOpeningLetter();
    void newImagesAreSelectedAndShown();
    void undoGoesBackToTheImageAndSaysWhat();
    void confirmingADisagreementReviewsIt();
    void removeFromTheKeyboardAndTheMenuUndoably();
    void detailImageOpensAZoomableView();
    void windowWorksBeforeTheModelIsLoaded();
    void badFilesLandInTheReport();
    void filtersAndViews();
    void shortcutsAreUnambiguous();
    void shortcutsDialogShowsEveryKeyAtOnce();

private:
    QTemporaryDir m_settings;
};

void TestMainWindow::initTestCase()
{
    QVERIFY(m_settings.isValid());
    test::isolateAppSettings(m_settings);
    AppSettings::setAdvanceAfterLabel(true);
    AppSettings::setCuratorName(QStringLiteral("tester"));
    (void)test::backbone();
}

void TestMainWindow::dropThreeFilesGivesThreeTilesWithPredictions()
{
    QTemporaryDir dir;
    Session s(dir.path());
    QTRY_VERIFY(s.w().isGalleryLoaded());
    // An empty workspace welcomes the curator.
    QVERIFY(s.w().welcomePanel()->isVisible());
    QVERIFY(!s.w().galleryView()->isVisible());

    drop(&s.w(), threeSamples());
    QVERIFY(s.waitIdle());
    QCOMPARE(s.w().galleryModel()->rowCount(), 3);
    QVERIFY(s.w().galleryView()->isVisible());
    QVERIFY(!s.w().welcomePanel()->isVisible());
    for (const GalleryItem& it : s.w().galleryModel()->items()) {
        QCOMPARE(int(it.top.size()), 3);
        QCOMPARE(it.model, QStringLiteral("zero-shot")); // predictions work before any training
        QVERIFY(it.ms > 0);
        QVERIFY(it.top[0].p >= it.top[1].p && it.top[1].p >= it.top[2].p);
        QVERIFY(it.label.isEmpty());
    }
    // The tiles show it, and so does the detail panel of the current one.
    QCOMPARE(s.w().galleryFilter()->rowCount(), 3);
    QVERIFY(s.w().currentImageId() != 0);
    QCOMPARE(int(s.w().detailPanel()->suggestions()->suggestions().size()), 3);
    QVERIFY(s.w().detailPanel()->modelText().contains(QStringLiteral("zero-shot")));
    QVERIFY(s.w().detailPanel()->modelText().contains(QStringLiteral("ms")));
    // …and they were stored.
    QCOMPARE(s.workspace->predictions().latestByImage().value().size(), 3);
    QVERIFY(s.w().statusModelText().contains(QStringLiteral("zero-shot")));
}

void TestMainWindow::keyTwoRelabelsUndoRedoAndSurvivesReopen()
{
    QTemporaryDir dir;
    qint64 id = 0;
    QString expected;
    {
        Session s(dir.path());
        drop(&s.w(), threeSamples());
        QVERIFY(s.waitIdle());
        QCOMPARE(s.w().galleryModel()->rowCount(), 3);
        id = s.w().galleryFilter()->imageIdAt(0);
        QVERIFY(s.w().selectImage(id));
        const GalleryItem* item = s.w().galleryModel()->find(id);
        QVERIFY(item && item->top.size() == 3);
        expected = item->top[1].label;
        focusGallery(s.w());

        QTest::keyClick(s.w().galleryView(), Qt::Key_2);
        // At once on screen…
        QCOMPARE(s.w().galleryModel()->find(id)->label, expected);
        QCOMPARE(int(s.w().galleryModel()->find(id)->status()) == int(TileStatus::Unlabelled), false);
        // …then moved on to the next image (keyboard flow)…
        QVERIFY(s.w().currentImageId() != id);
        // …and in the store.
        QTRY_VERIFY(s.workspace->labels().current(id).value().has_value());
        QCOMPARE(s.workspace->labels().current(id).value()->breed, expected);
        QVERIFY(s.workspace->labels().current(id).value()->origin == LabelOrigin::Curator);
        QCOMPARE(s.workspace->labels().current(id).value()->author, QStringLiteral("tester"));

        // Undo and redo through the keyboard.
        focusGallery(s.w());
        QTest::keyClick(s.w().galleryView(), Qt::Key_Z, Qt::ControlModifier);
        QVERIFY(s.w().galleryModel()->find(id)->label.isEmpty());
        s.w().waitForLabelWrites();
        QTRY_VERIFY(!s.workspace->labels().current(id).value().has_value());
        QTest::keyClick(s.w().galleryView(), Qt::Key_Z, Qt::ControlModifier | Qt::ShiftModifier);
        QCOMPARE(s.w().galleryModel()->find(id)->label, expected);
        s.w().waitForLabelWrites();
        QTRY_VERIFY(s.workspace->labels().current(id).value().has_value());
        QCOMPARE(s.workspace->labels().current(id).value()->breed, expected);
        QVERIFY(s.waitIdle());
    }
    // Reopened: the label is still there, in the store and on screen.
    {
        Session s(dir.path());
        QVERIFY(s.waitIdle());
        QVERIFY(s.workspace->labels().current(id).value().has_value());
        QCOMPARE(s.workspace->labels().current(id).value()->breed, expected);
        QCOMPARE(s.w().galleryModel()->find(id)->label, expected);
        // The append-only log kept the undone and redone event.
        QVERIFY(s.workspace->labels().history(id).value().size() >= 1);
    }
}

void TestMainWindow::undoRestoresThePreviousLabel()
{
    QTemporaryDir dir;
    Session s(dir.path());
    drop(&s.w(), threeSamples());
    QVERIFY(s.waitIdle());
    const qint64 id = s.w().galleryFilter()->imageIdAt(1);
    const GalleryItem* item = s.w().galleryModel()->find(id);
    const QString first = item->top[0].label, third = item->top[2].label;
    focusGallery(s.w());
    QVERIFY(s.w().selectImage(id));
    QTest::keyClick(s.w().galleryView(), Qt::Key_1);
    QVERIFY(s.w().selectImage(id));
    QTest::keyClick(s.w().galleryView(), Qt::Key_3);
    QCOMPARE(s.w().galleryModel()->find(id)->label, third);
    s.w().waitForLabelWrites();
    QTRY_COMPARE(s.workspace->labels().current(id).value()->breed, third);
    QCOMPARE(s.w().undoStack()->count(), 2);

    s.w().undoStack()->undo();
    QCOMPARE(s.w().galleryModel()->find(id)->label, first); // the old label, not "unlabelled"
    s.w().waitForLabelWrites();
    QTRY_COMPARE(s.workspace->labels().current(id).value()->breed, first);
    // The history shows both, with the undone one rejected.
    const QVector<LabelEvent> history = s.workspace->labels().history(id).value();
    QCOMPARE(history.size(), 2);
    QVERIFY(history.back().status == ReviewStatus::Rejected);
}

void TestMainWindow::enterAndTypeAheadLabelWithoutTheMouse()
{
    QTemporaryDir dir;
    Session s(dir.path());
    QTemporaryDir folder;
    QStringList files;
    for (const QString& name : {QStringLiteral("Persian_106.jpg"), QStringLiteral("Persian_111.jpg"), QStringLiteral("beagle_10.jpg"),
                                QStringLiteral("beagle_107.jpg"), QStringLiteral("Siamese_108.jpg"), QStringLiteral("Siamese_109.jpg")})
        QVERIFY(QFile::copy(test::sampleImage(name), folder.filePath(name)));
    drop(&s.w(), {folder.path()}); // a whole folder
    QVERIFY(s.waitIdle());
    QCOMPARE(s.w().galleryModel()->rowCount(), 6);
    s.w().galleryFilter()->setOrder(GalleryFilterModel::Order::Name);
    QVERIFY(s.w().selectImage(s.w().galleryFilter()->imageIdAt(0)));
    focusGallery(s.w());

    // Type-ahead: letters open the breed picker; Enter picks and moves on.
    const qint64 first = s.w().currentImageId();
    QTest::keyClick(s.w().galleryView(), Qt::Key_P, Qt::NoModifier);
    QTRY_VERIFY(s.w().breedPicker()->isVisible());
    QTRY_COMPARE(QApplication::activeWindow(), s.w().breedPicker());
    QCOMPARE(s.w().breedPicker()->searchField()->text(), QStringLiteral("p"));
    QTest::keyClicks(s.w().breedPicker()->searchField(), QStringLiteral("ersi"));
    QCOMPARE(s.w().breedPicker()->currentBreed(), QStringLiteral("Persian"));
    QCOMPARE(s.w().breedPicker()->visibleBreedCount(), 1);
    QTest::keyClick(s.w().breedPicker()->searchField(), Qt::Key_Return);
    QTRY_VERIFY(!s.w().breedPicker()->isVisible());
    QCOMPARE(s.w().galleryModel()->find(first)->label, QStringLiteral("Persian"));
    QVERIFY(s.w().currentImageId() != first);

    // Arrow keys in the picker, across the cat/dog groups.
    focusGallery(s.w());
    const qint64 second = s.w().currentImageId();
    QTest::keyClick(s.w().galleryView(), Qt::Key_B);
    QTRY_VERIFY(s.w().breedPicker()->isVisible());
    QTRY_COMPARE(QApplication::activeWindow(), s.w().breedPicker());
    QTest::keyClicks(s.w().breedPicker()->searchField(), QStringLiteral("ea"));
    QCOMPARE(s.w().breedPicker()->currentBreed(), QStringLiteral("beagle"));
    QTest::keyClick(s.w().breedPicker()->searchField(), Qt::Key_Escape); // cancel: nothing changes
    QTRY_VERIFY(!s.w().breedPicker()->isVisible());
    QCOMPARE(s.w().galleryModel()->find(second)->label, QString());

    // Enter confirms the top suggestion of every remaining image, moving on each time.
    focusGallery(s.w());
    for (int i = 0; i < 5; ++i)
        QTest::keyClick(s.w().galleryView(), Qt::Key_Return);
    s.w().waitForLabelWrites();
    QVERIFY(s.waitIdle());
    for (const GalleryItem& it : s.w().galleryModel()->items()) {
        QVERIFY2(!it.label.isEmpty(), qPrintable(it.name));
        QTRY_VERIFY(s.workspace->labels().current(it.id).value().has_value());
    }
    QCOMPARE(s.workspace->labels().currentByImage().value().size(), 6);
}

// As a person types: each key goes to whatever has the focus at that moment. The letter that
// opened the picker must stay in its field (it used to be selected, so the next key replaced it and
// "mai" became "ai", which highlighted British Shorthair).
void TestMainWindow::typeAheadKeepsTheOpeningLetter()
{
    QTemporaryDir dir;
    Session s(dir.path());
    drop(&s.w(), {test::sampleImage(QStringLiteral("Maine_Coon_115.jpg"))});
    QVERIFY(s.waitIdle());
    QCOMPARE(s.w().galleryModel()->rowCount(), 1);
    const qint64 id = s.w().galleryModel()->at(0).id;
    QVERIFY(s.w().selectImage(id));
    focusGallery(s.w());

    for (const Qt::Key key : {Qt::Key_M, Qt::Key_A, Qt::Key_I}) {
        QWidget* target = QApplication::focusWidget();
        QVERIFY(target);
        QTest::keyClick(target, key);
        QTRY_VERIFY(s.w().breedPicker()->isVisible());
        QTRY_COMPARE(QApplication::focusWidget(), static_cast<QWidget*>(s.w().breedPicker()->searchField()));
    }
    QLineEdit* field = s.w().breedPicker()->searchField();
    QCOMPARE(field->text(), QStringLiteral("mai"));
    QVERIFY(!field->hasSelectedText());
    QCOMPARE(field->cursorPosition(), 3);
    QCOMPARE(s.w().breedPicker()->currentBreed(), QStringLiteral("Maine_Coon"));
    QTest::keyClick(QApplication::focusWidget(), Qt::Key_Return);
    QTRY_VERIFY(!s.w().breedPicker()->isVisible());
    QCOMPARE(s.w().galleryModel()->find(id)->label, QStringLiteral("Maine_Coon"));
    s.w().waitForLabelWrites();
    QTRY_VERIFY(s.workspace->labels().current(id).value().has_value());
    QCOMPARE(s.workspace->labels().current(id).value()->breed, QStringLiteral("Maine_Coon"));
}

QList<qint64> selectedIds(MainWindow& w)
{
    QList<qint64> ids;
    for (const QModelIndex& i : w.galleryView()->selectionModel()->selectedIndexes())
        ids << i.data(GalleryModel::ImageIdRole).toLongLong();
    std::sort(ids.begin(), ids.end());
    return ids;
}

void TestMainWindow::newImagesAreSelectedAndShown()
{
    QTemporaryDir dir;
    Session s(dir.path());
    drop(&s.w(), threeSamples());
    QVERIFY(s.waitIdle());
    const QSet<qint64> before = [&] {
        QSet<qint64> ids;
        for (const GalleryItem& it : s.w().galleryModel()->items())
            ids.insert(it.id);
        return ids;
    }();
    // A filter that would hide the new ones: they are shown anyway, through "Just added".
    s.w().galleryFilter()->setShow(GalleryFilterModel::Show::Labelled);
    drop(&s.w(), {test::sampleImage(QStringLiteral("pug_112.jpg")), test::sampleImage(QStringLiteral("samoyed_108.jpg")),
                  test::sampleImage(QStringLiteral("beagle_10.jpg"))}); // the beagle is already there
    QVERIFY(s.waitIdle());
    QCOMPARE(s.w().galleryModel()->rowCount(), 5);
    QList<qint64> added;
    for (const GalleryItem& it : s.w().galleryModel()->items())
        if (!before.contains(it.id))
            added << it.id;
    std::sort(added.begin(), added.end());
    QCOMPARE(added.size(), 2);
    QCOMPARE(selectedIds(s.w()), added);
    QVERIFY(added.contains(s.w().currentImageId()));
    QCOMPARE(s.w().galleryFilter()->show(), GalleryFilterModel::Show::JustAdded);
    QCOMPARE(s.w().galleryFilter()->rowCount(), 2);
    QVERIFY2(s.w().lastStatusMessage().startsWith(QStringLiteral("2 added, 1 already there")), qPrintable(s.w().lastStatusMessage()));
    // The current tile is on screen.
    const QRect tile = s.w().galleryView()->visualRect(s.w().galleryView()->currentIndex());
    QVERIFY(s.w().galleryView()->viewport()->rect().intersects(tile));
    // A re-sort (F5) keeps the selection and the current image, wherever the rows go.
    s.w().galleryFilter()->setShow(GalleryFilterModel::Show::All);
    const qint64 current = s.w().currentImageId();
    const auto orders = {GalleryFilterModel::Order::Name, GalleryFilterModel::Order::NewestFirst, GalleryFilterModel::Order::LeastConfident};
    for (const auto order : orders) {
        s.w().galleryFilter()->setOrder(order);
        s.w().resortGallery();
        QCOMPARE(selectedIds(s.w()), added);
        QCOMPARE(s.w().currentImageId(), current);
    }
}

void TestMainWindow::undoGoesBackToTheImageAndSaysWhat()
{
    QTemporaryDir dir;
    Session s(dir.path());
    drop(&s.w(), threeSamples());
    QVERIFY(s.waitIdle());
    s.w().galleryFilter()->setOrder(GalleryFilterModel::Order::Name);
    const qint64 id = s.w().galleryFilter()->imageIdAt(0);
    QVERIFY(s.w().selectImage(id));
    focusGallery(s.w());
    const QString expected = s.w().galleryModel()->find(id)->top[0].name;
    QTest::keyClick(s.w().galleryView(), Qt::Key_1); // labels, then moves on
    QVERIFY(s.w().currentImageId() != id);
    QTest::keyClick(s.w().galleryView(), Qt::Key_Z, Qt::ControlModifier);
    QCOMPARE(s.w().currentImageId(), id);
    QCOMPARE(s.w().lastStatusMessage(), QStringLiteral("Undid: %1 → unlabelled (%2)").arg(expected, s.w().galleryModel()->find(id)->name));
    QTest::keyClick(s.w().galleryView(), Qt::Key_Space); // move away again
    QTest::keyClick(s.w().galleryView(), Qt::Key_Z, Qt::ControlModifier | Qt::ShiftModifier);
    QCOMPARE(s.w().currentImageId(), id);
    QVERIFY(s.w().lastStatusMessage().startsWith(QStringLiteral("Redid: unlabelled → %1").arg(expected)));
    s.w().waitForLabelWrites();
    QTRY_COMPARE(s.workspace->labels().current(id).value()->breed, s.w().galleryModel()->find(id)->label);
}

void TestMainWindow::confirmingADisagreementReviewsIt()
{
    QTemporaryDir dir;
    Session s(dir.path());
    // A dataset label the model disagrees with: a beagle filed under "keeshond".
    QTemporaryDir folders;
    QVERIFY(QDir(folders.path()).mkpath(QStringLiteral("keeshond")));
    QVERIFY(QFile::copy(test::sampleImage(QStringLiteral("beagle_10.jpg")), folders.filePath(QStringLiteral("keeshond/beagle_10.jpg"))));
    s.w().importFolderPerClass(folders.path());
    QVERIFY(s.waitIdle());
    QCOMPARE(s.w().galleryModel()->rowCount(), 1);
    const qint64 id = s.w().galleryModel()->at(0).id;
    QCOMPARE(s.w().galleryModel()->find(id)->top[0].label, QStringLiteral("beagle"));
    auto* f = s.w().galleryFilter();
    f->setShow(GalleryFilterModel::Show::Disagreements);
    QCOMPARE(f->rowCount(), 1);
    QVERIFY(s.w().selectImage(id));
    focusGallery(s.w());
    QTest::keyClick(s.w().galleryView(), Qt::Key_Return); // "yes, it is a keeshond"
    QCOMPARE(f->rowCount(), 0);
    QCOMPARE(s.w().galleryModel()->find(id)->status(), TileStatus::Labelled);
    s.w().waitForLabelWrites();
    QTRY_VERIFY(s.workspace->labels().current(id).value()->origin == LabelOrigin::Curator);
    QCOMPARE(s.workspace->labels().current(id).value()->breed, QStringLiteral("keeshond"));
    QCOMPARE(s.workspace->labels().history(id).value().size(), 2);
    QVERIFY(s.waitIdle());
    // Reopened: still out of the queue.
    s.w().close();
    Session again(dir.path());
    QVERIFY(again.waitIdle());
    again.w().galleryFilter()->setShow(GalleryFilterModel::Show::Disagreements);
    QCOMPARE(again.w().galleryFilter()->rowCount(), 0);
}

void TestMainWindow::removeFromTheKeyboardAndTheMenuUndoably()
{
    QTemporaryDir dir;
    Session s(dir.path());
    drop(&s.w(), threeSamples());
    QVERIFY(s.waitIdle());
    s.w().galleryFilter()->setOrder(GalleryFilterModel::Order::Name);
    const qint64 id = s.w().galleryFilter()->imageIdAt(1);
    QVERIFY(s.w().selectImage(id));
    focusGallery(s.w());
    QTest::keyClick(s.w().galleryView(), Qt::Key_Delete);
    QCOMPARE(s.w().galleryModel()->rowCount(), 2);
    QVERIFY(!s.w().galleryModel()->find(id));
    QVERIFY(s.w().currentImageId() != 0 && s.w().currentImageId() != id); // on to a neighbour
    s.w().waitForLabelWrites();
    QTRY_VERIFY(s.workspace->isImageRemoved(id).value());
    QCOMPARE(s.workspace->imageCount().value(), 2);
    QVERIFY(QFileInfo::exists(s.workspace->storedImagePath(s.workspace->image(id).value()->sha256))); // nothing lost

    QTest::keyClick(s.w().galleryView(), Qt::Key_Z, Qt::ControlModifier);
    QCOMPARE(s.w().galleryModel()->rowCount(), 3);
    QCOMPARE(s.w().currentImageId(), id);
    QVERIFY(s.w().lastStatusMessage().startsWith(QStringLiteral("Undid: removed")));
    s.w().waitForLabelWrites();
    QTRY_VERIFY(!s.workspace->isImageRemoved(id).value());

    // Two at once, selected with Shift, then the tile's context menu.
    QVERIFY(s.w().selectImage(s.w().galleryFilter()->imageIdAt(0)));
    QTest::keyClick(s.w().galleryView(), Qt::Key_Right, Qt::ShiftModifier);
    QCOMPARE(selectedIds(s.w()).size(), 2);
    QStringList seen;
    QTimer::singleShot(0, this, [&seen] {
        auto* menu = qobject_cast<QMenu*>(QApplication::activePopupWidget());
        if (!menu)
            return;
        for (QAction* a : menu->actions())
            if (!a->isSeparator())
                seen << a->text().remove(QLatin1Char('&'));
        for (QAction* a : menu->actions())
            if (a->objectName() == QLatin1String("actionRemove"))
                a->trigger();
        menu->close();
    });
    const QRect tile = s.w().galleryView()->visualRect(s.w().galleryView()->currentIndex());
    QContextMenuEvent click(QContextMenuEvent::Mouse, tile.center(), s.w().galleryView()->viewport()->mapToGlobal(tile.center()));
    QApplication::sendEvent(s.w().galleryView()->viewport(), &click);
    QVERIFY2(seen.contains(QStringLiteral("Label as")) && seen.contains(QStringLiteral("Open file location"))
                 && seen.contains(QStringLiteral("Copy file path")) && seen.contains(QStringLiteral("Remove from workspace")),
             qPrintable(seen.join(QStringLiteral(", "))));
    QTRY_COMPARE(s.w().galleryModel()->rowCount(), 1);
    s.w().waitForLabelWrites();
    QTRY_COMPARE(s.workspace->imageCount().value(), 1);
    QCOMPARE(s.w().undoStack()->count(), 1); // one undoable step for the two (the undone removal was dropped)
    s.w().undoStack()->undo();
    QCOMPARE(s.w().galleryModel()->rowCount(), 3);
    s.w().waitForLabelWrites();
    QTRY_COMPARE(s.workspace->imageCount().value(), 3);
    QVERIFY(s.waitIdle());
}

void TestMainWindow::detailImageOpensAZoomableView()
{
    QTemporaryDir dir;
    Session s(dir.path());
    drop(&s.w(), {test::sampleImage(QStringLiteral("Persian_106.jpg"))});
    QVERIFY(s.waitIdle());
    QVERIFY(s.w().selectImage(s.w().galleryModel()->at(0).id));
    ImageView* image = s.w().detailPanel()->imageView();
    QTRY_VERIFY(!image->image().isNull());
    QTest::mouseDClick(image, Qt::LeftButton, Qt::NoModifier, image->rect().center());
    ImageViewerDialog* viewer = nullptr;
    QTRY_VERIFY((viewer = s.w().findChild<ImageViewerDialog*>()) != nullptr);
    QTRY_VERIFY(viewer->hasImage());
    QVERIFY(viewer->isFitted());
    const double fitted = viewer->zoom();
    QTest::keyClick(viewer, Qt::Key_Plus);
    QVERIFY(viewer->zoom() > fitted * 1.2);
    QVERIFY(!viewer->isFitted());
    QTest::keyClick(viewer, Qt::Key_1);
    QCOMPARE(qRound(viewer->zoom() * 100), 100);
    QTest::keyClick(viewer, Qt::Key_0);
    QVERIFY(viewer->isFitted());
    viewer->close();
    QTRY_VERIFY(!s.w().findChild<ImageViewerDialog*>());
}

// The app shows its window before the network is loaded (seconds on a cold start): the gallery,
// the stored predictions and labelling work; predictions and training come with attachEngine().
void TestMainWindow::windowWorksBeforeTheModelIsLoaded()
{
    QTemporaryDir dir;
    {
        Session s(dir.path());
        drop(&s.w(), threeSamples());
        QVERIFY(s.waitIdle());
    }
    auto workspace = *Workspace::open(dir.path());
    std::unique_ptr<LearningLoop> loop; // made later, but it must outlive the window, as in main()
    MainWindow w(workspace);
    w.resize(1200, 800);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QVERIFY(!w.hasEngine());
    QTRY_VERIFY(w.isGalleryLoaded());
    QCOMPARE(w.galleryModel()->rowCount(), 3);
    QCOMPARE(w.statusModelText(), QStringLiteral("Model: loading…"));
    QVERIFY(!w.dashboard());
    QVERIFY(!w.action(QStringLiteral("actionTrain"))->isEnabled());
    QVERIFY(!w.isIdle()); // nothing predicts yet
    // The stored predictions are there: key 1 labels with them.
    const qint64 id = w.galleryFilter()->imageIdAt(0);
    QVERIFY(w.selectImage(id));
    QVERIFY(w.galleryModel()->find(id)->hasPrediction());
    focusGallery(w);
    QTest::keyClick(w.galleryView(), Qt::Key_1);
    QCOMPARE(w.galleryModel()->find(id)->label, w.galleryModel()->find(id)->top[0].label);

    loop = std::make_unique<LearningLoop>(workspace, test::backbone());
    QSignalSpy attached(&w, &MainWindow::engineAttached);
    w.attachEngine(test::backbone(), loop.get());
    QCOMPARE(attached.count(), 1);
    QVERIFY(w.hasEngine());
    QCOMPARE(w.statusModelText(), QStringLiteral("Model: zero-shot"));
    QVERIFY(w.dashboard() && w.tabs()->widget(int(MainWindow::View::Training)) == w.dashboard());
    QVERIFY(w.modelHistory() && w.tabs()->widget(int(MainWindow::View::Models)) == w.modelHistory());
    QVERIFY(w.action(QStringLiteral("actionTrain"))->isEnabled());
    QTRY_VERIFY_WITH_TIMEOUT(w.isIdle(), 60000);
    w.waitForLabelWrites();
    QTRY_VERIFY(workspace->labels().current(id).value().has_value());
    w.close();
}

void TestMainWindow::badFilesLandInTheReport()
{
    QTemporaryDir dir;
    Session s(dir.path());
    QTemporaryDir files;
    const QString text = files.filePath(QStringLiteral("notes.jpg"));
    QFile t(text);
    QVERIFY(t.open(QIODevice::WriteOnly));
    t.write("this is not a picture\n");
    t.close();
    const QString empty = files.filePath(QStringLiteral("empty.png"));
    QFile e(empty);
    QVERIFY(e.open(QIODevice::WriteOnly));
    e.close();
    const QString truncated = files.filePath(QStringLiteral("cut.jpg"));
    {
        QFile src(test::sampleImage(QStringLiteral("beagle_10.jpg")));
        QVERIFY(src.open(QIODevice::ReadOnly));
        QFile dst(truncated);
        QVERIFY(dst.open(QIODevice::WriteOnly));
        dst.write(src.read(600));
    }
    const QString missing = files.filePath(QStringLiteral("gone.jpg"));

    drop(&s.w(), {text, test::sampleImage(QStringLiteral("Persian_106.jpg")), empty, truncated, missing});
    QVERIFY(s.waitIdle());
    // The good one is in, each bad one is a row of the one report window, with its reason.
    QCOMPARE(s.w().galleryModel()->rowCount(), 1);
    ImportReportView* report = s.w().importReport();
    QCOMPARE(report->issueCount(), 4);
    QVERIFY(report->isVisible());
    QVERIFY(!report->isModal());
    QStringList names;
    for (int r = 0; r < report->table()->rowCount(); ++r) {
        names << report->table()->item(r, 0)->text();
        QVERIFY(!report->table()->item(r, 1)->text().isEmpty());
    }
    names.sort();
    QCOMPARE(names, (QStringList{QStringLiteral("cut.jpg"), QStringLiteral("empty.png"), QStringLiteral("gone.jpg"), QStringLiteral("notes.jpg")}));
    // No storm of dialogs: no message box anywhere, and one report window.
    int reports = 0;
    for (QWidget* w : QApplication::topLevelWidgets()) {
        QVERIFY(!qobject_cast<QMessageBox*>(w) || !w->isVisible());
        reports += qobject_cast<ImportReportView*>(w) && w->isVisible();
    }
    QCOMPARE(reports, 1);
    // A second bad drop adds to the same window.
    drop(&s.w(), {text});
    QVERIFY(s.waitIdle());
    QTRY_COMPARE(report->issueCount(), 5);
}

void TestMainWindow::filtersAndViews()
{
    QTemporaryDir dir;
    Session s(dir.path());
    drop(&s.w(), threeSamples());
    QVERIFY(s.waitIdle());
    const qint64 id = s.w().galleryFilter()->imageIdAt(0);
    QVERIFY(s.w().selectImage(id));
    s.w().labelCurrent(QStringLiteral("keeshond")); // certainly not what the model says
    s.w().waitForLabelWrites();
    auto* f = s.w().galleryFilter();
    f->setShow(GalleryFilterModel::Show::Unlabelled);
    QCOMPARE(f->rowCount(), 2);
    f->setShow(GalleryFilterModel::Show::Disagreements);
    QCOMPARE(f->rowCount(), 0); // a curator's own label is reviewed: not a disagreement to look at
    f->setShow(GalleryFilterModel::Show::Labelled);
    QCOMPARE(f->rowCount(), 1);
    QCOMPARE(f->imageIdAt(0), id);
    f->setShow(GalleryFilterModel::Show::All);
    f->setBreed(QStringLiteral("keeshond"));
    QCOMPARE(f->rowCount(), 1);
    f->setBreed({});
    f->setSearchText(QStringLiteral("beagle_10"));
    QCOMPARE(f->rowCount(), 1);
    f->setSearchText({});
    // Least confident first: ascending top-1 probability.
    f->setOrder(GalleryFilterModel::Order::LeastConfident);
    float last = -1;
    for (int r = 0; r < f->rowCount(); ++r) {
        const float c = s.w().galleryModel()->find(f->imageIdAt(r))->confidence();
        QVERIFY(c >= last);
        last = c;
    }
    // Views by keyboard.
    QTest::keyClick(&s.w(), Qt::Key_2, Qt::ControlModifier);
    QCOMPARE(s.w().currentView(), MainWindow::View::Training);
    QTest::keyClick(&s.w(), Qt::Key_3, Qt::ControlModifier);
    QCOMPARE(s.w().currentView(), MainWindow::View::Models);
    QTest::keyClick(&s.w(), Qt::Key_1, Qt::ControlModifier);
    QCOMPARE(s.w().currentView(), MainWindow::View::Review);
}

void TestMainWindow::shortcutsAreUnambiguous()
{
    QTemporaryDir dir;
    Session s(dir.path());
    // Two actions on one key in the same scope would both stay silent ("ambiguous shortcut").
    QHash<QString, QString> seen;
    int count = 0;
    for (QAction* a : s.w().findChildren<QAction*>()) {
        for (const QKeySequence& k : a->shortcuts()) {
            const QString key = k.toString(); // window and review scopes overlap in the review area
            QVERIFY2(!seen.contains(key), qPrintable(QStringLiteral("%1: %2 and %3").arg(key, seen.value(key), a->text())));
            seen.insert(key, a->text());
            ++count;
        }
    }
    QVERIFY(count >= 30);
    // The review keys only act in the review area, never in the search field.
    QCOMPARE(s.w().action(QStringLiteral("actionAccept2"))->shortcutContext(), Qt::WidgetWithChildrenShortcut);
    QVERIFY(s.w().reviewArea()->actions().contains(s.w().action(QStringLiteral("actionConfirm"))));
}

void TestMainWindow::shortcutsDialogShowsEveryKeyAtOnce()
{
    QTemporaryDir dir;
    Session s(dir.path());
    focusGallery(s.w());
    QTest::keyClick(s.w().galleryView(), Qt::Key_F1);
    ShortcutsDialog* dialog = nullptr;
    QTRY_VERIFY((dialog = s.w().findChild<ShortcutsDialog*>()) && dialog->isVisible());
    QTableWidget* table = dialog->table();
    bool undo = false;
    for (int r = 0; r < table->rowCount(); ++r) {
        const QString keys = table->item(r, 2)->text();
        // Keys no keyboard here has (X11's Undo adds F14) are left out.
        QVERIFY2(!keys.contains(QStringLiteral("F14")), qPrintable(keys));
        undo = undo || keys.startsWith(QKeySequence(QKeySequence::Undo).toString(QKeySequence::NativeText));
    }
    QVERIFY(undo);
    // Every row at once, as far as the screen allows.
    const int room = dialog->screen()->availableGeometry().height() - dialog->fontMetrics().height() * 4;
    if (dialog->height() < room)
        QTRY_COMPARE(table->verticalScrollBar()->maximum(), 0);
    else
        QCOMPARE(dialog->height(), room);
    QCOMPARE(table->horizontalScrollBar()->maximum(), 0);
    dialog->close();

    // What X11's platform theme gives Undo (offscreen gives Alt+Backspace instead).
    QMenuBar bar;
    QMenu* edit = bar.addMenu(QStringLiteral("&Edit"));
    QAction* undoAction = edit->addAction(QStringLiteral("&Undo"));
    undoAction->setShortcuts({QKeySequence(Qt::CTRL | Qt::Key_Z), QKeySequence(Qt::Key_F14)});
    ShortcutsDialog sun(&bar);
    QCOMPARE(sun.table()->item(0, 2)->text(), QKeySequence(Qt::CTRL | Qt::Key_Z).toString(QKeySequence::NativeText));
}

QTEST_MAIN(TestMainWindow)
#include "TestMainWindow.moc"
