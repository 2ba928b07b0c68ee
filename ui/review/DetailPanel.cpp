#include "DetailPanel.h"
#include "model/BreedCatalog.h"

#include "Background.h"
#include "gallery/GalleryModel.h"
#include "gallery/ImageLoading.h"
#include "review/ImageView.h"
#include "review/SuggestionBars.h"

#include <QGroupBox>
#include <QLabel>
#include <QListWidget>
#include <QLocale>
#include <QPushButton>
#include <QScreen>
#include <QVBoxLayout>

namespace pc {

DetailPanel::DetailPanel(std::shared_ptr<const Workspace> workspace, QThreadPool* ioPool, QWidget* parent)
    : QWidget(parent), m_workspace(std::move(workspace)), m_io(ioPool), m_latest(std::make_shared<std::atomic<qint64>>(0))
{
    setObjectName(QStringLiteral("detailPanel"));
    auto* layout = new QVBoxLayout(this);
    m_title = new QLabel(this);
    QFont tf = m_title->font();
    tf.setBold(true);
    tf.setPointSizeF(tf.pointSizeF() * 1.15);
    m_title->setFont(tf);
    m_title->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_meta = new QLabel(this);
    m_meta->setForegroundRole(QPalette::PlaceholderText);
    m_image = new ImageView(this);
    m_image->setPlaceholder(tr("Select an image"));
    m_label = new QLabel(this);
    m_label->setTextFormat(Qt::RichText);
    m_bars = new SuggestionBars(this);
    m_model = new QLabel(this);
    m_model->setForegroundRole(QPalette::PlaceholderText);
    m_model->setObjectName(QStringLiteral("modelInfo"));
    m_pick = new QPushButton(tr("Other breed…"), this);
    m_pick->setToolTip(tr("Type any letter, or press B, to pick another breed"));
    m_pick->setFocusPolicy(Qt::TabFocus);
    auto* hint = new QLabel(tr("<small><b>1</b>/<b>2</b>/<b>3</b> accept · <b>Enter</b> confirm &amp; next · "
                               "type a name for another breed · <b>Ctrl+Z</b> undo</small>"), this);
    hint->setWordWrap(true);
    hint->setForegroundRole(QPalette::PlaceholderText);
    auto* historyBox = new QGroupBox(tr("Label history"), this);
    auto* hl = new QVBoxLayout(historyBox);
    m_history = new QListWidget(historyBox);
    m_history->setFocusPolicy(Qt::NoFocus);
    m_history->setMaximumHeight(fontMetrics().height() * 5);
    // Long lines wrap: a horizontal scroll bar would cover the only entry.
    m_history->setWordWrap(true);
    m_history->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_history->setResizeMode(QListView::Adjust);
    m_history->setAccessibleName(tr("Label history"));
    hl->addWidget(m_history);

    layout->addWidget(m_title);
    layout->addWidget(m_meta);
    layout->addWidget(m_image, 1);
    layout->addWidget(m_label);
    layout->addWidget(m_bars);
    layout->addWidget(m_model);
    auto* row = new QHBoxLayout;
    row->addWidget(hint, 1);
    row->addWidget(m_pick);
    layout->addLayout(row);
    layout->addWidget(historyBox);

    connect(m_bars, &SuggestionBars::suggestionClicked, this, &DetailPanel::suggestionAccepted);
    connect(m_pick, &QPushButton::clicked, this, &DetailPanel::pickRequested);
    setItem(nullptr);
}

QString DetailPanel::modelText() const { return m_model->text(); }

void DetailPanel::setItem(const GalleryItem* item)
{
    if (!item) {
        m_imageId = 0;
        *m_latest = 0;
        m_title->setText(tr("No image selected"));
        m_meta->clear();
        m_image->setPlaceholder(tr("Select an image in the gallery"));
        m_label->clear();
        m_bars->setSuggestions({}, {});
        m_model->clear();
        m_history->clear();
        m_pick->setEnabled(false);
        return;
    }
    const bool changed = item->id != m_imageId;
    m_imageId = item->id;
    m_pick->setEnabled(true);
    m_title->setText(item->name);
    m_title->setToolTip(item->originalPath);
    m_meta->setText(tr("%1 × %2 · %3 · added %4")
                        .arg(item->width)
                        .arg(item->height)
                        .arg(item->source)
                        .arg(QLocale().toString(item->added.toLocalTime(), QLocale::ShortFormat)));
    QString status;
    if (item->label.isEmpty()) {
        status = tr("Label: <i>none yet</i>");
    } else {
        status = tr("Label: <b>%1</b>").arg(breedDisplayName(item->label).toHtmlEscaped());
        switch (item->status()) {
        case TileStatus::Pending: status += tr(" — pending review (%1)").arg(toString(item->labelOrigin)); break;
        case TileStatus::Disagreeing: status += tr(" — the model disagrees"); break;
        default: status += QStringLiteral(" — %1").arg(toString(item->labelOrigin)); break;
        }
    }
    m_label->setText(status);
    m_bars->setSuggestions(item->top, item->label);
    if (item->hasPrediction()) {
        m_model->setText(predictionTimeText(item->model, item->ms, item->fromCache));
    } else {
        m_model->setText(tr("Predicting…"));
    }
    if (changed) {
        m_history->clear();
        loadImage(item->id, item->sha256);
        loadHistory(item->id);
    }
}

QString DetailPanel::predictionTimeText(const QString& model, double ms, bool fromCache)
{
    // A head on a cached embedding takes microseconds, and a prediction read back from the
    // workspace doesn't know it came from the cache: "0.0 ms" would look like a fault.
    if (ms <= 0)
        return tr("Model %1").arg(model);
    if (ms < 0.1)
        return tr("Model %1 · under 0.1 ms (head on the cached embedding)").arg(model);
    return fromCache ? tr("Model %1 · %2 ms (head on the cached embedding)").arg(model).arg(ms, 0, 'f', 1)
                     : tr("Model %1 · %2 ms").arg(model).arg(ms, 0, 'f', 1);
}

QString DetailPanel::historyLine(const LabelEvent& e)
{
    QString who;
    switch (e.origin) {
    case LabelOrigin::Dataset: who = tr("from the dataset"); break;
    case LabelOrigin::Server: who = e.author.isEmpty() ? tr("from the server") : tr("from the server (%1)").arg(e.author); break;
    case LabelOrigin::Curator: who = e.author.isEmpty() ? tr("by a curator") : tr("by %1").arg(e.author); break;
    }
    QString line = tr("%1  %2 — %3").arg(QLocale().toString(e.at.toLocalTime(), QLocale::ShortFormat), breedDisplayName(e.breed), who);
    if (e.status != ReviewStatus::Approved)
        line += tr(" (%1)").arg(toString(e.status));
    return line;
}

void DetailPanel::loadImage(qint64 id, const QString& sha256)
{
    *m_latest = id;
    auto latest = m_latest;
    auto workspace = m_workspace;
    const qreal dpr = devicePixelRatioF();
    const QSize bound = (QSizeF(std::max(m_image->width(), 400), std::max(m_image->height(), 300)) * dpr * 1.25).toSize();
    runInBackground(m_io, this,
                    [workspace, latest, id, sha256, bound] {
                        if (latest->load() != id)
                            return QImage(); // moved on before we started
                        QString error;
                        return loadUprightImage(workspace->storedImagePath(sha256), bound, &error);
                    },
                    [this, id](const QImage& image) {
                        if (id != m_imageId)
                            return;
                        if (image.isNull())
                            m_image->setPlaceholder(tr("This image can't be shown"));
                        else
                            m_image->setImage(image);
                    });
}

void DetailPanel::loadHistory(qint64 id)
{
    auto workspace = m_workspace;
    auto latest = m_latest;
    runInBackground(m_io, this,
                    [workspace, latest, id]() -> Expected<QVector<LabelEvent>> {
                        if (latest->load() != id)
                            return QVector<LabelEvent>();
                        return workspace->labels().history(id);
                    },
                    [this, id](const Expected<QVector<LabelEvent>>& history) {
                        if (history) {
                            setHistory(id, *history);
                        } else if (id == m_imageId) {
                            m_history->clear();
                            m_history->addItem(tr("Cannot read the label history: %1").arg(history.error().message));
                        }
                    });
}

void DetailPanel::setHistory(qint64 imageId, const QVector<LabelEvent>& history)
{
    if (imageId != m_imageId)
        return;
    m_history->clear();
    if (history.isEmpty()) {
        m_history->addItem(tr("No labels yet"));
        return;
    }
    // Newest first.
    for (auto it = history.crbegin(); it != history.crend(); ++it) {
        const LabelEvent& e = *it;
        auto* item = new QListWidgetItem(historyLine(e));
        if (e.status == ReviewStatus::Rejected) {
            QFont f = item->font();
            f.setStrikeOut(true);
            item->setFont(f);
            item->setForeground(palette().color(QPalette::PlaceholderText));
        }
        m_history->addItem(item);
    }
}

} // namespace pc
