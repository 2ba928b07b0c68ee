#include "model/Precision.h"

#include <QFile>
#include <dlfcn.h>

namespace pc {

QString precisionName(Precision precision)
{
    return precision == Precision::Bf16 ? QStringLiteral("bf16") : QStringLiteral("fp32");
}

QString precisionChoiceName(PrecisionChoice choice)
{
    switch (choice) {
    case PrecisionChoice::Auto:
        return QStringLiteral("auto");
    case PrecisionChoice::Fp32:
        return QStringLiteral("fp32");
    case PrecisionChoice::Bf16:
        return QStringLiteral("bf16");
    }
    return {};
}

Expected<PrecisionChoice> parsePrecisionChoice(const QString& text)
{
    const QString t = text.trimmed().toLower();
    for (PrecisionChoice c : {PrecisionChoice::Auto, PrecisionChoice::Fp32, PrecisionChoice::Bf16})
        if (t == precisionChoiceName(c))
            return c;
    return Error{QStringLiteral("--precision must be auto, fp32 or bf16, not '%1'").arg(text)};
}

namespace {

struct Bf16Support {
    bool supported = false;
    QString evidence;
};

// oneDNN 2.x (libdnnl.so.2, what libtorch 1.13 links) encodes its ISAs as nested bit masks.
constexpr unsigned kDnnlAvx512CoreBf16 = 0xe7;

QString dnnlIsaName(unsigned isa)
{
    switch (isa) {
    case 0x7: return QStringLiteral("avx2");
    case 0x407: return QStringLiteral("avx2_vnni");
    case 0x27: return QStringLiteral("avx512_core");
    case 0x67: return QStringLiteral("avx512_core_vnni");
    case 0xe7: return QStringLiteral("avx512_core_bf16");
    case 0x3e7: return QStringLiteral("avx512_core_amx");
    default: return QStringLiteral("0x%1").arg(isa, 0, 16);
    }
}

Bf16Support detect()
{
    // oneDNN is what runs the bf16 convolutions, so its answer is the one that counts. Looked up in
    // the running process: no build-time dependency on oneDNN's headers or a particular version.
    struct DnnlVersion { int major, minor, patch; };
    using VersionQuery = const DnnlVersion* (*)();
    using IsaQuery = unsigned (*)();
    auto* version = reinterpret_cast<VersionQuery>(dlsym(RTLD_DEFAULT, "dnnl_version"));
    auto* isaQuery = reinterpret_cast<IsaQuery>(dlsym(RTLD_DEFAULT, "dnnl_get_effective_cpu_isa"));
    if (version && isaQuery && version()->major == 2) {
        const unsigned isa = isaQuery();
        return {(isa & kDnnlAvx512CoreBf16) == kDnnlAvx512CoreBf16, QStringLiteral("oneDNN ISA %1").arg(dnnlIsaName(isa))};
    }
    QFile cpuinfo(QStringLiteral("/proc/cpuinfo"));
    if (!cpuinfo.open(QIODevice::ReadOnly))
        return {false, QStringLiteral("no /proc/cpuinfo")};
    for (const QByteArray& line : cpuinfo.readAll().split('\n')) {
        if (!line.startsWith("flags"))
            continue;
        const QList<QByteArray> flags = line.mid(line.indexOf(':') + 1).simplified().split(' ');
        for (const char* flag : {"avx512_bf16", "amx_bf16"})
            if (flags.contains(flag))
                return {true, QStringLiteral("cpu flag %1").arg(QLatin1String(flag))};
        return {false, QStringLiteral("no avx512_bf16 cpu flag")};
    }
    return {false, QStringLiteral("no cpu flags")};
}

const Bf16Support& support()
{
    static const Bf16Support s = detect();
    return s;
}

} // namespace

bool cpuHasBf16() { return support().supported; }

QString bf16Evidence() { return support().evidence; }

Expected<Precision> resolvePrecision(PrecisionChoice choice)
{
    switch (choice) {
    case PrecisionChoice::Fp32:
        return Precision::Fp32;
    case PrecisionChoice::Auto:
        // bf16 wherever the CPU runs it natively: through OneDnnBackbone it embeds 1.5× faster
        // than fp32 with 99.57 % zero-shot top-1 agreement on the sample (README, "Precision").
        return cpuHasBf16() ? Precision::Bf16 : Precision::Fp32;
    case PrecisionChoice::Bf16:
        if (cpuHasBf16())
            return Precision::Bf16;
        return Error{QStringLiteral("bf16 precision needs a CPU with native bfloat16 instructions, and this one has none (%1): use fp32 or auto")
                         .arg(bf16Evidence())};
    }
    return Precision::Fp32;
}

} // namespace pc
