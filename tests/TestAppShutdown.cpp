// The desktop app shuts down in order and exits 0: the real petcurator binary, offscreen, on a
// fresh workspace with a few photos given on the command line, stopped with SIGTERM (as a session
// logout or `kill` would) once it has predicted them, and again while the network is still loading.
// Also one app per workspace: a second launch hands its photos to the running one and exits 0.
#include "TestSupport.h"

#include <QFileInfo>
#include <QProcess>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QUuid>

#include <csignal>

using namespace pc;

namespace {

QString guiPath() { return QStringLiteral(PC_BINARY_DIR "/app/petcurator"); }

// Lines a clean shutdown never prints: a thread destroyed while running, a sanitizer report.
QStringList shutdownComplaints(const QString& stderrText)
{
    static const char* const bad[] = {"QThread: Destroyed while thread", "ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                                      "WARNING: ThreadSanitizer", "runtime error:", "QSqlDatabasePrivate::removeDatabase",
                                      "corrupted", "double free"};
    QStringList found;
    for (const QString& line : stderrText.split(QLatin1Char('\n')))
        for (const char* b : bad)
            if (line.contains(QLatin1String(b)))
                found << line;
    return found;
}

// Rows in the workspace's predictions table, read through a connection of our own (WAL: the app
// keeps writing meanwhile). -1 while the database is not there yet.
int countRows(const QString& workspaceDir, const QString& table)
{
    const QString file = workspaceDir + QStringLiteral("/workspace.sqlite");
    if (!QFileInfo::exists(file))
        return -1;
    const QString name = QUuid::createUuid().toString();
    int n = -1;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        db.setDatabaseName(file);
        db.setConnectOptions(QStringLiteral("QSQLITE_OPEN_READONLY;QSQLITE_BUSY_TIMEOUT=5000"));
        if (db.open()) {
            QSqlQuery q(db);
            if (q.exec(QStringLiteral("SELECT COUNT(*) FROM %1").arg(table)) && q.next())
                n = q.value(0).toInt();
        }
    }
    QSqlDatabase::removeDatabase(name);
    return n;
}

int predictionCount(const QString& workspaceDir) { return countRows(workspaceDir, QStringLiteral("predictions")); }
int imageCount(const QString& workspaceDir) { return countRows(workspaceDir, QStringLiteral("images")); }
} // namespace

class TestAppShutdown : public QObject {
    Q_OBJECT

    QTemporaryDir m_tmp;

    // petcurator offscreen with its settings in a private folder (no real user's workspace).
    void startGui(QProcess& p, const QString& workspace, const QStringList& photos)
    {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
        env.insert(QStringLiteral("XDG_CONFIG_HOME"), m_tmp.filePath(QStringLiteral("config")));
        env.insert(QStringLiteral("XDG_DATA_HOME"), m_tmp.filePath(QStringLiteral("data")));
        env.insert(QStringLiteral("XDG_CACHE_HOME"), m_tmp.filePath(QStringLiteral("cache")));
        if (!env.contains(QStringLiteral("PETCURATOR_WEIGHTS_DIR"))) // keep the real weights
            env.insert(QStringLiteral("PETCURATOR_WEIGHTS_DIR"), Backbone::defaultWeightsDir());
        p.setProcessEnvironment(env);
        p.setProcessChannelMode(QProcess::SeparateChannels);
        p.start(guiPath(), QStringList{QStringLiteral("--workspace"), workspace, QStringLiteral("--threads"), QStringLiteral("2")} + photos);
        QVERIFY2(p.waitForStarted(30000), qPrintable(p.errorString()));
    }

    static QStringList samplePhotos()
    {
        return QDir(test::sampleDir() + QStringLiteral("/images")).entryList({QStringLiteral("*.jpg")}, QDir::Files, QDir::Name);
    }

    static void expectCleanExit(QProcess& p)
    {
        QVERIFY2(p.waitForFinished(180000), "petcurator did not exit within 3 minutes of SIGTERM");
        const QString err = QString::fromUtf8(p.readAllStandardError());
        const QStringList complaints = shutdownComplaints(err);
        QVERIFY2(complaints.isEmpty(), qPrintable(complaints.join(QLatin1Char('\n')) + QStringLiteral("\nstderr:\n") + err.right(12000)));
        QVERIFY2(p.exitStatus() == QProcess::NormalExit, qPrintable(QStringLiteral("crashed; stderr:\n") + err.right(4000)));
        QVERIFY2(p.exitCode() == 0, qPrintable(QStringLiteral("exit code %1; stderr:\n%2").arg(p.exitCode()).arg(err.right(4000))));
    }

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_tmp.isValid()); }

    void sigtermAfterPredictionsExitsZero()
    {
        QStringList photos;
        for (const QString& n : samplePhotos().mid(0, 4))
            photos << test::sampleImage(n);
        QCOMPARE(photos.size(), 4);
        const QString ws = m_tmp.filePath(QStringLiteral("predicted"));
        QProcess gui;
        startGui(gui, ws, photos);
        // Imported from the command line like a drop, then predicted once the network is loaded.
        QTRY_VERIFY_WITH_TIMEOUT(predictionCount(ws) >= photos.size() || gui.state() != QProcess::Running, 300000);
        QVERIFY2(gui.state() == QProcess::Running, qPrintable(QString::fromUtf8(gui.readAllStandardError()).right(4000)));
        gui.terminate(); // SIGTERM
        expectCleanExit(gui);
    }

    void secondLaunchHandsItsFilesToTheFirst()
    {
        const QStringList names = samplePhotos();
        const QString ws = m_tmp.filePath(QStringLiteral("single"));
        QProcess first;
        startGui(first, ws, {test::sampleImage(names.value(10))});
        QTRY_VERIFY_WITH_TIMEOUT(imageCount(ws) == 1 || first.state() != QProcess::Running, 120000);
        QVERIFY(first.state() == QProcess::Running);

        // The same workspace by another path: still the same workspace.
        QProcess second;
        startGui(second, ws + QStringLiteral("/../single"), {test::sampleImage(names.value(11)), test::sampleImage(names.value(12))});
        QVERIFY2(second.waitForFinished(60000), "the second launch did not hand over and exit");
        QCOMPARE(second.exitCode(), 0);
        // The first imports them like a drop; the second never opened the workspace.
        QTRY_COMPARE_WITH_TIMEOUT(imageCount(ws), 3, 120000);
        QVERIFY(first.state() == QProcess::Running);
        first.terminate();
        expectCleanExit(first);

        // Once the first has gone, a launch is the first again (its lock is released).
        QProcess third;
        startGui(third, ws, {});
        QTRY_VERIFY_WITH_TIMEOUT(QFileInfo::exists(ws + QStringLiteral("/petcurator-app.lock")) || third.state() != QProcess::Running, 60000);
        QVERIFY(third.state() == QProcess::Running);
        third.terminate();
        expectCleanExit(third);
    }

    void badArgumentsExitAtOnceWithOneLine()
    {
        // Offscreen there is no one to click a dialog away: the reason goes to stderr, then exit 2.
        for (const QStringList& args : {QStringList{QStringLiteral("--precision"), QStringLiteral("fp16")},
                                        QStringList{QStringLiteral("--threads"), QStringLiteral("0")}}) {
            QProcess gui;
            startGui(gui, m_tmp.filePath(QStringLiteral("bad-arguments")), args);
            QVERIFY2(gui.waitForFinished(60000), qPrintable(args.join(QLatin1Char(' ')) + QStringLiteral(": still running after 60 s")));
            QCOMPARE(gui.exitCode(), 2);
            // Qt may say something about the environment first; ours is the one line at the end.
            const QString err = QString::fromUtf8(gui.readAllStandardError()).trimmed();
            const QString last = err.section(QLatin1Char('\n'), -1);
            QVERIFY2(last.startsWith(QStringLiteral("petcurator: ")) && last.contains(args.first()), qPrintable(err));
        }
    }

    void sigtermWhileLoadingExitsZero()
    {
        const QString ws = m_tmp.filePath(QStringLiteral("loading"));
        QProcess gui;
        startGui(gui, ws, {test::sampleImage(samplePhotos().value(4))});
        // The database exists once the workspace is open; the network is still loading then
        // (seconds), and the signal handler has been in place since before the workspace opened.
        QTRY_VERIFY_WITH_TIMEOUT(predictionCount(ws) >= 0 || gui.state() != QProcess::Running, 60000);
        QVERIFY(gui.state() == QProcess::Running);
        gui.terminate();
        expectCleanExit(gui);
    }
};

QTEST_GUILESS_MAIN(TestAppShutdown)
#include "TestAppShutdown.moc"
