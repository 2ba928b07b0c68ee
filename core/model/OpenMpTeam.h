#pragma once
// The OpenMP worker threads torch's intra-op parallelism runs beside the calling thread (every
// thread that runs parallel torch code has a team of its own).
namespace pc {

enum class ThreadPriority; // concurrency/ThreadPriority.h

// Lowers the priority of every member of the calling thread's team, `threads` wide: one parallel
// region in which each member lowers itself. libgomp keeps the team for the thread's later regions,
// and members it adds later start from this thread, so they inherit its priority.
void lowerOpenMpTeamPriority(ThreadPriority priority, int threads);

} // namespace pc
