#include "ImageDecoder.h"

#include <QBuffer>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QImageReader>
#include <QSet>
#include <QtEndian>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <new>
#include <utility>
#include <vector>

#ifdef Q_OS_UNIX
#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

namespace pc {

namespace {

using Result = Expected<DecodedImage, DecodeError>;

DecodeError fail(DecodeError::Kind kind, const QString& message)
{
    // One line, always: collapse whatever a library or a path put in there.
    QString line = message;
    line.replace(QLatin1Char('\n'), QLatin1Char(' ')).replace(QLatin1Char('\r'), QLatin1Char(' '));
    return DecodeError{kind, line.simplified()};
}

QString formatPixels(qint64 pixels)
{
    if (pixels < 1'000'000)
        return QStringLiteral("%1 pixels").arg(pixels);
    return QStringLiteral("%1 MP").arg(QString::number(double(pixels) / 1e6, 'g', 4));
}

QString formatBytes(qint64 bytes)
{
    if (bytes < 10 * 1024)
        return QStringLiteral("%1 bytes").arg(bytes);
    if (bytes < 10 * 1024 * 1024)
        return QStringLiteral("%1 KiB").arg(QString::number(double(bytes) / 1024.0, 'f', 1));
    return QStringLiteral("%1 MiB").arg(QString::number(double(bytes) / (1024.0 * 1024.0), 'f', 1));
}

QString firstBytesHex(const QByteArray& bytes)
{
    return QString::fromLatin1(bytes.left(8).toHex(' '));
}

// ---------------------------------------------------------------------------------------------
// Header parsing. Everything is bounds-checked against the buffer; nothing trusts a length.

enum class ProbeStatus { Unknown, Ok, HeaderTruncated, Invalid };

struct Probe {
    ProbeStatus status = ProbeStatus::Unknown;
    ImageHeader header;
    QString problem;    // for HeaderTruncated / Invalid
    qint64 frameAt = 0; // jpeg: offset of the SOFn marker
};

class Bytes {
public:
    explicit Bytes(const QByteArray& a)
        : m_d(reinterpret_cast<const uchar*>(a.constData())), m_n(a.size()) {}

    qint64 size() const { return m_n; }
    bool has(qint64 off, qint64 len) const { return off >= 0 && len >= 0 && off <= m_n && len <= m_n - off; }
    uchar u8(qint64 off) const { return m_d[off]; }
    const uchar* ptr(qint64 off) const { return m_d + off; }
    bool equals(qint64 off, const char* s, qint64 len) const
    {
        return has(off, len) && std::memcmp(m_d + off, s, size_t(len)) == 0;
    }
    quint16 be16(qint64 off) const { return qFromBigEndian<quint16>(m_d + off); }
    quint32 be32(qint64 off) const { return qFromBigEndian<quint32>(m_d + off); }
    quint16 le16(qint64 off) const { return qFromLittleEndian<quint16>(m_d + off); }
    quint32 le32(qint64 off) const { return qFromLittleEndian<quint32>(m_d + off); }
    quint32 le24(qint64 off) const { return quint32(m_d[off]) | quint32(m_d[off + 1]) << 8 | quint32(m_d[off + 2]) << 16; }
    quint16 u16(qint64 off, bool little) const { return little ? le16(off) : be16(off); }
    quint32 u32(qint64 off, bool little) const { return little ? le32(off) : be32(off); }
    quint64 u64(qint64 off, bool little) const
    {
        return little ? qFromLittleEndian<quint64>(m_d + off) : qFromBigEndian<quint64>(m_d + off);
    }

private:
    const uchar* m_d;
    qint64 m_n;
};

Probe ok(const char* format, qint64 w, qint64 h)
{
    Probe p;
    p.header.format = QString::fromLatin1(format);
    if (w <= 0 || h <= 0 || w > INT_MAX || h > INT_MAX) {
        p.status = ProbeStatus::Invalid;
        p.problem = QStringLiteral("%1 header gives impossible dimensions %2x%3").arg(QLatin1String(format)).arg(w).arg(h);
        return p;
    }
    p.status = ProbeStatus::Ok;
    p.header.width = int(w);
    p.header.height = int(h);
    return p;
}

Probe cut(const char* format, qint64 have)
{
    Probe p;
    p.status = ProbeStatus::HeaderTruncated;
    p.header.format = QString::fromLatin1(format);
    p.problem = QStringLiteral("%1 header is incomplete (file ends at %2)").arg(QLatin1String(format), formatBytes(have));
    return p;
}

Probe invalid(const char* format, const QString& why)
{
    Probe p;
    p.status = ProbeStatus::Invalid;
    p.header.format = QString::fromLatin1(format);
    p.problem = QStringLiteral("%1 header is invalid: %2").arg(QLatin1String(format), why);
    return p;
}

Probe probeJpeg(const Bytes& b)
{
    // Walk the marker segments the way libjpeg does until the first SOFn.
    qint64 pos = 2;
    for (;;) {
        while (pos < b.size() && b.u8(pos) != 0xFF) // stray bytes between segments: libjpeg skips them
            ++pos;
        while (pos < b.size() && b.u8(pos) == 0xFF) // fill bytes
            ++pos;
        if (pos >= b.size())
            return cut("jpeg", b.size());
        const uchar m = b.u8(pos++);
        if (m == 0x00 || m == 0x01 || (m >= 0xD0 && m <= 0xD7))
            continue; // stuffed zero, TEM, RSTn: no payload
        if (m == 0xD8)
            return invalid("jpeg", QStringLiteral("second start-of-image marker"));
        if (m == 0xD9)
            return invalid("jpeg", QStringLiteral("end-of-image before any frame header"));
        if (m == 0xDA)
            return invalid("jpeg", QStringLiteral("scan data before any frame header"));
        if (!b.has(pos, 2))
            return cut("jpeg", b.size());
        const quint16 len = b.be16(pos);
        if (len < 2)
            return invalid("jpeg", QStringLiteral("segment length %1").arg(len));
        const bool sof = m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
        if (sof) {
            if (!b.has(pos, 7))
                return cut("jpeg", b.size());
            const quint16 h = b.be16(pos + 3);
            const quint16 w = b.be16(pos + 5);
            if (h == 0)
                return invalid("jpeg", QStringLiteral("zero height (DNL marker is not supported)"));
            Probe p = ok("jpeg", w, h);
            p.frameAt = pos - 2;
            return p;
        }
        pos += len;
        if (pos > b.size())
            return cut("jpeg", b.size());
    }
}

Probe probePng(const Bytes& b)
{
    if (!b.has(0, 24))
        return cut("png", b.size());
    if (!b.equals(12, "IHDR", 4))
        return invalid("png", QStringLiteral("first chunk is not IHDR"));
    const quint32 w = b.be32(16), h = b.be32(20);
    return ok("png", w, h);
}

// GIF blocks up to the end of the first image: we decode only that frame.
struct GifFirstFrame {
    bool cut = false;   // the file ends before the frame's image data does
    uchar badBlock = 0; // neither an extension nor an image before the first image
    qint64 width = 0;   // the frame's extent from the canvas origin
    qint64 height = 0;
};

GifFirstFrame walkGifFirstFrame(const Bytes& b)
{
    GifFirstFrame f;
    qint64 pos = 13;
    const auto skipColourTable = [&](uchar flags) {
        if (flags & 0x80)
            pos += 3LL * (1LL << ((flags & 7) + 1));
    };
    const auto skipSubBlocks = [&]() {
        for (;;) {
            if (!b.has(pos, 1))
                return false;
            const uchar n = b.u8(pos);
            pos += 1 + n;
            if (n == 0)
                return b.has(0, pos);
        }
    };
    skipColourTable(b.u8(10));
    for (;;) {
        if (!b.has(pos, 1)) {
            f.cut = true;
            return f;
        }
        const uchar block = b.u8(pos);
        if (block == 0x21) {
            pos += 2; // introducer + label
            if (!skipSubBlocks()) {
                f.cut = true;
                return f;
            }
        } else if (block == 0x2C) {
            if (!b.has(pos, 11)) {
                f.cut = true;
                return f;
            }
            f.width = qint64(b.le16(pos + 1)) + b.le16(pos + 5);
            f.height = qint64(b.le16(pos + 3)) + b.le16(pos + 7);
            const uchar flags = b.u8(pos + 9);
            pos += 10;
            skipColourTable(flags);
            pos += 1; // LZW minimum code size
            f.cut = !b.has(0, pos) || !skipSubBlocks();
            return f;
        } else {
            f.badBlock = block;
            return f;
        }
    }
}

Probe probeGif(const Bytes& b)
{
    if (!b.has(0, 13))
        return cut("gif", b.size());
    const quint16 sw = b.le16(6), sh = b.le16(8);
    if (sw != 0 && sh != 0)
        return ok("gif", sw, sh);
    // A zero logical screen: decoders use the first frame's size.
    const GifFirstFrame first = walkGifFirstFrame(b);
    if (first.badBlock)
        return invalid("gif", QStringLiteral("no image before block 0x%1").arg(first.badBlock, 2, 16, QLatin1Char('0')));
    if (first.width == 0 && first.cut)
        return cut("gif", b.size());
    return ok("gif", first.width, first.height);
}

bool isKnownBmpInfoSize(quint32 s)
{
    return s == 12 || s == 16 || s == 40 || s == 52 || s == 56 || s == 64 || s == 108 || s == 124;
}

Probe probeBmp(const Bytes& b)
{
    if (!b.has(0, 18))
        return cut("bmp", b.size());
    const quint32 info = b.le32(14);
    if (!isKnownBmpInfoSize(info))
        return {}; // "BM" alone is too weak a magic: a text file may start with it
    if (info == 12) {
        if (!b.has(0, 26))
            return cut("bmp", b.size());
        if (b.le16(22) != 1)
            return {};
        return ok("bmp", b.le16(18), b.le16(20));
    }
    if (!b.has(0, 30))
        return cut("bmp", b.size());
    if (b.le16(26) != 1) // planes
        return {};
    const qint64 w = qint32(b.le32(18));
    qint64 h = qint32(b.le32(22));
    if (h < 0)
        h = -h; // top-down bitmap
    return ok("bmp", w, h);
}

Probe probeWebp(const Bytes& b)
{
    if (!b.has(12, 8))
        return cut("webp", b.size());
    if (b.equals(12, "VP8 ", 4)) {
        if (!b.has(0, 30))
            return cut("webp", b.size());
        if (!(b.u8(23) == 0x9D && b.u8(24) == 0x01 && b.u8(25) == 0x2A))
            return invalid("webp", QStringLiteral("bad VP8 start code"));
        return ok("webp", b.le16(26) & 0x3FFF, b.le16(28) & 0x3FFF);
    }
    if (b.equals(12, "VP8L", 4)) {
        if (!b.has(0, 25))
            return cut("webp", b.size());
        if (b.u8(20) != 0x2F)
            return invalid("webp", QStringLiteral("bad VP8L signature"));
        const quint32 bits = b.le32(21);
        return ok("webp", (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1);
    }
    if (b.equals(12, "VP8X", 4)) {
        if (!b.has(0, 30))
            return cut("webp", b.size());
        return ok("webp", qint64(b.le24(24)) + 1, qint64(b.le24(27)) + 1);
    }
    return invalid("webp", QStringLiteral("unknown first chunk '%1'")
                               .arg(QString::fromLatin1(reinterpret_cast<const char*>(b.ptr(12)), 4).toHtmlEscaped()));
}

// TIFF: classic (II*\0 / MM\0*) and BigTIFF (II+\0 / MM\0+).
struct TiffLayout {
    bool little = true;
    bool big = false; // BigTIFF
    qint64 entrySize() const { return big ? 20 : 12; }
    qint64 countSize() const { return big ? 8 : 2; }
    qint64 inlineSize() const { return big ? 8 : 4; }
};

struct TiffEntry {
    quint16 tag = 0;
    quint16 type = 0;
    quint64 count = 0;
    qint64 valuePos = 0; // where the value (or its offset) sits in the entry
};

qint64 tiffTypeSize(quint16 type)
{
    switch (type) {
    case 1: case 2: case 6: case 7: return 1; // BYTE ASCII SBYTE UNDEFINED
    case 3: case 8: return 2;                 // SHORT SSHORT
    case 4: case 9: case 11: case 13: return 4; // LONG SLONG FLOAT IFD
    case 5: case 10: case 12: case 16: case 17: case 18: return 8; // RATIONAL ... LONG8 SLONG8 IFD8
    default: return 0;
    }
}

// Reads value #i of an integer entry (SHORT / LONG / LONG8). nullopt when out of the buffer.
std::optional<quint64> tiffValue(const Bytes& b, const TiffLayout& t, const TiffEntry& e, quint64 i)
{
    const qint64 sz = tiffTypeSize(e.type);
    if ((e.type != 3 && e.type != 4 && e.type != 16) || i >= e.count)
        return std::nullopt;
    qint64 base = e.valuePos;
    if (e.count > quint64(t.inlineSize() / sz)) { // out of line
        if (!b.has(e.valuePos, t.inlineSize()))
            return std::nullopt;
        const quint64 off = t.big ? b.u64(e.valuePos, t.little) : b.u32(e.valuePos, t.little);
        if (off > quint64(b.size()))
            return std::nullopt;
        base = qint64(off);
    }
    if (i > quint64(b.size()))
        return std::nullopt;
    const qint64 at = base + qint64(i) * sz;
    if (!b.has(at, sz))
        return std::nullopt;
    switch (e.type) {
    case 3: return b.u16(at, t.little);
    case 4: return b.u32(at, t.little);
    default: return b.u64(at, t.little);
    }
}

bool tiffLayout(const Bytes& b, TiffLayout* t)
{
    if (b.equals(0, "II*\0", 4)) { *t = {true, false}; return true; }
    if (b.equals(0, "MM\0*", 4)) { *t = {false, false}; return true; }
    if (b.equals(0, "II+\0", 4)) { *t = {true, true}; return true; }
    if (b.equals(0, "MM\0+", 4)) { *t = {false, true}; return true; }
    return false;
}

// The first IFD's entries, or a probe failure.
struct TiffIfd {
    std::vector<TiffEntry> entries;
    bool complete = true; // all entries present in the buffer
};

std::optional<Probe> readFirstIfd(const Bytes& b, const TiffLayout& t, TiffIfd* ifd)
{
    const qint64 headerSize = t.big ? 16 : 8;
    if (!b.has(0, headerSize))
        return cut("tiff", b.size());
    quint64 ifdOff = 0;
    if (t.big) {
        if (b.u16(4, t.little) != 8)
            return invalid("tiff", QStringLiteral("BigTIFF offset size is not 8"));
        ifdOff = b.u64(8, t.little);
    } else {
        ifdOff = b.u32(4, t.little);
    }
    if (ifdOff < quint64(headerSize))
        return invalid("tiff", QStringLiteral("first IFD offset %1").arg(ifdOff));
    if (ifdOff > quint64(b.size()) || !b.has(qint64(ifdOff), t.countSize()))
        return cut("tiff", b.size());
    const qint64 start = qint64(ifdOff);
    const quint64 count = t.big ? b.u64(start, t.little) : b.u16(start, t.little);
    const qint64 first = start + t.countSize();
    for (quint64 i = 0; i < count; ++i) {
        const qint64 at = first + qint64(i) * t.entrySize();
        if (!b.has(at, t.entrySize())) {
            ifd->complete = false;
            break;
        }
        TiffEntry e;
        e.tag = b.u16(at, t.little);
        e.type = b.u16(at + 2, t.little);
        e.count = t.big ? b.u64(at + 4, t.little) : b.u32(at + 4, t.little);
        e.valuePos = at + (t.big ? 12 : 8);
        ifd->entries.push_back(e);
    }
    return std::nullopt;
}

const TiffEntry* findTag(const TiffIfd& ifd, quint16 tag)
{
    for (const TiffEntry& e : ifd.entries)
        if (e.tag == tag)
            return &e;
    return nullptr;
}

Probe probeTiff(const Bytes& b)
{
    TiffLayout t;
    tiffLayout(b, &t);
    TiffIfd ifd;
    if (auto failed = readFirstIfd(b, t, &ifd))
        return *failed;
    const TiffEntry* we = findTag(ifd, 256);
    const TiffEntry* he = findTag(ifd, 257);
    if (!we || !he) {
        if (!ifd.complete)
            return cut("tiff", b.size());
        return invalid("tiff", QStringLiteral("no ImageWidth/ImageLength tags"));
    }
    const auto w = tiffValue(b, t, *we, 0);
    const auto h = tiffValue(b, t, *he, 0);
    if (!w || !h)
        return invalid("tiff", QStringLiteral("ImageWidth/ImageLength are not SHORT or LONG"));
    return ok("tiff", qint64(std::min<quint64>(*w, quint64(INT_MAX) + 1)),
              qint64(std::min<quint64>(*h, quint64(INT_MAX) + 1)));
}

Probe probeAll(const QByteArray& bytes)
{
    const Bytes b(bytes);
    static const char pngSig[] = "\x89PNG\r\n\x1a\n";
    if (b.size() >= 2 && b.u8(0) == 0xFF && b.u8(1) == 0xD8 && (b.size() < 3 || b.u8(2) == 0xFF)) {
        return probeJpeg(b);
    }
    if (b.size() >= 4 && std::memcmp(b.ptr(0), pngSig, size_t(std::min<qint64>(b.size(), 8))) == 0)
        return probePng(b);
    if (b.equals(0, "GIF87a", 6) || b.equals(0, "GIF89a", 6))
        return probeGif(b);
    if (b.equals(0, "BM", 2))
        return probeBmp(b);
    if (b.equals(0, "RIFF", 4) && b.equals(8, "WEBP", 4))
        return probeWebp(b);
    TiffLayout t;
    if (tiffLayout(b, &t))
        return probeTiff(b);
    return {};
}

// ---------------------------------------------------------------------------------------------
// Truncation of the body, once the header is known to be fine. An empty QString means "complete".

QString jpegTruncation(const QByteArray& bytes, qint64 frameAt)
{
    // libjpeg decodes a JPEG cut short with a warning and gray fill, so look for EOI ourselves.
    // Inside entropy-coded data 0xFF is always followed by 0x00 or RSTn, so FFD9 after the
    // frame header is the end-of-image marker (an EXIF thumbnail's EOI sits before the SOF).
    const qsizetype sof = qsizetype(frameAt);
    const qsizetype eoi = bytes.lastIndexOf(QByteArrayView("\xFF\xD9", 2));
    if (eoi > sof)
        return {};
    return QStringLiteral("jpeg has no end-of-image marker (file ends at %1)").arg(formatBytes(bytes.size()));
}

QString pngTruncation(const QByteArray& bytes)
{
    const Bytes b(bytes);
    qint64 pos = 8;
    while (b.has(pos, 8)) {
        const quint32 len = b.be32(pos);
        const bool iend = b.equals(pos + 4, "IEND", 4);
        if (!b.has(pos, 12 + qint64(len)))
            break;
        if (iend)
            return {};
        pos += 12 + qint64(len);
    }
    return QStringLiteral("png has no IEND chunk (file ends at %1)").arg(formatBytes(bytes.size()));
}

QString webpTruncation(const QByteArray& bytes)
{
    const Bytes b(bytes);
    const qint64 riff = qint64(b.le32(4)) + 8;
    if (riff <= b.size())
        return {};
    return QStringLiteral("webp is %1 but its RIFF header says %2").arg(formatBytes(b.size()), formatBytes(riff));
}

QString bmpTruncation(const QByteArray& bytes)
{
    const Bytes b(bytes);
    const qint64 pixelsAt = b.le32(10);
    if (pixelsAt > b.size())
        return QStringLiteral("bmp pixel data would start at byte %1 but the file ends at %2").arg(pixelsAt).arg(formatBytes(b.size()));
    const quint32 info = b.le32(14);
    if (info < 40 || !b.has(0, 34))
        return {};
    const quint16 bpp = b.le16(28);
    const quint32 compression = b.le32(30);
    if (compression != 0 && compression != 3 && compression != 6)
        return {}; // RLE: size depends on the data
    const qint64 w = qint32(b.le32(18));
    const qint64 h = std::abs(qint64(qint32(b.le32(22))));
    const qint64 row = ((w * bpp + 31) / 32) * 4;
    const qint64 need = pixelsAt + row * h;
    if (need <= b.size())
        return {};
    return QStringLiteral("bmp needs %1 of pixel data but the file ends at %2").arg(formatBytes(need), formatBytes(b.size()));
}

QString tiffTruncation(const QByteArray& bytes)
{
    const Bytes b(bytes);
    TiffLayout t;
    if (!tiffLayout(b, &t))
        return {};
    TiffIfd ifd;
    if (readFirstIfd(b, t, &ifd))
        return {};
    const QString cutShort = QStringLiteral("tiff image data runs past the end of the file (%1)").arg(formatBytes(b.size()));
    if (!ifd.complete)
        return cutShort;
    for (const auto& [offTag, countTag] : {std::pair<quint16, quint16>{273, 279}, {324, 325}}) {
        const TiffEntry* offs = findTag(ifd, offTag);
        const TiffEntry* counts = findTag(ifd, countTag);
        if (!offs || !counts)
            continue;
        const quint64 n = std::min(offs->count, counts->count);
        if (n > quint64(b.size())) // more strips than bytes: nonsense, let the decoder judge
            return {};
        for (quint64 i = 0; i < n; ++i) {
            const auto off = tiffValue(b, t, *offs, i);
            const auto len = tiffValue(b, t, *counts, i);
            if (!off || !len)
                return cutShort;
            if (*off > quint64(b.size()) || *len > quint64(b.size()) - *off)
                return cutShort;
        }
    }
    return {};
}

QString gifTruncation(const QByteArray& bytes)
{
    // Qt's reader returns a partial first frame without complaint.
    if (walkGifFirstFrame(Bytes(bytes)).cut)
        return QStringLiteral("gif first frame runs past the end of the file (%1)").arg(formatBytes(bytes.size()));
    return {};
}

QString bodyTruncation(const Probe& probe, const QByteArray& bytes)
{
    const QString& format = probe.header.format;
    if (format == QLatin1String("jpeg"))
        return jpegTruncation(bytes, probe.frameAt);
    if (format == QLatin1String("png"))
        return pngTruncation(bytes);
    if (format == QLatin1String("webp"))
        return webpTruncation(bytes);
    if (format == QLatin1String("bmp"))
        return bmpTruncation(bytes);
    if (format == QLatin1String("tiff"))
        return tiffTruncation(bytes);
    if (format == QLatin1String("gif"))
        return gifTruncation(bytes);
    return {};
}

DecodeError tooManyPixels(qint64 w, qint64 h, qint64 limit)
{
    return fail(DecodeError::Kind::TooLarge, QStringLiteral("too large: %1x%2 = %3 exceeds the limit of %4")
                                                 .arg(w).arg(h).arg(formatPixels(w * h), formatPixels(limit)));
}

// GIF through Qt's gif plugin (OpenCV 4.6 has no GIF decoder): first frame, 8-bit RGB.
Result decodeGif(const QByteArray& bytes, const DecodeLimits& limits, cv::Mat* out)
{
    QByteArray data = bytes; // shared, not copied
    QBuffer buffer(&data);
    if (!buffer.open(QIODevice::ReadOnly))
        return fail(DecodeError::Kind::Unreadable, QStringLiteral("unreadable: cannot open the gif buffer"));
    QImageReader reader(&buffer, "gif");
    // Qt's own allocation guard, in MiB, sized to our pixel limit (32-bit pixels).
    const qint64 mib = std::clamp<qint64>(limits.maxPixels / (1 << 18) + 1, 1, INT_MAX);
    reader.setAllocationLimit(int(mib));
    QImage image;
    if (!reader.read(&image) || image.isNull())
        return fail(DecodeError::Kind::Unreadable, QStringLiteral("unreadable: gif decoder failed: %1").arg(reader.errorString()));
    if (qint64(image.width()) * image.height() > limits.maxPixels)
        return tooManyPixels(image.width(), image.height(), limits.maxPixels);
    image = image.convertToFormat(QImage::Format_RGB888);
    if (image.isNull())
        return fail(DecodeError::Kind::Unreadable, QStringLiteral("unreadable: gif frame could not be converted to RGB"));
    cv::Mat rgb(image.height(), image.width(), CV_8UC3);
    for (int y = 0; y < image.height(); ++y)
        std::memcpy(rgb.ptr(y), image.constScanLine(y), size_t(image.width()) * 3);
    *out = rgb;
    return DecodedImage{};
}

// Everything else through OpenCV. IMREAD_COLOR: 8-bit BGR whatever the source (gray, alpha,
// 16-bit, CMYK), EXIF orientation applied (imdecode skips it only for IMREAD_UNCHANGED).
Result decodeOpenCv(const QByteArray& bytes, const QString& format, cv::Mat* out)
{
    cv::Mat bgr;
    try {
        const cv::Mat buffer(1, int(bytes.size()), CV_8UC1, const_cast<char*>(bytes.constData()));
        bgr = cv::imdecode(buffer, cv::IMREAD_COLOR);
        if (bgr.empty())
            return fail(DecodeError::Kind::Unreadable, QStringLiteral("unreadable: the %1 decoder rejected the data").arg(format));
        if (bgr.depth() != CV_8U) {
            cv::Mat eight;
            bgr.convertTo(eight, CV_8U, bgr.depth() == CV_16U ? 1.0 / 257.0 : 1.0);
            bgr = eight;
        }
        if (bgr.channels() == 1)
            cv::cvtColor(bgr, *out, cv::COLOR_GRAY2RGB);
        else if (bgr.channels() == 4)
            cv::cvtColor(bgr, *out, cv::COLOR_BGRA2RGB);
        else if (bgr.channels() == 3)
            cv::cvtColor(bgr, *out, cv::COLOR_BGR2RGB);
        else
            return fail(DecodeError::Kind::Unreadable,
                        QStringLiteral("unreadable: %1 decoded to %2 channels").arg(format).arg(bgr.channels()));
    } catch (const cv::Exception& e) {
        return fail(DecodeError::Kind::Unreadable,
                    QStringLiteral("unreadable: %1 decoder error: %2").arg(format, QString::fromStdString(e.err)));
    } catch (const std::bad_alloc&) {
        return fail(DecodeError::Kind::Unreadable, QStringLiteral("unreadable: out of memory while decoding %1").arg(format));
    } catch (const std::exception& e) {
        return fail(DecodeError::Kind::Unreadable,
                    QStringLiteral("unreadable: %1 decoder error: %2").arg(format, QString::fromLocal8Bit(e.what())));
    }
    return DecodedImage{};
}

#ifdef Q_OS_UNIX
DecodeError fromErrno(int err, const QString& path)
{
    switch (err) {
    case ELOOP: return fail(DecodeError::Kind::SymlinkLoop, QStringLiteral("symlink loop: %1").arg(path));
    case ENOENT:
    case ENOTDIR: return fail(DecodeError::Kind::NotFound, QStringLiteral("not found: %1").arg(path));
    case EISDIR: return fail(DecodeError::Kind::IsDirectory, QStringLiteral("is a directory: %1").arg(path));
    case EACCES:
    case EPERM: return fail(DecodeError::Kind::Unreadable, QStringLiteral("unreadable: permission denied: %1").arg(path));
    default:
        return fail(DecodeError::Kind::Unreadable,
                    QStringLiteral("unreadable: %1: %2").arg(QString::fromLocal8Bit(std::strerror(err)), path));
    }
}
#endif

} // namespace

QString DecodeError::kindName(Kind kind)
{
    switch (kind) {
    case Kind::Empty: return QStringLiteral("empty");
    case Kind::Truncated: return QStringLiteral("truncated");
    case Kind::NotAnImage: return QStringLiteral("not-an-image");
    case Kind::TooLarge: return QStringLiteral("too-large");
    case Kind::Unreadable: return QStringLiteral("unreadable");
    case Kind::IsDirectory: return QStringLiteral("is-directory");
    case Kind::SymlinkLoop: return QStringLiteral("symlink-loop");
    case Kind::NotFound: return QStringLiteral("not-found");
    }
    return QStringLiteral("unknown");
}

ImageDecoder::ImageDecoder(DecodeLimits limits) : m_limits(limits) {}

std::optional<ImageHeader> ImageDecoder::probe(const QByteArray& bytes)
{
    const Probe p = probeAll(bytes);
    if (p.status == ProbeStatus::Unknown)
        return std::nullopt;
    return p.header; // width/height stay 0 when the header is cut short or invalid
}

Expected<DecodedImage, DecodeError> ImageDecoder::decode(const QByteArray& bytes) const
{
    using K = DecodeError::Kind;
    if (bytes.isEmpty())
        return fail(K::Empty, QStringLiteral("empty: 0 bytes"));
    if (bytes.size() > m_limits.maxFileBytes)
        return fail(K::TooLarge, QStringLiteral("too large: %1 exceeds the limit of %2")
                                     .arg(formatBytes(bytes.size()), formatBytes(m_limits.maxFileBytes)));
    if (bytes.size() > INT_MAX)
        return fail(K::TooLarge, QStringLiteral("too large: %1 is more than the decoder accepts").arg(formatBytes(bytes.size())));

    const Probe p = probeAll(bytes);
    switch (p.status) {
    case ProbeStatus::Unknown:
        return fail(K::NotAnImage, QStringLiteral("not an image: unrecognised content (%1 bytes starting %2)")
                                       .arg(bytes.size()).arg(firstBytesHex(bytes)));
    case ProbeStatus::HeaderTruncated:
        return fail(K::Truncated, QStringLiteral("truncated: %1").arg(p.problem));
    case ProbeStatus::Invalid:
        return fail(K::Unreadable, QStringLiteral("unreadable: %1").arg(p.problem));
    case ProbeStatus::Ok:
        break;
    }
    const ImageHeader& h = p.header;
    // Decompression-bomb guard: decided on the header, before a single pixel is allocated.
    if (qint64(h.width) * h.height > m_limits.maxPixels)
        return tooManyPixels(h.width, h.height, m_limits.maxPixels);
    const QString cutShort = bodyTruncation(p, bytes);
    if (!cutShort.isEmpty())
        return fail(K::Truncated, QStringLiteral("truncated: %1").arg(cutShort));

    cv::Mat rgb;
    Result r = h.format == QLatin1String("gif") ? decodeGif(bytes, m_limits, &rgb) : decodeOpenCv(bytes, h.format, &rgb);
    if (!r.ok())
        return r;
    // The header may have lied: check what was actually decoded too.
    if (qint64(rgb.cols) * rgb.rows > m_limits.maxPixels)
        return tooManyPixels(rgb.cols, rgb.rows, m_limits.maxPixels);
    if (rgb.empty() || rgb.type() != CV_8UC3)
        return fail(K::Unreadable, QStringLiteral("unreadable: %1 decoded to an unexpected pixel type").arg(h.format));
    return DecodedImage{rgb, h.format};
}

Expected<DecodedImage, DecodeError> ImageDecoder::decodeFile(const QString& path) const
{
    using K = DecodeError::Kind;
    if (path.isEmpty())
        return fail(K::NotFound, QStringLiteral("not found: empty path"));
    const QFileInfo info(path);
    if (info.isSymLink() && !info.exists()) {
        // Dangling or looping: follow the chain one link at a time.
        QSet<QString> seen;
        QFileInfo link = info;
        for (int hops = 0; link.isSymLink(); ++hops) {
            const QString at = link.absoluteFilePath();
            if (seen.contains(at) || hops > 40)
                return fail(K::SymlinkLoop, QStringLiteral("symlink loop: %1").arg(path));
            seen.insert(at);
            link = QFileInfo(link.symLinkTarget());
        }
        return fail(K::NotFound, QStringLiteral("not found: %1 is a broken symlink").arg(path));
    }
    if (!info.exists())
        return fail(K::NotFound, QStringLiteral("not found: %1").arg(path));
    if (info.isDir())
        return fail(K::IsDirectory, QStringLiteral("is a directory: %1").arg(path));
    if (!info.isFile())
        return fail(K::Unreadable, QStringLiteral("unreadable: not a regular file (FIFO, device or socket): %1").arg(path));
    const auto tooBig = [&](qint64 size) {
        return fail(K::TooLarge, QStringLiteral("too large: file is %1, the limit is %2: %3")
                                     .arg(formatBytes(size), formatBytes(m_limits.maxFileBytes), path));
    };
    if (info.size() > m_limits.maxFileBytes)
        return tooBig(info.size());

    QFile file;
#ifdef Q_OS_UNIX
    // Open without blocking and re-check on the descriptor: the path may have been swapped for a
    // FIFO or device since the QFileInfo look.
    const QByteArray native = QFile::encodeName(path);
    const int fd = ::open(native.constData(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return fromErrno(errno, path);
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        const int err = errno;
        ::close(fd);
        return fromErrno(err, path);
    }
    if (S_ISDIR(st.st_mode)) {
        ::close(fd);
        return fail(K::IsDirectory, QStringLiteral("is a directory: %1").arg(path));
    }
    if (!S_ISREG(st.st_mode)) {
        ::close(fd);
        return fail(K::Unreadable, QStringLiteral("unreadable: not a regular file (FIFO, device or socket): %1").arg(path));
    }
    if (qint64(st.st_size) > m_limits.maxFileBytes) {
        ::close(fd);
        return tooBig(qint64(st.st_size));
    }
    if (!file.open(fd, QIODevice::ReadOnly, QFileDevice::AutoCloseHandle)) {
        ::close(fd);
        return fail(K::Unreadable, QStringLiteral("unreadable: %1: %2").arg(file.errorString(), path));
    }
#else
    file.setFileName(path);
    if (!file.open(QIODevice::ReadOnly))
        return fail(K::Unreadable, QStringLiteral("unreadable: %1: %2").arg(file.errorString(), path));
#endif
    // Read at most maxFileBytes + 1, in chunks: the file may have grown since it was measured.
    QByteArray bytes;
    bytes.reserve(qsizetype(std::min<qint64>(info.size(), m_limits.maxFileBytes) + 1));
    constexpr qint64 chunk = 1 << 20;
    for (;;) {
        const qint64 want = std::min<qint64>(chunk, m_limits.maxFileBytes + 1 - bytes.size());
        if (want <= 0)
            break;
        const qsizetype before = bytes.size();
        bytes.resize(before + want);
        const qint64 got = file.read(bytes.data() + before, want);
        if (got < 0)
            return fail(K::Unreadable, QStringLiteral("unreadable: read error: %1: %2").arg(file.errorString(), path));
        bytes.resize(before + got);
        if (got == 0)
            break;
    }
    if (bytes.size() > m_limits.maxFileBytes)
        return tooBig(bytes.size());
    if (bytes.isEmpty())
        return fail(K::Empty, QStringLiteral("empty: 0 bytes: %1").arg(path));
    return decode(bytes);
}

} // namespace pc
