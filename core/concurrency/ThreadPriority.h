#pragma once
// Scheduling priority of the calling thread. Every worker sets its own when it starts (see
// ARCHITECTURE.md, Threads): nothing adjusts threads from outside, so a renamed pool or a reused
// thread id can't change who yields to whom.
//
// Why idle priority and not a nice value: Qt's raster engine splits every large fill of a paint
// into segments on Qt's own GUI thread pool and the UI thread waits for them (QSemaphore in
// qdrawhelper), 30–50 times per frame of the gallery. Each wait needs a pool thread to get a core.
// Linux's EEVDF scheduler lets the running thread finish its slice (~1.5 ms on 2 cores) before a
// woken one of any nice value takes the core, so workers at nice 3–5 made a frame wait 30–50 ×
// up to 1.5 ms (gaps of 60–90 ms, measured with perf sched_switch stacks of the UI thread in
// bench-ui). A SCHED_IDLE thread is preempted at once by any normal thread.
namespace pc {

enum class ThreadPriority {
    Normal,     // the UI, thumbnails, label writes: what the curator waits for right now
    Background, // predictions, imports, embedding, training: the CPU the UI leaves over
};

// Lowers the calling thread's priority to `priority` (Linux: Background is SCHED_IDLE, or nice 19
// where that is refused). Never raises it. Threads the calling thread starts later inherit it.
// Cheap: call it where a worker starts. A no-op where threads have no priority of their own.
void lowerCurrentThreadPriority(ThreadPriority priority);

// The calling thread's priority, for workers that take their starter's: read it in the starting
// thread, pass it to lowerCurrentThreadPriority() in the worker.
ThreadPriority currentThreadPriority();

} // namespace pc
