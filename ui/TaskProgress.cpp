#include "TaskProgress.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QStyle>
#include <QToolButton>

namespace pc {

TaskProgress::TaskProgress(QWidget* parent) : QWidget(parent)
{
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_caption = new QLabel(this);
    m_bar = new QProgressBar(this);
    m_bar->setMaximumWidth(fontMetrics().horizontalAdvance(QLatin1Char('x')) * 24);
    m_bar->setTextVisible(true);
    m_cancel = new QToolButton(this);
    m_cancel->setText(tr("Cancel"));
    m_cancel->setToolTip(tr("Cancel (Esc in the progress bar)"));
    m_cancel->setAccessibleName(tr("Cancel import"));
    layout->addWidget(m_caption);
    layout->addWidget(m_bar);
    layout->addWidget(m_cancel);
    connect(m_cancel, &QToolButton::clicked, this, &TaskProgress::cancelRequested);
    hide();
}

void TaskProgress::setProgress(const QString& caption, int done, int total)
{
    m_caption->setText(caption);
    if (total <= 0) {
        m_bar->setRange(0, 0);
    } else {
        m_bar->setRange(0, total);
        m_bar->setValue(std::clamp(done, 0, total));
        m_bar->setFormat(QStringLiteral("%v / %m"));
    }
    if (!isVisible())
        show();
}

void TaskProgress::setCancellable(bool on)
{
    m_cancel->setVisible(on);
}

void TaskProgress::finish()
{
    hide();
    m_bar->reset();
}

} // namespace pc
