#pragma once
// Scheduling priority of the calling thread. Every worker sets its own when it starts (see
// ARCHITECTURE.md, Threads): nothing adjusts threads from outside, so a renamed pool or a reused
// thread id can't change who yields to whom.
//
// Why at all: on a 2-core machine, embedding, training and prediction threads compete with the UI
// thread and with Qt's painting helpers (the raster engine splits large fills over the global
// thread pool and waits for them). Linux's per-thread nice value makes the background yield.
namespace pc {

enum class ThreadPriority {
    Normal = 0,     // the UI, thumbnails, label writes: what the curator waits for right now
    Visible = 3,    // predictions of images in the gallery: below the UI, above training
    Background = 5, // imports, embedding, training
};

// Lowers the calling thread's priority to at least `priority` (a nice value on Linux). Never
// raises it: an unprivileged process can't, and a thread already lower stays so. Cheap enough to
// call at the start of every job. A no-op where threads have no priority of their own.
void lowerCurrentThreadPriority(ThreadPriority priority);

// The calling thread's nice value (0 where unsupported), for workers that take their starter's
// priority: read it in the starting thread, apply it with lowerCurrentThreadNice() in the worker.
int currentThreadNice();
void lowerCurrentThreadNice(int nice);

} // namespace pc
