// The Groups view, offscreen, with real widgets, the real backbone and real photos: grouping the
// unlabelled images, naming a group's selection with one key (one undo step, one label event per
// image), naming by typing, and near-duplicates side by side.
#include "GuiTestSupport.h"
#include "WindowSession.h"

#include "gallery/GalleryModel.h"
#include "groups/GroupStrip.h"
#include "groups/GroupsView.h"
#include "review/BreedPicker.h"

#include <QLineEdit>
#include <QListView>
#include <QPushButton>
#include <QTemporaryDir>
#include <QUndoStack>
#include <opencv2/imgcodecs.hpp>

using namespace pc;

class TestGroupsView : public QObject {
    Q_OBJECT

    QTemporaryDir m_tmp;
    QStringList m_photos;

    static QString labelOf(MainWindow& w, qint64 id)
    {
        const GalleryItem* item = w.galleryModel()->find(id);
        return item ? item->label : QStringLiteral("<gone>");
    }

private Q_SLOTS:
    void initTestCase()
    {
        test::isolateAppSettings(m_tmp);
        AppSettings::setCuratorName(QStringLiteral("tester"));
        const QString data = test::makeOxfordSubset(m_tmp.filePath(QStringLiteral("data")),
                                                     {QStringLiteral("pug"), QStringLiteral("Persian"), QStringLiteral("samoyed"),
                                                      QStringLiteral("Bombay")},
                                                     4);
        for (const QFileInfo& f : QDir(data + QStringLiteral("/images")).entryInfoList(QDir::Files, QDir::Name))
            m_photos << f.absoluteFilePath();
        QCOMPARE(m_photos.size(), 16);
    }

    void namingAGroupIsOneUndoStep()
    {
        test::WindowSession s(m_tmp.filePath(QStringLiteral("ws1")));
        s.w().intake(m_photos);
        QTRY_COMPARE_WITH_TIMEOUT(s.w().galleryModel()->rowCount(), 16, 60000);
        QVERIFY(s.waitIdle());
        s.w().showView(MainWindow::View::Groups);
        GroupsView* g = s.w().groupsView();
        QVERIFY(g);
        g->setGroupCount(4);
        QTest::mouseClick(g->findChild<QPushButton*>(QStringLiteral("findGroups")), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(!g->isBusy() && g->stripCount() == 4, 60000);

        GroupStrip* strip = g->strip(0);
        QVERIFY(!strip->suggestions().isEmpty());
        QCOMPARE(strip->selectedImageIds(), strip->imageIds()); // all selected to begin with
        QVERIFY(strip->imageIds().size() >= 2);
        // Deselect the odd one out (the least typical, last) with Ctrl+click.
        QListView* list = strip->list();
        const QModelIndex last = list->model()->index(list->model()->rowCount() - 1, 0);
        list->scrollTo(last);
        QTest::mouseClick(list->viewport(), Qt::LeftButton, Qt::ControlModifier, list->visualRect(last).center());
        const QVector<qint64> chosen = strip->selectedImageIds();
        QCOMPARE(chosen.size(), strip->imageIds().size() - 1);
        const qint64 oddOne = strip->imageIds().last();
        const QString breed = strip->suggestions().front();

        const int steps = s.w().undoStack()->count();
        const int eventsBefore = s.workspace->labels().eventCount().value();
        list->setFocus();
        QTest::keyClick(list, Qt::Key_1);
        QCOMPARE(s.w().undoStack()->count(), steps + 1); // one step for the whole group
        for (qint64 id : chosen)
            QCOMPARE(labelOf(s.w(), id), breed);
        QCOMPARE(labelOf(s.w(), oddOne), QString());
        s.w().waitForLabelWrites();
        QCOMPARE(s.workspace->labels().eventCount().value(), eventsBefore + int(chosen.size())); // one event each
        for (qint64 id : chosen) {
            const auto label = s.workspace->labels().current(id);
            QVERIFY(label && *label);
            QCOMPARE((*label)->breed, breed);
            QVERIFY((*label)->origin == LabelOrigin::Curator);
            QCOMPARE((*label)->author, QStringLiteral("tester"));
        }
        // The focus moved on to the next group; Ctrl+Z takes the whole group back.
        QTRY_VERIFY(g->strip(1)->list()->hasFocus());
        s.w().undoStack()->undo();
        for (qint64 id : chosen)
            QCOMPARE(labelOf(s.w(), id), QString());
        s.w().waitForLabelWrites();
        for (qint64 id : chosen)
            QVERIFY(!s.workspace->labels().current(id).value().has_value());

        // Typing names a group too: "samo" + Enter in the breed picker.
        GroupStrip* second = g->strip(1);
        second->list()->setFocus();
        QTest::keyClick(second->list(), Qt::Key_S);
        QTRY_VERIFY(g->breedPicker()->isVisible());
        QTest::keyClicks(g->breedPicker()->searchField(), QStringLiteral("amo"));
        QTest::keyClick(g->breedPicker()->searchField(), Qt::Key_Return);
        QTRY_VERIFY(!g->breedPicker()->isVisible());
        for (qint64 id : second->imageIds())
            QCOMPARE(labelOf(s.w(), id), QStringLiteral("samoyed"));
        const int named = int(second->imageIds().size());

        // Regrouping the unlabelled images leaves the named ones out.
        g->findGroups();
        QTRY_VERIFY_WITH_TIMEOUT(!g->isBusy(), 60000);
        int shown = 0;
        for (int i = 0; i < g->stripCount(); ++i)
            shown += int(g->strip(i)->imageIds().size());
        QCOMPARE(shown, 16 - named); // (the strips were made anew)
    }

    void nearDuplicatesSideBySide()
    {
        // The first photo saved again.
        const QString copy = m_tmp.filePath(QStringLiteral("copy.jpg"));
        QVERIFY(cv::imwrite(copy.toStdString(), cv::imread(m_photos.front().toStdString()), {cv::IMWRITE_JPEG_QUALITY, 95}));
        test::WindowSession s(m_tmp.filePath(QStringLiteral("ws2")));
        s.w().intake(QStringList(m_photos) << copy);
        QTRY_COMPARE_WITH_TIMEOUT(s.w().galleryModel()->rowCount(), 17, 60000);
        QVERIFY(s.waitIdle());
        s.w().showView(MainWindow::View::Groups);
        GroupsView* g = s.w().groupsView();
        QTest::mouseClick(g->findChild<QPushButton*>(QStringLiteral("findNearDuplicates")), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(!g->isBusy() && g->mode() == GroupsView::Mode::NearDuplicates, 60000);
        QVERIFY2(g->stripCount() >= 1, qPrintable(g->statusText()));
        QStringList names;
        for (qint64 id : g->strip(0)->imageIds())
            names << s.w().galleryModel()->find(id)->name;
        QStringList expected{QStringLiteral("copy.jpg"), QFileInfo(m_photos.front()).fileName()};
        names.sort();
        expected.sort();
        QCOMPARE(names, expected);
        // Labelling both alike: Enter takes the pair's suggestion for both.
        GroupStrip* pair = g->strip(0);
        pair->list()->setFocus();
        QTest::keyClick(pair->list(), Qt::Key_Return);
        const QString breed = pair->suggestions().front();
        for (qint64 id : pair->imageIds())
            QCOMPARE(labelOf(s.w(), id), breed);
    }
};

QTEST_MAIN(TestGroupsView)
#include "TestGroupsView.moc"
