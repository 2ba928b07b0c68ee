#pragma once
// Loading pictures for display: upright (EXIF applied) and no bigger than needed. Qt's readers
// decode JPEG at a reduced scale, which is what makes thumbnails cheap; formats Qt can't read
// (TIFF, WebP) go through the core decoder. Thread-safe; call it off the UI thread.
#include <QImage>
#include <QSize>
#include <QString>

namespace pc {

// Returns a null image when the file can't be read; `error` then says why (one line).
QImage loadUprightImage(const QString& path, const QSize& bound, QString* error = nullptr);

} // namespace pc
