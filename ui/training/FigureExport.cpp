#include "FigureExport.h"
#include "AppSettings.h"
#include "training/TrainingCsv.h"

#include <QBuffer>
#include <QChartView>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QImageWriter>
#include <QPainter>
#include <QStandardPaths>
#include <cmath>

namespace pc {

qreal figurePixelRatio(const QWidget* widget) { return std::max<qreal>(2.0, widget->devicePixelRatioF()); }

QImage renderChart(const QChartView* view, qreal devicePixelRatio)
{
    const QSize size = view->viewport()->size();
    QImage image(size * devicePixelRatio, QImage::Format_ARGB32_Premultiplied);
    image.setDevicePixelRatio(devicePixelRatio);
    image.fill(view->palette().color(QPalette::Base));
    QPainter p(&image);
    p.setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing);
    // QGraphicsView::render draws the scene again as vectors, so lines and text are sharp at any
    // ratio (a grab() would scale up the screen's pixels). The target is in logical pixels.
    const_cast<QChartView*>(view)->render(&p, QRectF(QPointF(0, 0), QSizeF(size)), view->viewport()->rect());
    return image;
}

Status<> savePng(const QImage& image, const QString& path, const QString& description)
{
    if (image.isNull())
        return Error{QStringLiteral("nothing to draw: the view has no size yet")};
    QImage out = image;
    // 96 dpi per logical pixel: a document shows it at the size it had on screen.
    const int dotsPerMeter = int(std::lround(96.0 / 0.0254 * image.devicePixelRatio()));
    out.setDotsPerMeterX(dotsPerMeter);
    out.setDotsPerMeterY(dotsPerMeter);
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    QImageWriter writer(&buffer, "png");
    writer.setText(QStringLiteral("Software"), QStringLiteral("PetCurator"));
    if (!description.isEmpty())
        writer.setText(QStringLiteral("Description"), description);
    if (!writer.write(out))
        return Error{QStringLiteral("cannot encode the PNG: %1").arg(writer.errorString())};
    return saveFileAtomically(path, bytes);
}

QString askSavePath(QWidget* parent, const QString& title, const QString& suggestedName, const QString& filter, const QString& suffix)
{
    QString folder = AppSettings::exportDir();
    if (folder.isEmpty() || !QFileInfo(folder).isDir())
        folder = QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation);
    QFileDialog dialog(parent, title, QDir(folder).filePath(suggestedName), filter);
    dialog.setAcceptMode(QFileDialog::AcceptSave);
    dialog.setFileMode(QFileDialog::AnyFile);
    dialog.setDefaultSuffix(suffix); // before the overwrite question, so it asks about the real name
    if (dialog.exec() != QDialog::Accepted || dialog.selectedFiles().isEmpty())
        return {};
    return dialog.selectedFiles().constFirst();
}

void rememberExportFolder(const QString& savedPath) { AppSettings::setExportDir(QFileInfo(savedPath).absolutePath()); }

} // namespace pc
