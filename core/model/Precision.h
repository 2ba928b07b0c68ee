#pragma once
// The number format the backbone's inference computes in. bf16 (bfloat16) runs the convolutions through
// oneDNN's AVX-512 BF16 kernels, about 1.5× as fast as fp32 where the CPU has them; input,
// embedding, logits and every head stay fp32. Whether the CPU has them is asked at run time (the
// build is the same for every machine).
#include "Expected.h"

#include <QString>

namespace pc {

enum class Precision { Fp32, Bf16 };

// What a user chose: a precision, or auto (bf16 where the CPU has it natively, else fp32).
enum class PrecisionChoice { Auto, Fp32, Bf16 };

QString precisionName(Precision precision);       // "fp32", "bf16"
QString precisionChoiceName(PrecisionChoice choice); // "auto", "fp32", "bf16"

// "auto", "fp32" or "bf16" (case-insensitive); anything else is a one-line error.
Expected<PrecisionChoice> parsePrecisionChoice(const QString& text);

// Whether this CPU runs bf16 natively (AVX512_BF16 or AMX), asked once: oneDNN's effective ISA
// where oneDNN is loaded (which honours ONEDNN_MAX_CPU_ISA), else the flags in /proc/cpuinfo.
bool cpuHasBf16();
// How that was found, for --version and About, e.g. "oneDNN ISA avx512_core_bf16".
QString bf16Evidence();

// The precision a choice means on this CPU. bf16 where the CPU lacks it is an error, not a silent
// fallback: emulated bf16 is slower than fp32.
Expected<Precision> resolvePrecision(PrecisionChoice choice);

} // namespace pc
