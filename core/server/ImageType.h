#pragma once
// An uploaded image's type, taken from its magic bytes only: never from a file name or a client's
// Content-Type (stored XSS through a guessed type, Label Studio CVE-2024-23633). Only these raster
// formats are accepted; SVG, HTML and anything else are refused.
#include <QByteArray>
#include <QString>

namespace pc::server {

struct ImageType {
    QByteArray mime;      // "image/jpeg"; empty when not an accepted image
    QString extension;    // "jpg"
    bool isValid() const { return !mime.isEmpty(); }

    static ImageType sniff(const QByteArray& bytes);
    static ImageType fromMime(const QByteArray& mime); // for a stored, already-sniffed type
};

} // namespace pc::server
