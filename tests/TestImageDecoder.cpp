// TestImageDecoder: real images encoded at test time (OpenCV / hand-made bytes), every
// failure kind, header probing, EXIF orientation and a few real photos from the pet sample.
#include "imaging/ImageDecoder.h"

#include <QBuffer>
#include <QDir>
#include <QFile>
#include <QImageReader>
#include <QTemporaryDir>
#include <QtEndian>
#include <QtTest>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <vector>

#ifdef Q_OS_UNIX
#include <sys/stat.h>
#include <unistd.h>
#endif

using pc::DecodeError;
using pc::DecodeLimits;
using pc::ImageDecoder;
using Kind = DecodeError::Kind;
using Result = pc::Expected<pc::DecodedImage, DecodeError>;

Q_DECLARE_METATYPE(Kind)

namespace {

struct Rgb {
    int r = 0, g = 0, b = 0;
};
constexpr Rgb kRed{255, 0, 0}, kBlue{0, 0, 255}, kGreen{0, 255, 0}, kWhite{255, 255, 255}, kBlack{0, 0, 0};

QString str(Rgb c) { return QStringLiteral("(%1,%2,%3)").arg(c.r).arg(c.g).arg(c.b); }

// BGR, as OpenCV wants it: top-left red, top-right blue, bottom-left green, bottom-right white.
cv::Mat pattern(int w = 64, int h = 48)
{
    cv::Mat m(h, w, CV_8UC3);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            const bool top = y < h / 2, left = x < w / 2;
            const Rgb c = top ? (left ? kRed : kBlue) : (left ? kGreen : kWhite);
            m.at<cv::Vec3b>(y, x) = cv::Vec3b(uchar(c.b), uchar(c.g), uchar(c.r));
        }
    return m;
}

QByteArray encode(const cv::Mat& m, const char* ext, const std::vector<int>& params = {})
{
    std::vector<uchar> buf;
    if (!cv::imencode(ext, m, buf, params))
        return {};
    return QByteArray(reinterpret_cast<const char*>(buf.data()), qsizetype(buf.size()));
}

// Mean colour of a small patch around a fractional position of an RGB image.
Rgb at(const cv::Mat& rgb, double fx, double fy)
{
    const int cx = int(fx * rgb.cols), cy = int(fy * rgb.rows);
    const int r = std::max(0, std::min({2, cx, cy, rgb.cols - 1 - cx, rgb.rows - 1 - cy}));
    const cv::Scalar s = cv::mean(rgb(cv::Rect(cx - r, cy - r, 2 * r + 1, 2 * r + 1)));
    return {int(s[0] + 0.5), int(s[1] + 0.5), int(s[2] + 0.5)}; // RGB order
}

bool near(Rgb a, Rgb b, int tol)
{
    return std::abs(a.r - b.r) <= tol && std::abs(a.g - b.g) <= tol && std::abs(a.b - b.b) <= tol;
}

// Empty when the four quadrant centres have the expected colours.
QString quadrantProblem(const cv::Mat& rgb, Rgb tl, Rgb tr, Rgb bl, Rgb br, int tol)
{
    if (rgb.type() != CV_8UC3)
        return QStringLiteral("type is %1, not CV_8UC3").arg(rgb.type());
    const struct { double x, y; Rgb want; const char* name; } probes[] = {
        {0.25, 0.25, tl, "top-left"}, {0.75, 0.25, tr, "top-right"},
        {0.25, 0.75, bl, "bottom-left"}, {0.75, 0.75, br, "bottom-right"}};
    QStringList bad;
    for (const auto& p : probes) {
        const Rgb got = at(rgb, p.x, p.y);
        if (!near(got, p.want, tol))
            bad << QStringLiteral("%1 is %2, want %3").arg(QLatin1String(p.name), str(got), str(p.want));
    }
    return bad.join(QStringLiteral("; "));
}

QString patternProblem(const cv::Mat& rgb, int tol) { return quadrantProblem(rgb, kRed, kBlue, kGreen, kWhite, tol); }

// Empty when r is the expected failure with a one-line message containing every piece.
QString failureProblem(const Result& r, Kind kind, const QStringList& contains = {})
{
    if (r.ok())
        return QStringLiteral("decoded (%1x%2 %3) instead of failing with %4")
            .arg(r->rgb.cols).arg(r->rgb.rows).arg(r->format, DecodeError::kindName(kind));
    const DecodeError& e = r.error();
    if (e.kind != kind)
        return QStringLiteral("kind %1, want %2 (message: %3)")
            .arg(DecodeError::kindName(e.kind), DecodeError::kindName(kind), e.message);
    if (e.message.isEmpty() || e.message.contains(QLatin1Char('\n')) || e.message.contains(QLatin1Char('\r')))
        return QStringLiteral("message is not one non-empty line: '%1'").arg(e.message);
    for (const QString& piece : contains)
        if (!e.message.contains(piece, Qt::CaseInsensitive))
            return QStringLiteral("message '%1' does not mention '%2'").arg(e.message, piece);
    return {};
}

QString decodedProblem(const Result& r)
{
    return r.ok() ? QString() : QStringLiteral("failed: %1: %2").arg(DecodeError::kindName(r.error().kind), r.error().message);
}

quint32 crc32(const QByteArray& data)
{
    quint32 c = 0xFFFFFFFFu;
    for (const char ch : data) {
        c ^= quint8(ch);
        for (int k = 0; k < 8; ++k)
            c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    }
    return c ^ 0xFFFFFFFFu;
}

QByteArray be32(quint32 v) { QByteArray a(4, '\0'); qToBigEndian(v, a.data()); return a; }
QByteArray be16(quint16 v) { QByteArray a(2, '\0'); qToBigEndian(v, a.data()); return a; }
QByteArray le32(quint32 v) { QByteArray a(4, '\0'); qToLittleEndian(v, a.data()); return a; }
QByteArray le16(quint16 v) { QByteArray a(2, '\0'); qToLittleEndian(v, a.data()); return a; }
QByteArray le64(quint64 v) { QByteArray a(8, '\0'); qToLittleEndian(v, a.data()); return a; }

QByteArray pngChunk(const char* type, const QByteArray& data)
{
    const QByteArray typed = QByteArray(type, 4) + data;
    return be32(quint32(data.size())) + typed + be32(crc32(typed));
}

// A PNG that is nothing but a (CRC-valid) header claiming w x h, plus IEND.
QByteArray pngHeaderOnly(quint32 w, quint32 h)
{
    QByteArray ihdr = be32(w) + be32(h);
    ihdr += QByteArray::fromHex("0802000000"); // 8-bit RGB, deflate, no filter, no interlace
    return QByteArray::fromHex("89504e470d0a1a0a") + pngChunk("IHDR", ihdr) + pngChunk("IEND", {});
}

// APP1 "Exif" segment with a little-endian TIFF header and one IFD entry: Orientation.
QByteArray exifApp1(quint16 orientation)
{
    QByteArray tiff = QByteArray::fromHex("49492a0008000000"); // "II", 42, IFD at 8
    tiff += le16(1);                                           // one entry
    tiff += le16(0x0112) + le16(3) + le32(1) + le16(orientation) + le16(0); // Orientation, SHORT, 1
    tiff += le32(0);                                           // no next IFD
    const QByteArray payload = QByteArray("Exif\0\0", 6) + tiff;
    return QByteArray::fromHex("ffe1") + be16(quint16(payload.size() + 2)) + payload;
}

QByteArray withExif(const QByteArray& jpeg, quint16 orientation)
{
    return jpeg.left(2) + exifApp1(orientation) + jpeg.mid(2);
}

// Offset of the first SOFn marker of a JPEG (naive scan, fine for OpenCV output).
qsizetype sofOffset(const QByteArray& jpeg)
{
    for (qsizetype i = 2; i + 1 < jpeg.size(); ++i)
        if (quint8(jpeg[i]) == 0xFF && (quint8(jpeg[i + 1]) == 0xC0 || quint8(jpeg[i + 1]) == 0xC2))
            return i;
    return -1;
}

// Uncompressed 8-bit grayscale TIFF with the IFD *before* the pixel data (libtiff puts it after),
// so that cutting the file short leaves a complete header and a short strip.
QByteArray grayTiffIfdFirst(quint16 w, quint16 h, quint8 value)
{
    struct Entry { quint16 tag, type; quint32 value; };
    const quint32 entries = 9;
    const quint32 dataAt = 8 + 2 + entries * 12 + 4;
    const Entry e[] = {{256, 3, w}, {257, 3, h}, {258, 3, 8}, {259, 3, 1}, {262, 3, 1},
                       {273, 4, dataAt}, {277, 3, 1}, {278, 3, h}, {279, 4, quint32(w) * h}};
    QByteArray t = QByteArray::fromHex("49492a0008000000") + le16(entries);
    for (const Entry& x : e)
        t += le16(x.tag) + le16(x.type) + le32(1) + (x.type == 3 ? le16(quint16(x.value)) + le16(0) : le32(x.value));
    t += le32(0);
    return t + QByteArray(qsizetype(w) * h, char(value));
}

bool writeFile(const QString& path, const QByteArray& bytes)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly) && f.write(bytes) == bytes.size();
}

// Two frames, 16x12, GIF89a, written by hand (Python stdlib): frame 1 has the quadrant pattern
// (top-left red, top-right blue, bottom-left green, bottom-right white) from a 4-entry global
// colour table; frame 2 is all black from a local colour table. LZW with a Clear code after
// every two 3-bit literals, so the code table never grows.
const unsigned char kTwoFrameGif[] = {
    0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x10, 0x00, 0x0c, 0x00, 0x81, 0x00, 0x00, 0xff, 0x00, 0x00,
    0x00, 0x00, 0xff, 0x00, 0xff, 0x00, 0xff, 0xff, 0xff, 0x21, 0xff, 0x0b, 0x4e, 0x45, 0x54, 0x53,
    0x43, 0x41, 0x50, 0x45, 0x32, 0x2e, 0x30, 0x03, 0x01, 0x00, 0x00, 0x00, 0x21, 0xf9, 0x04, 0x00,
    0x0a, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x0c, 0x00, 0x00, 0x02, 0x6d,
    0x04, 0x08, 0x10, 0x20, 0xc0, 0x84, 0x09, 0x13, 0x26, 0x04, 0x08, 0x10, 0x20, 0xc0, 0x84, 0x09,
    0x13, 0x26, 0x04, 0x08, 0x10, 0x20, 0xc0, 0x84, 0x09, 0x13, 0x26, 0x04, 0x08, 0x10, 0x20, 0xc0,
    0x84, 0x09, 0x13, 0x26, 0x04, 0x08, 0x10, 0x20, 0xc0, 0x84, 0x09, 0x13, 0x26, 0x04, 0x08, 0x10,
    0x20, 0xc0, 0x84, 0x09, 0x13, 0x26, 0x94, 0x28, 0x51, 0xa2, 0xc4, 0x8d, 0x1b, 0x37, 0x6e, 0x94,
    0x28, 0x51, 0xa2, 0xc4, 0x8d, 0x1b, 0x37, 0x6e, 0x94, 0x28, 0x51, 0xa2, 0xc4, 0x8d, 0x1b, 0x37,
    0x6e, 0x94, 0x28, 0x51, 0xa2, 0xc4, 0x8d, 0x1b, 0x37, 0x6e, 0x94, 0x28, 0x51, 0xa2, 0xc4, 0x8d,
    0x1b, 0x37, 0x6e, 0x94, 0x28, 0x51, 0xa2, 0xc4, 0x8d, 0x1b, 0x37, 0x6e, 0x05, 0x00, 0x21, 0xf9,
    0x04, 0x00, 0x0a, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x0c, 0x00, 0x81,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x6d, 0x04, 0x08,
    0x10, 0x20, 0x40, 0x80, 0x00, 0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0x00, 0x01, 0x02,
    0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0x00, 0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0x00,
    0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0x00, 0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40,
    0x80, 0x00, 0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0x00, 0x01, 0x02, 0x04, 0x08, 0x10,
    0x20, 0x40, 0x80, 0x00, 0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0x00, 0x01, 0x02, 0x04,
    0x08, 0x10, 0x20, 0x40, 0x80, 0x00, 0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0x00, 0x01,
    0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0x00, 0x01, 0x02, 0x05, 0x00, 0x3b,
};

// 16x12 CMYK JPEG written with libjpeg (in_color_space = JCS_CMYK, jpeg_set_colorspace(JCS_CMYK),
// quality 95). Values are stored inverted with an Adobe APP14 marker, as Photoshop does.
// Same quadrant pattern as above: C=255-R, M=255-G, Y=255-B, K=0, each stored as 255 - ink.
const unsigned char kCmykJpeg[] = {
    0xff, 0xd8, 0xff, 0xee, 0x00, 0x0e, 0x41, 0x64, 0x6f, 0x62, 0x65, 0x00, 0x64, 0x00, 0x00, 0x00,
    0x00, 0x00, 0xff, 0xdb, 0x00, 0x43, 0x00, 0x02, 0x01, 0x01, 0x01, 0x01, 0x01, 0x02, 0x01, 0x01,
    0x01, 0x02, 0x02, 0x02, 0x02, 0x02, 0x04, 0x03, 0x02, 0x02, 0x02, 0x02, 0x05, 0x04, 0x04, 0x03,
    0x04, 0x06, 0x05, 0x06, 0x06, 0x06, 0x05, 0x06, 0x06, 0x06, 0x07, 0x09, 0x08, 0x06, 0x07, 0x09,
    0x07, 0x06, 0x06, 0x08, 0x0b, 0x08, 0x09, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x06, 0x08, 0x0b, 0x0c,
    0x0b, 0x0a, 0x0c, 0x09, 0x0a, 0x0a, 0x0a, 0xff, 0xc0, 0x00, 0x14, 0x08, 0x00, 0x0c, 0x00, 0x10,
    0x04, 0x43, 0x11, 0x00, 0x4d, 0x11, 0x00, 0x59, 0x11, 0x00, 0x4b, 0x11, 0x00, 0xff, 0xc4, 0x00,
    0x1f, 0x00, 0x00, 0x01, 0x05, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0xff, 0xc4,
    0x00, 0xb5, 0x10, 0x00, 0x02, 0x01, 0x03, 0x03, 0x02, 0x04, 0x03, 0x05, 0x05, 0x04, 0x04, 0x00,
    0x00, 0x01, 0x7d, 0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13,
    0x51, 0x61, 0x07, 0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xa1, 0x08, 0x23, 0x42, 0xb1, 0xc1, 0x15,
    0x52, 0xd1, 0xf0, 0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0a, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x25,
    0x26, 0x27, 0x28, 0x29, 0x2a, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46,
    0x47, 0x48, 0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66,
    0x67, 0x68, 0x69, 0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x83, 0x84, 0x85, 0x86,
    0x87, 0x88, 0x89, 0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4,
    0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2,
    0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9,
    0xda, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5,
    0xf6, 0xf7, 0xf8, 0xf9, 0xfa, 0xff, 0xda, 0x00, 0x0e, 0x04, 0x43, 0x00, 0x4d, 0x00, 0x59, 0x00,
    0x4b, 0x00, 0x00, 0x3f, 0x00, 0xfb, 0xf7, 0xfe, 0x22, 0x8e, 0xff, 0x00, 0x82, 0x14, 0x7f, 0xd1,
    0xf3, 0x7f, 0xe6, 0x32, 0xf1, 0x3f, 0xff, 0x00, 0x2b, 0x2b, 0xf3, 0xfb, 0xfe, 0x21, 0x71, 0xff,
    0x00, 0x82, 0xeb, 0xff, 0x00, 0xd1, 0x8c, 0xff, 0x00, 0xe6, 0x4d, 0xf0, 0xc7, 0xff, 0x00, 0x2c,
    0xeb, 0xf9, 0xff, 0x00, 0xaf, 0xdf, 0xca, 0xfc, 0x01, 0xff, 0x00, 0x88, 0x5c, 0x7f, 0xe0, 0xba,
    0xff, 0x00, 0xf4, 0x63, 0x3f, 0xf9, 0x93, 0x7c, 0x31, 0xff, 0x00, 0xcb, 0x3a, 0x3f, 0xe2, 0x17,
    0x1f, 0xf8, 0x2e, 0xbf, 0xfd, 0x18, 0xcf, 0xfe, 0x64, 0xdf, 0x0c, 0x7f, 0xf2, 0xce, 0xbf, 0xbf,
    0xca, 0x2b, 0xe0, 0x0a, 0xfe, 0xbf, 0x6b, 0xf8, 0x03, 0xa2, 0xbf, 0xbf, 0xca, 0x2b, 0xfb, 0xfc,
    0xa2, 0xbf, 0xff, 0xd9,
};

QByteArray bytesOf(const unsigned char* d, size_t n) { return QByteArray(reinterpret_cast<const char*>(d), qsizetype(n)); }

} // namespace

class TestImageDecoder : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void kindNames();

    void decodesEveryFormat_data();
    void decodesEveryFormat();
    void decodesGifFirstFrame();
    void contentDecidesFormat();
    void exifOrientation_data();
    void exifOrientation();
    void jpegWithFillBytesAndAppSegments();
    void grayscale_data();
    void grayscale();
    void rgbaPng();
    void sixteenBit_data();
    void sixteenBit();
    void cmykJpeg();
    void bmpTopDown();

    void emptyBytes();
    void truncatedBody_data();
    void truncatedBody();
    void truncatedHeader_data();
    void truncatedHeader();
    void notAnImage_data();
    void notAnImage();
    void corruptCompleteFileIsUnreadable();
    void tooLargeFromHeader_data();
    void tooLargeFromHeader();
    void tooLargeForConfiguredLimit();
    void bytesOverFileLimit();

    void fileErrors();
    void directory();
    void symlinkLoop();
    void brokenSymlink();
    void notFound();
    void fileOverMaxFileBytes();
    void emptyFile();
    void fifoIsNotRead();
    void permissionDenied();

    void probe_data();
    void probe();
    void probeUnknownAndIncomplete();

    void samplePhotos();

    void qtCannotTellWhatTheParsersTell_data();
    void qtCannotTellWhatTheParsersTell();

private:
    QTemporaryDir m_dir;
};

void TestImageDecoder::kindNames()
{
    QCOMPARE(DecodeError::kindName(Kind::Empty), QStringLiteral("empty"));
    QCOMPARE(DecodeError::kindName(Kind::Truncated), QStringLiteral("truncated"));
    QCOMPARE(DecodeError::kindName(Kind::NotAnImage), QStringLiteral("not-an-image"));
    QCOMPARE(DecodeError::kindName(Kind::TooLarge), QStringLiteral("too-large"));
    QCOMPARE(DecodeError::kindName(Kind::Unreadable), QStringLiteral("unreadable"));
    QCOMPARE(DecodeError::kindName(Kind::IsDirectory), QStringLiteral("is-directory"));
    QCOMPARE(DecodeError::kindName(Kind::SymlinkLoop), QStringLiteral("symlink-loop"));
    QCOMPARE(DecodeError::kindName(Kind::NotFound), QStringLiteral("not-found"));
}

void TestImageDecoder::decodesEveryFormat_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("format");
    QTest::addColumn<int>("tolerance");
    const cv::Mat p = pattern();
    QTest::newRow("jpeg") << encode(p, ".jpg", {cv::IMWRITE_JPEG_QUALITY, 95}) << "jpeg" << 40;
    QTest::newRow("progressive jpeg") << encode(p, ".jpg", {cv::IMWRITE_JPEG_PROGRESSIVE, 1}) << "jpeg" << 40;
    QTest::newRow("png") << encode(p, ".png") << "png" << 0;
    QTest::newRow("bmp") << encode(p, ".bmp") << "bmp" << 0;
    QTest::newRow("tiff") << encode(p, ".tiff") << "tiff" << 0;
    QTest::newRow("webp lossy") << encode(p, ".webp", {cv::IMWRITE_WEBP_QUALITY, 90}) << "webp" << 40;
    QTest::newRow("webp lossless") << encode(p, ".webp", {cv::IMWRITE_WEBP_QUALITY, 101}) << "webp" << 0;
}

void TestImageDecoder::decodesEveryFormat()
{
    QFETCH(QByteArray, bytes);
    QFETCH(QString, format);
    QFETCH(int, tolerance);
    QVERIFY(!bytes.isEmpty());
    const Result r = ImageDecoder().decode(bytes);
    QVERIFY2(r.ok(), qPrintable(decodedProblem(r)));
    QCOMPARE(r->format, format);
    QCOMPARE(r->rgb.type(), CV_8UC3);
    QCOMPARE(r->rgb.cols, 64);
    QCOMPARE(r->rgb.rows, 48);
    const QString problem = patternProblem(r->rgb, tolerance);
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
}

void TestImageDecoder::decodesGifFirstFrame()
{
    const QByteArray gif = bytesOf(kTwoFrameGif, sizeof kTwoFrameGif);
    {   // The fixture really has two frames and the second one is black.
        QByteArray copy = gif;
        QBuffer buffer(&copy);
        QVERIFY(buffer.open(QIODevice::ReadOnly));
        QImageReader reader(&buffer, "gif");
        QCOMPARE(reader.imageCount(), 2);
        QImage first, second;
        QVERIFY(reader.read(&first));
        QVERIFY(reader.read(&second));
        QCOMPARE(second.pixelColor(4, 3), QColor(Qt::black));
    }
    const Result r = ImageDecoder().decode(gif);
    QVERIFY2(r.ok(), qPrintable(decodedProblem(r)));
    QCOMPARE(r->format, QStringLiteral("gif"));
    QCOMPARE(r->rgb.type(), CV_8UC3);
    QCOMPARE(r->rgb.cols, 16);
    QCOMPARE(r->rgb.rows, 12);
    const QString problem = patternProblem(r->rgb, 0);
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    QVERIFY(r->rgb.isContinuous()); // a deep copy of our own, not a view on the QImage
}

void TestImageDecoder::contentDecidesFormat()
{
    QVERIFY(m_dir.isValid());
    const QString pngAsJpg = m_dir.filePath(QStringLiteral("photo.jpg"));
    const QString jpgAsPng = m_dir.filePath(QStringLiteral("picture.png"));
    const QString textAsJpg = m_dir.filePath(QStringLiteral("cat.jpg"));
    QVERIFY(writeFile(pngAsJpg, encode(pattern(), ".png")));
    QVERIFY(writeFile(jpgAsPng, encode(pattern(), ".jpg")));
    QVERIFY(writeFile(textAsJpg, "this is a text file about a cat, not a picture of one\n"));

    const ImageDecoder decoder;
    const Result png = decoder.decodeFile(pngAsJpg);
    QVERIFY2(png.ok(), qPrintable(decodedProblem(png)));
    QCOMPARE(png->format, QStringLiteral("png"));
    QVERIFY2(patternProblem(png->rgb, 0).isEmpty(), qPrintable(patternProblem(png->rgb, 0)));

    const Result jpg = decoder.decodeFile(jpgAsPng);
    QVERIFY2(jpg.ok(), qPrintable(decodedProblem(jpg)));
    QCOMPARE(jpg->format, QStringLiteral("jpeg"));

    const QString problem = failureProblem(decoder.decodeFile(textAsJpg), Kind::NotAnImage, {QStringLiteral("not an image")});
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
}

void TestImageDecoder::exifOrientation_data()
{
    QTest::addColumn<int>("orientation");
    QTest::addColumn<int>("width");
    QTest::addColumn<int>("height");
    QTest::addColumn<QList<int>>("quadrants"); // indexes into {red, blue, green, white}: TL TR BL BR
    // Original: TL red, TR blue, BL green, BR white.
    QTest::newRow("1 upright") << 1 << 64 << 48 << QList<int>{0, 1, 2, 3};
    QTest::newRow("3 rotate 180") << 3 << 64 << 48 << QList<int>{3, 2, 1, 0};
    QTest::newRow("6 rotate 90 cw") << 6 << 48 << 64 << QList<int>{2, 0, 3, 1};
    QTest::newRow("8 rotate 90 ccw") << 8 << 48 << 64 << QList<int>{1, 3, 0, 2};
}

void TestImageDecoder::exifOrientation()
{
    QFETCH(int, orientation);
    QFETCH(int, width);
    QFETCH(int, height);
    QFETCH(QList<int>, quadrants);
    const Rgb colours[] = {kRed, kBlue, kGreen, kWhite};
    const QByteArray jpeg = withExif(encode(pattern(), ".jpg", {cv::IMWRITE_JPEG_QUALITY, 95}), quint16(orientation));
    const Result r = ImageDecoder().decode(jpeg);
    QVERIFY2(r.ok(), qPrintable(decodedProblem(r)));
    QCOMPARE(r->rgb.cols, width);
    QCOMPARE(r->rgb.rows, height);
    const QString problem = quadrantProblem(r->rgb, colours[quadrants[0]], colours[quadrants[1]],
                                            colours[quadrants[2]], colours[quadrants[3]], 40);
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
}

void TestImageDecoder::jpegWithFillBytesAndAppSegments()
{
    // Fill bytes (extra 0xFF) before markers and APPn segments before the frame header.
    const QByteArray plain = encode(pattern(), ".jpg");
    const QByteArray comment = QByteArray::fromHex("fffe") + be16(2 + 5) + QByteArray("hello");
    const QByteArray jpeg = plain.left(2) + QByteArray(3, '\xFF') + exifApp1(1) + QByteArray(2, '\xFF') + comment + plain.mid(2);
    const auto header = ImageDecoder::probe(jpeg);
    QVERIFY(header.has_value());
    QCOMPARE(header->format, QStringLiteral("jpeg"));
    QCOMPARE(header->width, 64);
    QCOMPARE(header->height, 48);
    const Result r = ImageDecoder().decode(jpeg);
    QVERIFY2(r.ok(), qPrintable(decodedProblem(r)));
    QVERIFY2(patternProblem(r->rgb, 40).isEmpty(), qPrintable(patternProblem(r->rgb, 40)));
}

void TestImageDecoder::grayscale_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<int>("tolerance");
    const cv::Mat gray(30, 40, CV_8UC1, cv::Scalar(200));
    QTest::newRow("png") << encode(gray, ".png") << 0;
    QTest::newRow("jpeg") << encode(gray, ".jpg") << 2;
    QTest::newRow("tiff") << encode(gray, ".tiff") << 0;
    QTest::newRow("tiff ifd first") << grayTiffIfdFirst(40, 30, 200) << 0;
}

void TestImageDecoder::grayscale()
{
    QFETCH(QByteArray, bytes);
    QFETCH(int, tolerance);
    const Result r = ImageDecoder().decode(bytes);
    QVERIFY2(r.ok(), qPrintable(decodedProblem(r)));
    QCOMPARE(r->rgb.type(), CV_8UC3);
    QCOMPARE(r->rgb.cols, 40);
    QCOMPARE(r->rgb.rows, 30);
    const Rgb c = at(r->rgb, 0.5, 0.5);
    QVERIFY2(near(c, {200, 200, 200}, tolerance), qPrintable(str(c)));
}

void TestImageDecoder::rgbaPng()
{
    cv::Mat bgra;
    cv::cvtColor(pattern(), bgra, cv::COLOR_BGR2BGRA);
    bgra(cv::Rect(0, 0, 64, 24)).forEach<cv::Vec4b>([](cv::Vec4b& px, const int*) { px[3] = 128; }); // half-transparent top
    const QByteArray png = encode(bgra, ".png");
    QCOMPARE(ImageDecoder::probe(png)->format, QStringLiteral("png"));
    const Result r = ImageDecoder().decode(png);
    QVERIFY2(r.ok(), qPrintable(decodedProblem(r)));
    QCOMPARE(r->rgb.type(), CV_8UC3);
    QVERIFY2(patternProblem(r->rgb, 0).isEmpty(), qPrintable(patternProblem(r->rgb, 0)));
}

void TestImageDecoder::sixteenBit_data()
{
    QTest::addColumn<QByteArray>("bytes");
    cv::Mat wide;
    pattern().convertTo(wide, CV_16UC3, 257.0); // 255 -> 65535
    QCOMPARE(wide.at<cv::Vec3w>(0, 0)[2], quint16(65535));
    QTest::newRow("png") << encode(wide, ".png");
    QTest::newRow("tiff") << encode(wide, ".tiff");
}

void TestImageDecoder::sixteenBit()
{
    QFETCH(QByteArray, bytes);
    QVERIFY(!bytes.isEmpty());
    const Result r = ImageDecoder().decode(bytes);
    QVERIFY2(r.ok(), qPrintable(decodedProblem(r)));
    QCOMPARE(r->rgb.type(), CV_8UC3);
    QCOMPARE(r->rgb.cols, 64);
    QVERIFY2(patternProblem(r->rgb, 0).isEmpty(), qPrintable(patternProblem(r->rgb, 0)));
}

void TestImageDecoder::cmykJpeg()
{
    const QByteArray jpeg = bytesOf(kCmykJpeg, sizeof kCmykJpeg);
    QCOMPARE(quint8(jpeg[jpeg.indexOf("\xff\xc0") + 9]), quint8(4)); // really four components
    const Result r = ImageDecoder().decode(jpeg);
    QVERIFY2(r.ok(), qPrintable(decodedProblem(r)));
    QCOMPARE(r->format, QStringLiteral("jpeg"));
    QCOMPARE(r->rgb.type(), CV_8UC3);
    QCOMPARE(r->rgb.cols, 16);
    QCOMPARE(r->rgb.rows, 12);
    QVERIFY2(patternProblem(r->rgb, 40).isEmpty(), qPrintable(patternProblem(r->rgb, 40)));
}

void TestImageDecoder::bmpTopDown()
{
    // OpenCV writes bottom-up; make a top-down copy by negating the height and flipping the rows.
    const cv::Mat p = pattern();
    QByteArray bmp = encode(p, ".bmp");
    const quint32 offset = qFromLittleEndian<quint32>(bmp.constData() + 10);
    const qsizetype row = 64 * 3;
    QByteArray flipped = bmp.left(offset);
    for (int y = 47; y >= 0; --y)
        flipped += bmp.mid(offset + y * row, row);
    qToLittleEndian<qint32>(-48, flipped.data() + 22);
    const auto header = ImageDecoder::probe(flipped);
    QVERIFY(header);
    QCOMPARE(header->height, 48);
    const Result r = ImageDecoder().decode(flipped);
    QVERIFY2(r.ok(), qPrintable(decodedProblem(r)));
    QCOMPARE(r->rgb.rows, 48);
    QVERIFY2(patternProblem(r->rgb, 0).isEmpty(), qPrintable(patternProblem(r->rgb, 0)));
}

void TestImageDecoder::emptyBytes()
{
    const QString problem = failureProblem(ImageDecoder().decode(QByteArray()), Kind::Empty, {QStringLiteral("0 bytes")});
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
}

void TestImageDecoder::truncatedBody_data()
{
    QTest::addColumn<QByteArray>("bytes");
    const cv::Mat p = pattern(256, 192); // big enough that half the file is well past the header
    cv::Mat noisy(p.size(), CV_8UC3);
    cv::randu(noisy, 0, 255); // incompressible, so the pixel data dominates every file
    const struct { const char* name; QByteArray full; } rows[] = {
        {"jpeg", encode(noisy, ".jpg")},
        {"progressive jpeg", encode(noisy, ".jpg", {cv::IMWRITE_JPEG_PROGRESSIVE, 1})},
        {"png", encode(noisy, ".png")},
        {"bmp", encode(noisy, ".bmp")},
        {"tiff", encode(noisy, ".tiff")},
        {"webp", encode(noisy, ".webp")},
        {"gif", bytesOf(kTwoFrameGif, 100)}, // cut inside the first frame's image data
    };
    for (const auto& row : rows)
        QTest::newRow(row.name) << (row.full.size() > 200 ? row.full.left(row.full.size() / 2) : row.full);
    // libtiff writes the IFD after the pixels, so the row above is cut in the header; this one is
    // cut in the strip with the whole header intact.
    const QByteArray tiff = grayTiffIfdFirst(100, 100, 7);
    QTest::newRow("tiff strip") << tiff.left(tiff.size() - 1);
    // A JPEG whose EXIF thumbnail has its own EOI: the main image is still cut short.
    const QByteArray thumb = encode(pattern(8, 8), ".jpg");
    const QByteArray app1 = QByteArray::fromHex("ffe1") + be16(quint16(2 + 6 + thumb.size())) + QByteArray("Exif\0\0", 6) + thumb;
    const QByteArray full = encode(noisy, ".jpg");
    QTest::newRow("jpeg with thumbnail") << (full.left(2) + app1 + full.mid(2, full.size() / 2));
}

void TestImageDecoder::truncatedBody()
{
    QFETCH(QByteArray, bytes);
    QVERIFY(ImageDecoder::probe(bytes).has_value()); // the magic is still recognised
    const QString problem = failureProblem(ImageDecoder().decode(bytes), Kind::Truncated, {QStringLiteral("truncated")});
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
}

void TestImageDecoder::truncatedHeader_data()
{
    QTest::addColumn<QByteArray>("bytes");
    const cv::Mat p = pattern();
    QTest::newRow("jpeg soi only") << encode(p, ".jpg").left(2);
    QTest::newRow("jpeg in app0") << encode(p, ".jpg").left(10);
    QTest::newRow("png signature") << encode(p, ".png").left(8);
    QTest::newRow("png in ihdr") << encode(p, ".png").left(18);
    QTest::newRow("gif") << bytesOf(kTwoFrameGif, 8);
    QTest::newRow("bmp") << encode(p, ".bmp").left(16);
    QTest::newRow("tiff") << encode(p, ".tiff").left(6);
    QTest::newRow("webp") << encode(p, ".webp").left(16);
}

void TestImageDecoder::truncatedHeader()
{
    QFETCH(QByteArray, bytes);
    const auto header = ImageDecoder::probe(bytes);
    QVERIFY(header.has_value());
    QCOMPARE(header->width, 0);
    const QString problem = failureProblem(ImageDecoder().decode(bytes), Kind::Truncated, {QStringLiteral("header")});
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
}

void TestImageDecoder::notAnImage_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::newRow("text") << QByteArray("hello, this is not a picture\n");
    QTest::newRow("one byte") << QByteArray("x");
    QTest::newRow("text starting with BM") << QByteArray("BMW 320d, 2015, 80000 km, one owner, full service history\n");
    QTest::newRow("zeros") << QByteArray(1000, '\0');
    QTest::newRow("wav riff") << (QByteArray("RIFF") + le32(36) + QByteArray("WAVEfmt ") + QByteArray(24, '\0'));
    QTest::newRow("pdf") << QByteArray("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n");
}

void TestImageDecoder::notAnImage()
{
    QFETCH(QByteArray, bytes);
    QVERIFY(!ImageDecoder::probe(bytes).has_value());
    const QString problem = failureProblem(ImageDecoder().decode(bytes), Kind::NotAnImage, {QStringLiteral("not an image")});
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
}

void TestImageDecoder::corruptCompleteFileIsUnreadable()
{
    // Header and IEND intact, compressed data garbled: the decoder fails on a complete file.
    QByteArray png = encode(pattern(), ".png");
    const qsizetype idat = png.indexOf("IDAT");
    QVERIFY(idat > 0);
    for (qsizetype i = idat + 4; i < idat + 24 && i < png.size() - 12; ++i)
        png[i] = char(png[i] ^ 0x5A);
    const QString problem = failureProblem(ImageDecoder().decode(png), Kind::Unreadable, {QStringLiteral("png")});
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
}

void TestImageDecoder::tooLargeFromHeader_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("dimensions");

    QTest::newRow("png") << pngHeaderOnly(50000, 50000) << "50000x50000";

    QByteArray jpeg = encode(pattern(), ".jpg");
    const qsizetype sof = sofOffset(jpeg);
    QVERIFY(sof > 0);
    qToBigEndian<quint16>(60000, jpeg.data() + sof + 5); // height
    qToBigEndian<quint16>(60000, jpeg.data() + sof + 7); // width
    QTest::newRow("jpeg") << jpeg << "60000x60000";

    QTest::newRow("gif") << (QByteArray("GIF89a") + le16(65535) + le16(65535) + QByteArray::fromHex("000000") + QByteArray(";"))
                         << "65535x65535";

    QByteArray bmp = QByteArray("BM") + le32(54) + le32(0) + le32(54) + le32(40) + le32(30000) + le32(quint32(-30000))
                     + le16(1) + le16(24) + le32(0) + le32(0) + le32(0) + le32(0) + le32(0) + le32(0);
    QTest::newRow("bmp") << bmp << "30000x30000";

    QByteArray webp = QByteArray("RIFF") + le32(4 + 8 + 10) + QByteArray("WEBPVP8X") + le32(10) + le32(0)
                      + le32(16383).left(3) + le32(16383).left(3);
    QTest::newRow("webp") << webp << "16384x16384";

    QByteArray tiff = QByteArray::fromHex("49492a0008000000") + le16(2) + le16(256) + le16(4) + le32(1) + le32(100000)
                      + le16(257) + le16(4) + le32(1) + le32(100000) + le32(0);
    QTest::newRow("tiff") << tiff << "100000x100000";
}

void TestImageDecoder::tooLargeFromHeader()
{
    QFETCH(QByteArray, bytes);
    QFETCH(QString, dimensions);
    const auto header = ImageDecoder::probe(bytes);
    QVERIFY(header.has_value());
    QCOMPARE(QStringLiteral("%1x%2").arg(header->width).arg(header->height), dimensions);
    const QString problem = failureProblem(ImageDecoder().decode(bytes), Kind::TooLarge,
                                           {QStringLiteral("too large"), dimensions, QStringLiteral("100 MP")});
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
}

void TestImageDecoder::tooLargeForConfiguredLimit()
{
    const QByteArray png = encode(pattern(), ".png");
    DecodeLimits limits;
    limits.maxPixels = 1000;
    QString problem = failureProblem(ImageDecoder(limits).decode(png), Kind::TooLarge,
                                     {QStringLiteral("64x48"), QStringLiteral("3072"), QStringLiteral("1000")});
    QVERIFY2(problem.isEmpty(), qPrintable(problem));

    limits.maxPixels = 100; // the GIF is 16x12 = 192 pixels
    problem = failureProblem(ImageDecoder(limits).decode(bytesOf(kTwoFrameGif, sizeof kTwoFrameGif)), Kind::TooLarge,
                             {QStringLiteral("16x12")});
    QVERIFY2(problem.isEmpty(), qPrintable(problem));

    limits.maxPixels = 64 * 48; // exactly at the limit is fine
    const Result r = ImageDecoder(limits).decode(png);
    QVERIFY2(r.ok(), qPrintable(decodedProblem(r)));
}

void TestImageDecoder::bytesOverFileLimit()
{
    DecodeLimits limits;
    limits.maxFileBytes = 100;
    const QString problem = failureProblem(ImageDecoder(limits).decode(encode(pattern(), ".bmp")), Kind::TooLarge,
                                           {QStringLiteral("100 bytes")});
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
}

void TestImageDecoder::fileErrors()
{
    // A real file decodes from disk with the same result as from bytes.
    QVERIFY(m_dir.isValid());
    const QString path = m_dir.filePath(QStringLiteral("good.png"));
    QVERIFY(writeFile(path, encode(pattern(), ".png")));
    const Result r = ImageDecoder().decodeFile(path);
    QVERIFY2(r.ok(), qPrintable(decodedProblem(r)));
    QCOMPARE(r->format, QStringLiteral("png"));
    QVERIFY2(patternProblem(r->rgb, 0).isEmpty(), qPrintable(patternProblem(r->rgb, 0)));
}

void TestImageDecoder::directory()
{
    const QString dir = m_dir.filePath(QStringLiteral("folder.jpg"));
    QVERIFY(QDir().mkpath(dir));
    const QString problem = failureProblem(ImageDecoder().decodeFile(dir), Kind::IsDirectory, {QStringLiteral("directory")});
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
}

void TestImageDecoder::symlinkLoop()
{
#ifdef Q_OS_UNIX
    const QString a = m_dir.filePath(QStringLiteral("loop-a.jpg"));
    const QString b = m_dir.filePath(QStringLiteral("loop-b.jpg"));
    QVERIFY(QFile::link(b, a));
    QVERIFY(QFile::link(a, b));
    const QString problem = failureProblem(ImageDecoder().decodeFile(a), Kind::SymlinkLoop, {QStringLiteral("loop")});
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    const QString self = m_dir.filePath(QStringLiteral("self.jpg"));
    QVERIFY(QFile::link(self, self));
    const QString selfProblem = failureProblem(ImageDecoder().decodeFile(self), Kind::SymlinkLoop);
    QVERIFY2(selfProblem.isEmpty(), qPrintable(selfProblem));
#else
    QSKIP("symlinks need a Unix file system");
#endif
}

void TestImageDecoder::brokenSymlink()
{
#ifdef Q_OS_UNIX
    const QString link = m_dir.filePath(QStringLiteral("dangling.jpg"));
    QVERIFY(QFile::link(m_dir.filePath(QStringLiteral("nowhere.jpg")), link));
    const QString problem = failureProblem(ImageDecoder().decodeFile(link), Kind::NotFound, {QStringLiteral("not found")});
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
#else
    QSKIP("symlinks need a Unix file system");
#endif
}

void TestImageDecoder::notFound()
{
    const QString path = m_dir.filePath(QStringLiteral("missing.jpg"));
    QString problem = failureProblem(ImageDecoder().decodeFile(path), Kind::NotFound, {QStringLiteral("not found"), path});
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    problem = failureProblem(ImageDecoder().decodeFile(QString()), Kind::NotFound);
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
}

void TestImageDecoder::fileOverMaxFileBytes()
{
    const QString path = m_dir.filePath(QStringLiteral("big.bmp"));
    const QByteArray bmp = encode(pattern(), ".bmp"); // 64*48*3 + 54 bytes
    QVERIFY(writeFile(path, bmp));
    DecodeLimits limits;
    limits.maxFileBytes = 1000;
    const QString problem = failureProblem(ImageDecoder(limits).decodeFile(path), Kind::TooLarge,
                                           {QStringLiteral("too large"), QString::number(bmp.size()), QStringLiteral("1000 bytes")});
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    limits.maxFileBytes = bmp.size(); // exactly at the limit is fine
    const Result r = ImageDecoder(limits).decodeFile(path);
    QVERIFY2(r.ok(), qPrintable(decodedProblem(r)));
}

void TestImageDecoder::emptyFile()
{
    const QString path = m_dir.filePath(QStringLiteral("empty.png"));
    QVERIFY(writeFile(path, {}));
    const QString problem = failureProblem(ImageDecoder().decodeFile(path), Kind::Empty, {QStringLiteral("0 bytes")});
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
}

void TestImageDecoder::fifoIsNotRead()
{
#ifdef Q_OS_UNIX
    // Opening a FIFO for reading blocks until a writer comes: it must be refused, not read.
    const QString path = m_dir.filePath(QStringLiteral("pipe.jpg"));
    QCOMPARE(::mkfifo(QFile::encodeName(path).constData(), 0600), 0);
    const QString problem = failureProblem(ImageDecoder().decodeFile(path), Kind::Unreadable, {QStringLiteral("regular file")});
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    const QString dev = failureProblem(ImageDecoder().decodeFile(QStringLiteral("/dev/zero")), Kind::Unreadable);
    QVERIFY2(dev.isEmpty(), qPrintable(dev));
#else
    QSKIP("FIFOs need a Unix system");
#endif
}

void TestImageDecoder::permissionDenied()
{
#ifdef Q_OS_UNIX
    if (::geteuid() == 0)
        QSKIP("running as root: permissions are not enforced");
    const QString path = m_dir.filePath(QStringLiteral("locked.png"));
    QVERIFY(writeFile(path, encode(pattern(), ".png")));
    QVERIFY(QFile::setPermissions(path, QFileDevice::Permissions()));
    const QString problem = failureProblem(ImageDecoder().decodeFile(path), Kind::Unreadable, {QStringLiteral("permission")});
    QFile::setPermissions(path, QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
#else
    QSKIP("POSIX permissions only");
#endif
}

void TestImageDecoder::probe_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("format");
    QTest::addColumn<int>("width");
    QTest::addColumn<int>("height");
    const cv::Mat p = pattern(70, 30);
    cv::Mat bgra;
    cv::cvtColor(p, bgra, cv::COLOR_BGR2BGRA);
    bgra.forEach<cv::Vec4b>([](cv::Vec4b& px, const int*) { px[3] = 128; }); // real alpha: libwebp writes VP8X
    QTest::newRow("jpeg") << encode(p, ".jpg") << "jpeg" << 70 << 30;
    QTest::newRow("jpeg progressive") << encode(p, ".jpg", {cv::IMWRITE_JPEG_PROGRESSIVE, 1}) << "jpeg" << 70 << 30;
    QTest::newRow("jpeg exif") << withExif(encode(p, ".jpg"), 6) << "jpeg" << 70 << 30; // header size, not rotated
    QTest::newRow("png") << encode(p, ".png") << "png" << 70 << 30;
    QTest::newRow("bmp") << encode(p, ".bmp") << "bmp" << 70 << 30;
    QTest::newRow("tiff little-endian") << encode(p, ".tiff") << "tiff" << 70 << 30;
    QTest::newRow("tiff big-endian") << (QByteArray::fromHex("4d4d002a00000008") + be16(2)
                                         + be16(256) + be16(3) + be32(1) + be16(300) + be16(0)   // SHORT
                                         + be16(257) + be16(4) + be32(1) + be32(200) + be32(0))  // LONG
                                     << "tiff" << 300 << 200;
    QTest::newRow("bigtiff") << (QByteArray::fromHex("49492b0008000000") + le64(16) + le64(2)
                                 + le16(256) + le16(16) + le64(1) + le64(5000)             // LONG8
                                 + le16(257) + le16(3) + le64(1) + le16(4000) + QByteArray(6, '\0') + le64(0))
                             << "tiff" << 5000 << 4000;
    QTest::newRow("webp VP8") << encode(p, ".webp", {cv::IMWRITE_WEBP_QUALITY, 80}) << "webp" << 70 << 30;
    QTest::newRow("webp VP8L") << encode(p, ".webp", {cv::IMWRITE_WEBP_QUALITY, 101}) << "webp" << 70 << 30;
    QTest::newRow("webp VP8X") << encode(bgra, ".webp", {cv::IMWRITE_WEBP_QUALITY, 80}) << "webp" << 70 << 30;
    QTest::newRow("gif") << bytesOf(kTwoFrameGif, sizeof kTwoFrameGif) << "gif" << 16 << 12;
    QTest::newRow("png header only") << pngHeaderOnly(1234, 567) << "png" << 1234 << 567;
}

void TestImageDecoder::probe()
{
    QFETCH(QByteArray, bytes);
    QFETCH(QString, format);
    QFETCH(int, width);
    QFETCH(int, height);
    QVERIFY(!bytes.isEmpty());
    const auto header = ImageDecoder::probe(bytes);
    QVERIFY(header.has_value());
    QCOMPARE(header->format, format);
    QCOMPARE(header->width, width);
    QCOMPARE(header->height, height);
}

void TestImageDecoder::probeUnknownAndIncomplete()
{
    QVERIFY(!ImageDecoder::probe(QByteArray()).has_value());
    QVERIFY(!ImageDecoder::probe("plain text").has_value());
    const auto cutPng = ImageDecoder::probe(encode(pattern(), ".png").left(12));
    QVERIFY(cutPng.has_value());
    QCOMPARE(cutPng->format, QStringLiteral("png"));
    QCOMPARE(cutPng->width, 0);
    QCOMPARE(cutPng->height, 0);
    // The VP8X WebP row above is only meaningful if OpenCV really wrote a VP8X chunk.
    cv::Mat bgra;
    cv::cvtColor(pattern(), bgra, cv::COLOR_BGR2BGRA);
    bgra.forEach<cv::Vec4b>([](cv::Vec4b& px, const int*) { px[3] = 128; });
    QCOMPARE(encode(bgra, ".webp", {cv::IMWRITE_WEBP_QUALITY, 80}).mid(12, 4), QByteArray("VP8X"));
    QCOMPARE(encode(pattern(), ".webp", {cv::IMWRITE_WEBP_QUALITY, 101}).mid(12, 4), QByteArray("VP8L"));
    QCOMPARE(encode(pattern(), ".webp", {cv::IMWRITE_WEBP_QUALITY, 80}).mid(12, 4), QByteArray("VP8 "));
}

void TestImageDecoder::samplePhotos()
{
    const QDir dir(QStringLiteral(PC_SAMPLE_DIR "/images"));
    const QStringList files = dir.entryList({QStringLiteral("*.jpg")}, QDir::Files, QDir::Name);
    if (files.isEmpty())
        QSKIP(qPrintable(QStringLiteral("no sample photos in %1").arg(dir.path())));
    const ImageDecoder decoder;
    for (const QString& name : files.mid(0, 8)) {
        const QString path = dir.filePath(name);
        const Result r = decoder.decodeFile(path);
        QVERIFY2(r.ok(), qPrintable(name + QStringLiteral(": ") + decodedProblem(r)));
        QCOMPARE(r->rgb.type(), CV_8UC3);
        QVERIFY2(r->rgb.cols >= 32 && r->rgb.rows >= 32 && r->rgb.cols <= 10000 && r->rgb.rows <= 10000,
                 qPrintable(QStringLiteral("%1: %2x%3").arg(name).arg(r->rgb.cols).arg(r->rgb.rows)));
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const auto header = ImageDecoder::probe(f.readAll());
        QVERIFY(header.has_value());
        const bool same = header->width == r->rgb.cols && header->height == r->rgb.rows;
        const bool swapped = header->width == r->rgb.rows && header->height == r->rgb.cols; // EXIF rotation
        QVERIFY2(same || swapped, qPrintable(name));
        const cv::Scalar mean = cv::mean(r->rgb);
        QVERIFY2(mean[0] > 5 && mean[0] < 250, qPrintable(name)); // a photo, not a flat fill
    }
}

// Why ImageDecoder still reads headers itself: each row is a hostile file whose size or whose
// truncation Qt's QImageReader cannot tell here (Qt 6.4; OpenCV has no header-only call at all,
// and its decoders fail a cut file as they fail a corrupt one). A row that fails means Qt has
// learned it: that parser can go.
void TestImageDecoder::qtCannotTellWhatTheParsersTell_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("ours");
    QTest::newRow("png size, no image data yet") << pngHeaderOnly(50000, 50000) << "too-large";
    QByteArray bmp = QByteArray("BM") + le32(54) + le32(0) + le32(54) + le32(40) + le32(30000) + le32(quint32(-30000))
                     + le16(1) + le16(24) + le32(0) + le32(0) + le32(0) + le32(0) + le32(0) + le32(0);
    QTest::newRow("bmp over 16384 pixels a side") << bmp << "too-large";
    QByteArray tiff = QByteArray::fromHex("49492a0008000000") + le16(2) + le16(256) + le16(4) + le32(1) + le32(100000)
                      + le16(257) + le16(4) + le32(1) + le32(100000) + le32(0);
    QTest::newRow("tiff size") << tiff << "too-large";
    QTest::newRow("webp size") << (QByteArray("RIFF") + le32(4 + 8 + 10) + QByteArray("WEBPVP8X") + le32(10) + le32(0)
                                   + le32(16383).left(3) + le32(16383).left(3))
                               << "too-large";
    QTest::newRow("gif cut in its first frame") << bytesOf(kTwoFrameGif, 100) << "truncated";
}

void TestImageDecoder::qtCannotTellWhatTheParsersTell()
{
    QFETCH(QByteArray, bytes);
    QFETCH(QString, ours);
    const Result r = ImageDecoder().decode(bytes);
    QVERIFY(!r.ok());
    QCOMPARE(DecodeError::kindName(r.error().kind), ours);
    QBuffer buffer(&bytes);
    QVERIFY(buffer.open(QIODevice::ReadOnly));
    QImageReader qt(&buffer);
    if (ours == QLatin1String("too-large"))
        QVERIFY2(!qt.size().isValid(), qPrintable(QStringLiteral("Qt now sizes it: %1x%2").arg(qt.size().width()).arg(qt.size().height())));
    else
        QVERIFY2(!qt.read().isNull(), "Qt now refuses the cut file"); // a partial frame, no error
}

QTEST_MAIN(TestImageDecoder)
#include "TestImageDecoder.moc"
