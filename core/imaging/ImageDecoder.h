#pragma once
// Bytes in, upright 8-bit RGB out. Every way a user-supplied file can be wrong maps to one
// DecodeError::Kind with a one-line message; nothing here may crash or allocate without bound.
#include "Expected.h"

#include <QByteArray>
#include <QString>
#include <opencv2/core/mat.hpp>
#include <optional>

namespace pc {

struct DecodeError {
    enum class Kind { Empty, Truncated, NotAnImage, TooLarge, Unreadable, IsDirectory, SymlinkLoop, NotFound };
    Kind kind;
    QString message; // one line, says what and why, e.g. "too large: 30000x30000 exceeds the 100 MP limit"

    static QString kindName(Kind kind); // "empty", "truncated", "not-an-image", "too-large", ...
};

// Format and size read from the header alone, before any pixel is decoded.
struct ImageHeader {
    QString format; // "jpeg", "png", "bmp", "tiff", "webp", "gif"
    int width = 0;
    int height = 0;
};

struct DecodeLimits {
    qint64 maxPixels = 100'000'000;        // decompression-bomb guard, checked on the header
    qint64 maxFileBytes = 256ll << 20;     // never read more than this from disk
};

struct DecodedImage {
    cv::Mat rgb;     // CV_8UC3, RGB order, EXIF orientation applied
    QString format;  // as in ImageHeader
};

class ImageDecoder {
public:
    explicit ImageDecoder(DecodeLimits limits = {});

    Expected<DecodedImage, DecodeError> decode(const QByteArray& bytes) const;
    Expected<DecodedImage, DecodeError> decodeFile(const QString& path) const;

    // Content sniffing: the magic bytes decide the format, never the file name.
    // nullopt: unknown magic. Known magic but a cut-short or invalid header: format set, 0x0.
    static std::optional<ImageHeader> probe(const QByteArray& bytes);

    const DecodeLimits& limits() const { return m_limits; }

private:
    DecodeLimits m_limits;
};

} // namespace pc
