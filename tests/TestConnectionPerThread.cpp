// TestConnectionPerThread: every thread's workspace connection is created and removed on that
// thread (Qt allows nothing else), whichever thread lets go of the Workspace last: a QThread that
// ends, pool threads that stay alive past the Workspace, and a Workspace released on a pool
// thread. Qt SQL's warnings about connections still in use or used from another thread fail the
// test. Real SQLite files.
#include "workspace/Workspace.h"

#include <QMutex>
#include <QSemaphore>
#include <QSet>
#include <QSqlDatabase>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>
#include <QThreadPool>

#include <memory>

using namespace pc;

namespace {

QMutex g_warningsMutex;
QStringList g_warnings;
QtMessageHandler g_previousHandler = nullptr;

void recordSqlWarnings(QtMsgType type, const QMessageLogContext& context, const QString& message)
{
    if (message.contains(QLatin1String("QSqlDatabasePrivate")) || message.contains(QLatin1String("still in use"))
        || message.contains(QLatin1String("another thread")) || message.contains(QLatin1String("does not belong to the calling thread"))) {
        QMutexLocker lock(&g_warningsMutex);
        g_warnings << message;
    }
    if (g_previousHandler)
        g_previousHandler(type, context, message);
}

QSet<QString> workspaceConnections()
{
    QSet<QString> out;
    for (const QString& name : QSqlDatabase::connectionNames())
        if (name.startsWith(QLatin1String("pc-workspace-")))
            out.insert(name);
    return out;
}

// Runs `work` on the pool and waits for it, not for the pool: QThreadPool::waitForDone() would also
// end the pool's threads.
template <class Work>
void runOn(QThreadPool& pool, Work&& work)
{
    QSemaphore finished;
    // Moved in: the task holds the only copy of what `work` captured.
    pool.start([&finished, work = std::forward<Work>(work)]() mutable {
        work();
        finished.release();
    });
    finished.acquire();
}

} // namespace

class TestConnectionPerThread : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { g_previousHandler = qInstallMessageHandler(recordSqlWarnings); }
    void cleanupTestCase() { qInstallMessageHandler(g_previousHandler); }
    void init()
    {
        QMutexLocker lock(&g_warningsMutex);
        g_warnings.clear();
    }
    void cleanup()
    {
        QMutexLocker lock(&g_warningsMutex);
        QVERIFY2(g_warnings.isEmpty(), qPrintable(g_warnings.join(QLatin1Char('\n'))));
        QVERIFY2(workspaceConnections().isEmpty(), qPrintable(QStringList(workspaceConnections().values()).join(QLatin1Char(' '))));
    }

    void destroyedWhilePoolThreadsLive()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        auto pool = std::make_unique<QThreadPool>();
        pool->setMaxThreadCount(1);
        pool->setExpiryTimeout(-1); // the pool thread outlives the Workspace
        {
            auto opened = Workspace::open(dir.filePath(QStringLiteral("a")));
            QVERIFY2(opened, opened ? "" : qPrintable(opened.error().message));
            std::shared_ptr<Workspace> ws = std::move(*opened); // the only reference
            QCOMPARE(workspaceConnections().size(), 1); // this thread's, from open()

            // A QThread: its connection goes when it ends, before wait() returns.
            int insideThread = 0;
            bool read = false;
            std::unique_ptr<QThread> thread(QThread::create([&] {
                read = ws->imageCount().ok();
                insideThread = int(workspaceConnections().size());
            }));
            thread->start();
            QVERIFY(thread->wait(60000));
            QVERIFY(read);
            QCOMPARE(insideThread, 2);
            QCOMPARE(workspaceConnections().size(), 1);

            // A pool thread keeps its connection while it lives.
            read = false;
            runOn(*pool, [&] { read = ws->images().ok(); });
            QVERIFY(read);
            const QSet<QString> withPool = workspaceConnections();
            QCOMPARE(withPool.size(), 2);

            ws.reset(); // the last owner goes on this thread, the pool thread idles on
            QCOMPARE(workspaceConnections().size(), 1); // only this thread's own was removed here

            // The pool thread's next database call, for any workspace, removes the dead one's.
            auto other = Workspace::open(dir.filePath(QStringLiteral("b")));
            QVERIFY2(other, other ? "" : qPrintable(other.error().message));
            read = false;
            runOn(*pool, [&] { read = (*other)->imageCount().ok(); });
            QVERIFY(read);
            QVERIFY2((workspaceConnections() & withPool).isEmpty(), "a dead workspace's connection outlived its thread's next call");
            QCOMPARE(workspaceConnections().size(), 2); // b: this thread's and the pool thread's
        }
        // `other` went on this thread; the pool thread's connection goes when the pool ends it.
        QCOMPARE(workspaceConnections().size(), 1);
        pool.reset(); // joins its thread
        QCOMPARE(workspaceConnections().size(), 0);
    }

    void releasedOnAPoolThread()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        QThreadPool pool;
        pool.setMaxThreadCount(2);
        {
            auto opened = Workspace::open(dir.path());
            QVERIFY2(opened, opened ? "" : qPrintable(opened.error().message));
            std::shared_ptr<Workspace> ws = std::move(*opened); // the only reference
            QVERIFY(ws->setSetting(QStringLiteral("k"), QStringLiteral("v")));
            // The pool thread holds the last reference and lets go there.
            const std::weak_ptr<Workspace> weak = ws;
            runOn(pool, [ws = std::move(ws)]() mutable {
                if (auto v = ws->setting(QStringLiteral("k")); v && *v == QLatin1String("v"))
                    ws.reset(); // the last reference: the Workspace goes here, on the pool thread
            });
            QVERIFY(weak.expired());
            // This thread's connection is left for this thread: its next call removes it.
            QCOMPARE(workspaceConnections().size(), 1);
            auto other = Workspace::open(dir.filePath(QStringLiteral("b")));
            QVERIFY(other);
            QCOMPARE(workspaceConnections().size(), 1); // the dead one's gone, b's is here
        }
        pool.waitForDone();
    }

    void namesAreUniquePerWorkspaceAndThread()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        auto a = Workspace::open(dir.filePath(QStringLiteral("a")));
        auto b = Workspace::open(dir.filePath(QStringLiteral("a"))); // the same folder, a second handle
        QVERIFY(a && b);
        QSet<QString> names = workspaceConnections();
        QCOMPARE(names.size(), 2);
        for (int i = 0; i < 3; ++i) {
            bool read = false;
            std::unique_ptr<QThread> t(QThread::create([&] {
                read = (*a)->imageCount().ok() && (*b)->imageCount().ok();
                names.unite(workspaceConnections());
            }));
            t->start();
            QVERIFY(t->wait(60000));
            QVERIFY(read);
        }
        QCOMPARE(names.size(), 2 + 3 * 2); // never a name reused, even when a thread id is
    }
};

QTEST_GUILESS_MAIN(TestConnectionPerThread)
#include "TestConnectionPerThread.moc"
