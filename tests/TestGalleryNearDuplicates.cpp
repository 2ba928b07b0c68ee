// Near-duplicates flagged in the main gallery, offscreen, with real widgets, the real backbone and
// real photos: a photo saved again by OpenCV is flagged with its original (and nothing else is),
// the tooltip names the partner, the "Near-duplicates" filter shows the pairs together, Ctrl+K
// opens the Groups view's comparison where Delete keeps one, new images are looked at when they
// arrive, and the threshold is a preference. The gallery's models run under QAbstractItemModelTester.
#include "GuiTestSupport.h"
#include "WindowSession.h"

#include "curation/NearDuplicates.h"
#include "dialogs/PreferencesDialog.h"
#include "gallery/GalleryFilterModel.h"
#include "gallery/GalleryModel.h"
#include "gallery/GalleryView.h"
#include "gallery/NearDuplicateFinder.h"
#include "groups/GroupStrip.h"
#include "groups/GroupsView.h"

#include <QAbstractItemModelTester>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QListView>
#include <QPushButton>
#include <QTemporaryDir>
#include <QUndoStack>
#include <opencv2/imgcodecs.hpp>

using namespace pc;

class TestGalleryNearDuplicates : public QObject {
    Q_OBJECT

    QTemporaryDir m_tmp;
    QStringList m_photos;

    static QString saveAgain(const QString& from, const QString& to)
    {
        // The same photo decoded and encoded again: other bytes, nearly the same picture.
        if (!cv::imwrite(to.toStdString(), cv::imread(from.toStdString()), {cv::IMWRITE_JPEG_QUALITY, 95}))
            qFatal("cannot write %s", qPrintable(to));
        return to;
    }

    static qint64 idOf(MainWindow& w, const QString& name)
    {
        for (const GalleryItem& item : w.galleryModel()->items())
            if (item.name == name)
                return item.id;
        return 0;
    }

    static QSet<qint64> flagged(MainWindow& w)
    {
        QSet<qint64> out;
        GalleryModel* m = w.galleryModel();
        for (int row = 0; row < m->rowCount(); ++row)
            if (m->index(row).data(GalleryModel::NearDuplicateRole).toBool())
                out.insert(m->index(row).data(GalleryModel::ImageIdRole).toLongLong());
        return out;
    }

    static QSet<qint64> shown(MainWindow& w)
    {
        QSet<qint64> out;
        for (int row = 0; row < w.galleryFilter()->rowCount(); ++row)
            out.insert(w.galleryFilter()->imageIdAt(row));
        return out;
    }

    // Pixels of the marker's colour in the gallery as painted now.
    static int markerPixels(MainWindow& w)
    {
        const QImage shot = w.galleryView()->viewport()->grab().toImage().convertToFormat(QImage::Format_RGB32);
        int n = 0;
        for (int y = 0; y < shot.height(); ++y)
            for (int x = 0; x < shot.width(); ++x)
                n += shot.pixel(x, y) == qRgb(123, 31, 162) ? 1 : 0;
        return n;
    }

private Q_SLOTS:
    void initTestCase()
    {
        test::isolateAppSettings(m_tmp);
        AppSettings::setCuratorName(QStringLiteral("tester"));
        for (const char* name : {"Abyssinian_1.jpg", "Bengal_117.jpg", "Russian_Blue_197.jpg", "american_bulldog_179.jpg",
                                 "german_shorthaired_103.jpg", "pug_112.jpg"})
            m_photos << test::sampleImage(QString::fromLatin1(name));
        for (const QString& p : m_photos)
            QVERIFY2(QFileInfo::exists(p), qPrintable(p));
    }

    void flaggedFilteredComparedAndKeptOne()
    {
        const QString copy = saveAgain(m_photos.front(), m_tmp.filePath(QStringLiteral("copy.jpg")));
        test::WindowSession s(m_tmp.filePath(QStringLiteral("ws")));
        MainWindow& w = s.w();
        QAbstractItemModelTester checkModel(w.galleryModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester checkFilter(w.galleryFilter(), QAbstractItemModelTester::FailureReportingMode::QtTest);

        w.intake(QStringList(m_photos) << copy);
        QTRY_COMPARE_WITH_TIMEOUT(w.galleryModel()->rowCount(), 7, 60000);
        QVERIFY(s.waitIdle());
        const qint64 original = idOf(w, QFileInfo(m_photos.front()).fileName());
        const qint64 again = idOf(w, QStringLiteral("copy.jpg"));
        QVERIFY(original && again);

        // Exactly the two copies are flagged, each naming the other.
        QTRY_COMPARE_WITH_TIMEOUT(flagged(w), (QSet<qint64>{original, again}), 60000);
        QCOMPARE(w.galleryModel()->nearDuplicateImageCount(), 2);
        const QString tip = w.galleryModel()->indexOf(again).data(Qt::ToolTipRole).toString();
        QVERIFY2(tip.contains(QStringLiteral("Near-duplicate of %1 (cosine 0.9").arg(QFileInfo(m_photos.front()).fileName())), qPrintable(tip));
        QVERIFY(w.galleryModel()->indexOf(original).data(Qt::ToolTipRole).toString().contains(QStringLiteral("Near-duplicate of copy.jpg")));
        const auto partners = w.galleryModel()->nearDuplicatesOf(again);
        QCOMPARE(partners.size(), 1);
        QCOMPARE(partners.front().imageId, original);
        qInfo("cosine of a photo and its copy at JPEG quality 95: %.5f", double(partners.front().cosine));
        QVERIFY(partners.front().cosine >= 0.97f && partners.front().cosine < 1.0f);
        QTRY_VERIFY(markerPixels(w) > 0); // the marker is painted

        // The filter: the pair alone.
        auto* showCombo = w.findChild<QComboBox*>(QStringLiteral("showFilter"));
        showCombo->setCurrentIndex(showCombo->findData(int(GalleryFilterModel::Show::NearDuplicates)));
        QTRY_COMPARE(shown(w), (QSet<qint64>{original, again}));

        // Ctrl+K on a flagged tile: the Groups view compares the pair side by side.
        QVERIFY(w.selectImage(again));
        w.galleryView()->setFocus();
        QTest::keyClick(w.galleryView(), Qt::Key_K, Qt::ControlModifier);
        QTRY_COMPARE(w.currentView(), MainWindow::View::Groups);
        GroupsView* g = w.groupsView();
        QCOMPARE(g->mode(), GroupsView::Mode::NearDuplicates);
        QCOMPARE(g->stripCount(), 1);
        QVector<qint64> pair = g->strip(0)->imageIds();
        std::sort(pair.begin(), pair.end());
        QCOMPARE(pair, (QVector<qint64>{std::min(original, again), std::max(original, again)}));
        QVERIFY2(g->strip(0)->title().contains(QStringLiteral("cosine 0.9")), qPrintable(g->strip(0)->title()));

        // Keep one: Delete with both selected is refused; with only the copy selected it goes.
        GroupStrip* strip = g->strip(0);
        QListView* list = strip->list();
        list->setFocus();
        QTest::keyClick(list, Qt::Key_Delete);
        QCOMPARE(w.galleryModel()->rowCount(), 7);
        QVERIFY2(g->statusText().contains(QStringLiteral("Keep one")), qPrintable(g->statusText()));
        const int copyRow = strip->imageIds().indexOf(again);
        const QModelIndex copyIndex = list->model()->index(copyRow, 0);
        QTest::mouseClick(list->viewport(), Qt::LeftButton, {}, list->visualRect(copyIndex).center());
        QCOMPARE(strip->selectedImageIds(), QVector<qint64>{again});
        QTest::keyClick(list, Qt::Key_Delete);
        QCOMPARE(w.galleryModel()->rowCount(), 6);
        QVERIFY(!w.galleryModel()->find(again));
        QCOMPARE(flagged(w), QSet<qint64>{}); // the original has no partner left
        QTRY_COMPARE(shown(w), QSet<qint64>{});
        s.w().waitForLabelWrites();
        QTRY_VERIFY(s.workspace->isImageRemoved(again).value());
        // Undo brings the copy back, flagged again.
        w.undoStack()->undo();
        QCOMPARE(flagged(w), (QSet<qint64>{original, again}));
        QTRY_COMPARE(shown(w), (QSet<qint64>{original, again}));

        // New images are looked at when they arrive: a second pair, shown next to each other.
        const QString copy2 = saveAgain(m_photos.last(), m_tmp.filePath(QStringLiteral("copy2.jpg")));
        const int scans = w.nearDuplicateFinder()->scans();
        w.intake({copy2});
        QTRY_COMPARE_WITH_TIMEOUT(w.galleryModel()->rowCount(), 8, 60000);
        QVERIFY(s.waitIdle());
        const qint64 pug = idOf(w, QFileInfo(m_photos.last()).fileName());
        const qint64 pugAgain = idOf(w, QStringLiteral("copy2.jpg"));
        QTRY_COMPARE_WITH_TIMEOUT(flagged(w), (QSet<qint64>{original, again, pug, pugAgain}), 60000);
        QCOMPARE(w.nearDuplicateFinder()->scans(), scans + 1); // once, for the new image
        showCombo->setCurrentIndex(showCombo->findData(int(GalleryFilterModel::Show::NearDuplicates)));
        QTRY_COMPARE(w.galleryFilter()->rowCount(), 4);
        auto groupAt = [&](int row) { return w.galleryModel()->nearDuplicateGroup(w.galleryFilter()->imageIdAt(row)); };
        QCOMPARE(groupAt(0), groupAt(1));
        QCOMPARE(groupAt(2), groupAt(3));
        QVERIFY(groupAt(0) != groupAt(2));

        // The threshold is a preference: at 1 (identical embeddings only) the re-encoded copies are not flagged.
        w.showPreferences();
        PreferencesDialog* prefs = nullptr;
        QTRY_VERIFY((prefs = w.findChild<PreferencesDialog*>()) && prefs->isVisible());
        QCOMPARE(prefs->nearDuplicateField()->value(), 0.97);
        prefs->nearDuplicateField()->setValue(1.0);
        QTest::mouseClick(prefs->findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(w.galleryModel()->nearDuplicateImageCount(), 0, 60000);
        QCOMPARE(AppSettings::nearDuplicateThreshold(), 1.0f);
        QTRY_COMPARE(w.galleryFilter()->rowCount(), 0);
        AppSettings::setNearDuplicateThreshold(kDefaultNearDuplicateThreshold);
    }
};

QTEST_MAIN(TestGalleryNearDuplicates)
#include "TestGalleryNearDuplicates.moc"
