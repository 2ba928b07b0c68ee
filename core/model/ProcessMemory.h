#pragma once
// This process's memory as the kernel counts it, for the benchmarks' figures.
namespace pc {

// A field of /proc/self/status in MB: "VmRSS" (resident now), "VmHWM" (peak resident). 0 where
// there is no such file or field.
double processMemoryMb(const char* field);

// Resets VmHWM to the current RSS (Linux ≥ 4.0), so that a step reports its own peak. False where
// the kernel refuses; the peak is then the process's so far.
bool resetPeakMemory();

} // namespace pc
