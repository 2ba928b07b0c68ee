#pragma once
// Process-wide allocator settings for a process that decodes photos and runs the backbone on
// several threads. Call first thing in main(), before any thread starts.
//
// Why: glibc gives each thread that allocates its own arena (up to 8 per core) and keeps freed
// memory in it, below a trim threshold that rises to 64 MB once large blocks have been freed. A
// forward pass or a photo decode leaves its thread's arena at 20–50 MB, for good. Measured in
// petcurator-bench-ui after one training on the sample (gdb, thread_arena per thread): 11 arenas
// of 20–46 MB (UI 143, two prediction workers 33 + 43, two thumbnail loaders 46 + 42, learning
// loop 37, refresh 26, label writer 28, import 22, embedding workers 25), 465 MB in all.
// With as many arenas as cores, threads share them and the peaks overlap instead of adding up:
// training phase peak 656 → 413 MB, end of run 681 → 437 MB, throughput unchanged (45 img/s).
// Fixing glibc's trim threshold instead (MALLOC_TRIM_THRESHOLD_=8 MB) bounded memory too, but cut
// prediction throughput from 26 to 6–7 img/s (page faults on every image).
namespace pc {

// Caps malloc arenas at max(2, cores). Returns the cap, or 0 where the allocator has no arenas.
int applyMemoryPolicy();

// Gives the heap's free pages back to the system (glibc: malloc_trim). Below the trim threshold
// glibc keeps what a burst of work (training, thousands of predictions) freed, in every arena, for
// good; call this once such a burst is over. It walks every arena, holding each one's lock a few
// ms: call it off the UI thread, when the work is done, not per image.
void releaseFreeMemory();

} // namespace pc
