#include "ImageLoading.h"

#include "imaging/ImageDecoder.h"

#include <QImageReader>

namespace pc {

QImage loadUprightImage(const QString& path, const QSize& bound, QString* error)
{
    {
        QImageReader reader(path);
        reader.setAutoTransform(true);
        if (reader.canRead()) {
            QSize size = reader.size(); // before the EXIF transformation
            if (size.isValid() && bound.isValid()) {
                QSize target = bound;
                if (reader.transformation() & QImageIOHandler::TransformationRotate90)
                    target.transpose();
                if (size.width() > target.width() || size.height() > target.height())
                    reader.setScaledSize(size.scaled(target, Qt::KeepAspectRatio).expandedTo(QSize(1, 1)));
            }
            QImage image = reader.read();
            if (!image.isNull())
                return image;
        }
    }
    // Formats without a Qt plugin, or files Qt refuses: the core decoder (content-sniffed, EXIF).
    static const ImageDecoder decoder;
    auto decoded = decoder.decodeFile(path);
    if (!decoded) {
        if (error)
            *error = decoded.error().message;
        return {};
    }
    const cv::Mat& rgb = decoded->rgb;
    QImage image(rgb.data, rgb.cols, rgb.rows, int(rgb.step), QImage::Format_RGB888);
    if (bound.isValid() && (image.width() > bound.width() || image.height() > bound.height()))
        return image.scaled(bound, Qt::KeepAspectRatio, Qt::SmoothTransformation);
    return image.copy();
}

} // namespace pc
