#pragma once
// Saving what the Training tab shows, for a paper or a notebook: a widget rendered as a PNG at
// twice its pixels (sharp when printed or shown at 200 %), written atomically, and the save dialog
// that remembers its folder. The CSV tables themselves come from core (training/TrainingCsv.h).
#include "Expected.h"

#include <QImage>
#include <QString>

class QChartView;
class QWidget;

namespace pc {

// At least 2; more when the screen already has more.
qreal figurePixelRatio(const QWidget* widget);

// The chart as it is on screen (the view's visible area), at `devicePixelRatio`.
QImage renderChart(const QChartView* view, qreal devicePixelRatio);

// Encodes `image` as PNG (with its resolution, so it prints at its on-screen size, and a
// description) and writes it atomically to `path`.
Status<> savePng(const QImage& image, const QString& path, const QString& description);

// Asks where to save (a file dialog opened in the last export folder, with `suggestedName`); a
// name typed without an extension gets `suffix` ("png", "csv"). Empty when the user cancels.
QString askSavePath(QWidget* parent, const QString& title, const QString& suggestedName, const QString& filter, const QString& suffix);
// Remembers the folder of a file just saved, for the next dialog.
void rememberExportFolder(const QString& savedPath);

} // namespace pc
