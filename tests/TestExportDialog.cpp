// File ▸ Export in the desktop app, offscreen, with real widgets, real photos and a real SQLite
// workspace: the dialog's choices reach the files on disk (CSV, trusted labels only), Cancel in the
// status bar stops an export mid-way and leaves the folder as it was, and a bad output folder gets
// a one-line error and nothing written.
#include "GuiTestSupport.h"
#include "WindowSession.h"

#include "TaskProgress.h"
#include "dialogs/ExportDialog.h"
#include "gallery/GalleryModel.h"
#include "intake/ExportController.h"
#include "intake/ImportController.h"
#include "workspace/LabelManifest.h"

#include <QCheckBox>
#include <QComboBox>
#include <QCryptographicHash>
#include <QDirIterator>
#include <QLineEdit>
#include <QPushButton>
#include <QTemporaryDir>
#include <QToolButton>

using namespace pc;

class TestExportDialog : public QObject {
    Q_OBJECT

    QTemporaryDir m_tmp;

    // Every file under dir, relative, sorted.
    static QStringList filesUnder(const QString& dir)
    {
        QStringList out;
        QDirIterator it(dir, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
        while (it.hasNext())
            out << QDir(dir).relativeFilePath(it.next());
        out.sort();
        return out;
    }

    // Ctrl+E, then the dialog.
    static ExportDialog* openExport(MainWindow& w)
    {
        QTest::keyClick(&w, Qt::Key_E, Qt::ControlModifier);
        ExportDialog* dialog = nullptr;
        if (!QTest::qWaitFor([&] { return (dialog = w.findChild<ExportDialog*>()) && dialog->isVisible(); }, 5000))
            return nullptr;
        return dialog;
    }

    static void chooseFolder(ExportDialog* d, const QString& dir)
    {
        d->folderField()->clear();
        QTest::keyClicks(d->folderField(), dir);
    }

    static void importAndWait(test::WindowSession& s, const QStringList& photos)
    {
        s.w().intake(photos);
        QTRY_COMPARE_WITH_TIMEOUT(s.w().galleryModel()->rowCount(), int(photos.size()), 60000);
        QTRY_VERIFY_WITH_TIMEOUT(!s.w().imports()->isBusy(), 60000);
    }

private Q_SLOTS:
    void initTestCase()
    {
        test::isolateAppSettings(m_tmp);
        AppSettings::setCuratorName(QStringLiteral("tester"));
    }

    void csvOfTrustedLabelsOnly()
    {
        const QStringList photos{test::sampleImage(QStringLiteral("pug_112.jpg")), test::sampleImage(QStringLiteral("Persian_106.jpg")),
                                 test::sampleImage(QStringLiteral("samoyed_108.jpg")), test::sampleImage(QStringLiteral("Bombay_10.jpg"))};
        for (const QString& p : photos)
            QVERIFY2(QFileInfo::exists(p), qPrintable(p));
        test::WindowSession s(m_tmp.filePath(QStringLiteral("ws-csv")));
        importAndWait(s, photos);

        // One label from the curator (approved), the others from the team, still pending review.
        const GalleryItem* pug = nullptr;
        for (const GalleryItem& item : s.w().galleryModel()->items())
            if (item.name == QLatin1String("pug_112.jpg"))
                pug = &item;
        QVERIFY(pug);
        const qint64 pugId = pug->id;
        const QString pugSha = pug->sha256;
        QVERIFY(s.w().selectImage(pugId));
        s.w().labelCurrent(QStringLiteral("pug"));
        s.w().waitForLabelWrites();
        for (const GalleryItem& item : s.w().galleryModel()->items())
            if (item.id != pugId)
                QVERIFY(s.workspace->labels().add(item.id, item.name.section(QLatin1Char('_'), 0, 0), LabelOrigin::Server,
                                                  QStringLiteral("teammate"), ReviewStatus::Pending));

        const QString out = m_tmp.filePath(QStringLiteral("out-csv"));
        ExportDialog* d = openExport(s.w());
        QVERIFY(d);
        d->formatField()->setCurrentIndex(d->formatField()->findData(QStringLiteral("csv")));
        chooseFolder(d, out);
        QTest::mouseClick(d->approvedOnlyCheck(), Qt::LeftButton, {}, QPoint(8, d->approvedOnlyCheck()->height() / 2));
        QVERIFY(d->approvedOnlyCheck()->isChecked());
        QTest::mouseClick(d->exportButton(), Qt::LeftButton);
        QTRY_VERIFY(!s.w().findChild<ExportDialog*>());
        QTRY_VERIFY_WITH_TIMEOUT(!s.w().exports()->isBusy(), 60000);
        QVERIFY2(s.w().lastStatusMessage().startsWith(QStringLiteral("Exported 1 image")), qPrintable(s.w().lastStatusMessage()));
        QVERIFY2(s.w().lastStatusMessage().contains(QStringLiteral("3 by the filters")), qPrintable(s.w().lastStatusMessage()));
        QVERIFY(s.w().exportProgress()->isHidden());

        // On disk: the approved photo, byte for byte, and a manifest with its label.
        QCOMPARE(filesUnder(out), (QStringList{QStringLiteral("images/pug_112.jpg"), QStringLiteral("labels.csv")}));
        QCOMPARE(test::readFile(out + QStringLiteral("/images/pug_112.jpg")), test::readFile(photos.front()));
        const auto manifest = readManifest(out + QStringLiteral("/labels.csv"), ManifestFormat::Csv, QString());
        QVERIFY2(manifest, manifest ? "" : qPrintable(manifest.error().message));
        QCOMPARE(manifest->rows.size(), 1);
        const ManifestRow& row = manifest->rows.front();
        QCOMPARE(row.path, QStringLiteral("images/pug_112.jpg"));
        QCOMPARE(row.sha256, pugSha);
        QCOMPARE(row.breed, QStringLiteral("pug"));
        QVERIFY(row.origin == LabelOrigin::Curator);
        QCOMPARE(row.author, QStringLiteral("tester"));
        QVERIFY(row.status == ReviewStatus::Approved);
    }

    void cancelLeavesTheFolderAsItWas()
    {
        // The whole sample, labelled by its annotations: long enough to cancel mid-way.
        test::WindowSession s(m_tmp.filePath(QStringLiteral("ws-cancel")));
        s.w().importOxford(test::sampleDir());
        QTRY_VERIFY_WITH_TIMEOUT(s.w().galleryModel()->rowCount() > 600 && !s.w().imports()->isBusy(), 180000);

        // A folder that already holds the curator's own file.
        const QString out = m_tmp.filePath(QStringLiteral("out-cancel"));
        QVERIFY(QDir().mkpath(out));
        QFile notes(out + QStringLiteral("/notes.txt"));
        QVERIFY(notes.open(QIODevice::WriteOnly));
        notes.write("mine\n");
        notes.close();

        ExportDialog* d = openExport(s.w());
        QVERIFY(d);
        d->formatField()->setCurrentIndex(d->formatField()->findData(QStringLiteral("folders")));
        chooseFolder(d, out);
        // Not empty: the dialog asks first.
        QTest::mouseClick(d->exportButton(), Qt::LeftButton);
        QVERIFY(d->isVisible());
        QVERIFY2(d->errorText().contains(QStringLiteral("not empty")), qPrintable(d->errorText()));
        QVERIFY(!d->errorText().contains(QLatin1Char('\n')));
        QVERIFY(d->intoNonEmptyCheck()->isVisible());
        d->intoNonEmptyCheck()->setChecked(true);

        // Cancel from the status bar as soon as some images were written (the first progress after 0).
        TaskProgress* progress = s.w().exportProgress();
        bool cancelled = false;
        int doneWhenCancelled = 0, total = 0;
        auto c = connect(s.w().exports(), &ExportController::progress, this, [&](int done, int all) {
            total = all;
            if (cancelled || done == 0 || done >= all)
                return;
            QVERIFY(progress->isVisible());
            QTest::mouseClick(progress->cancelButton(), Qt::LeftButton);
            cancelled = true;
            doneWhenCancelled = done;
        });
        QTest::mouseClick(d->exportButton(), Qt::LeftButton);
        QTRY_VERIFY(!s.w().findChild<ExportDialog*>());
        QTRY_VERIFY_WITH_TIMEOUT(!s.w().exports()->isBusy(), 120000);
        disconnect(c);
        QVERIFY2(cancelled, "the export ended before it could be cancelled mid-way");
        QVERIFY(total > 600);
        QVERIFY(doneWhenCancelled > 0 && doneWhenCancelled < total);
        QVERIFY2(s.w().lastStatusMessage().startsWith(QStringLiteral("Export cancelled")), qPrintable(s.w().lastStatusMessage()));
        QVERIFY(progress->isHidden());
        // As it was: the curator's file and nothing else, not even an empty breed folder.
        QCOMPARE(filesUnder(out), QStringList{QStringLiteral("notes.txt")});
        QCOMPARE(QDir(out).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden), QStringList{QStringLiteral("notes.txt")});
        QCOMPARE(test::readFile(out + QStringLiteral("/notes.txt")), QByteArray("mine\n"));
    }

    void badOutputGetsOneLineAndWritesNothing()
    {
        test::WindowSession s(m_tmp.filePath(QStringLiteral("ws-bad")));
        importAndWait(s, {test::sampleImage(QStringLiteral("pug_112.jpg"))});
        QVERIFY(s.w().selectImage(s.w().galleryModel()->at(0).id));
        s.w().labelCurrent(QStringLiteral("pug"));
        s.w().waitForLabelWrites();

        // A file where the folder should be, and a folder below a file: refused in the dialog.
        const QString file = m_tmp.filePath(QStringLiteral("a-file.txt"));
        QFile f(file);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("x");
        f.close();
        ExportDialog* d = openExport(s.w());
        QVERIFY(d);
        for (const auto& [folder, says] : {std::pair{file, QStringLiteral("is a file, not a folder")},
                                           std::pair{file + QStringLiteral("/out"), QStringLiteral("Cannot make")}}) {
            chooseFolder(d, folder);
            QTest::mouseClick(d->exportButton(), Qt::LeftButton);
            QVERIFY(d->isVisible());
            QVERIFY2(d->errorText().contains(says), qPrintable(d->errorText()));
            QVERIFY(!d->errorText().contains(QLatin1Char('\n')));
            QVERIFY(!s.w().exports()->isBusy());
        }
        QCOMPARE(test::readFile(file), QByteArray("x"));
        // No folder at all.
        chooseFolder(d, QString());
        QTest::mouseClick(d->exportButton(), Qt::LeftButton);
        QVERIFY(d->isVisible());
        QVERIFY(!d->errorText().isEmpty());
        // An unknown breed in the filter.
        chooseFolder(d, m_tmp.filePath(QStringLiteral("out-bad")));
        QTest::keyClicks(d->breedsField(), QStringLiteral("pug, unicorn"));
        QTest::mouseClick(d->exportButton(), Qt::LeftButton);
        QVERIFY(d->isVisible());
        QVERIFY2(d->errorText().contains(QStringLiteral("unicorn")), qPrintable(d->errorText()));
        d->breedsField()->clear();

        // A place that can't be written although it looks writable (/proc takes no new folders,
        // even from root): the export itself fails and says so in one line.
        const QString unwritable = QStringLiteral("/proc/petcurator-export-test");
        chooseFolder(d, unwritable);
        QTest::mouseClick(d->exportButton(), Qt::LeftButton);
        if (d->isVisible()) { // refused by the dialog already (not root)
            QVERIFY2(d->errorText().contains(QStringLiteral("not writable")), qPrintable(d->errorText()));
        } else {
            QTRY_VERIFY_WITH_TIMEOUT(!s.w().exports()->isBusy(), 30000);
            const QString said = s.w().lastStatusMessage();
            QVERIFY2(said.startsWith(QStringLiteral("Export failed: ")), qPrintable(said));
            QVERIFY(!said.contains(QLatin1Char('\n')));
            QVERIFY(s.w().exportProgress()->isHidden());
        }
        QVERIFY(!QFileInfo::exists(unwritable));
        QVERIFY(!QFileInfo::exists(m_tmp.filePath(QStringLiteral("out-bad"))));
    }
};

QTEST_MAIN(TestExportDialog)
#include "TestExportDialog.moc"
