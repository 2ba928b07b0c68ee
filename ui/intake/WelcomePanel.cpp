#include "WelcomePanel.h"

#include <QIcon>
#include <QLabel>
#include <QPainter>
#include <QPainterPath>
#include <QPushButton>
#include <QVBoxLayout>

namespace pc {

WelcomePanel::WelcomePanel(QWidget* parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("welcomePanel"));
    auto* outer = new QVBoxLayout(this);
    outer->addStretch(2);
    auto* icon = new QLabel(this);
    const int edge = fontMetrics().height() * 5;
    icon->setPixmap(QIcon(QStringLiteral(":/petcurator/petcurator.svg")).pixmap(edge, edge));
    icon->setAlignment(Qt::AlignCenter);
    auto* title = new QLabel(tr("<h1>Welcome to PetCurator</h1>"), this);
    title->setAlignment(Qt::AlignCenter);
    auto* text = new QLabel(tr("<p><b>Drop pet photos or folders anywhere in this window</b> to see the top-3 of the 37 "
                               "Oxford-IIIT Pet breeds at once.<br>Or import a labelled dataset to teach the model your breeds.</p>"
                               "<p><small>Before any training, predictions come from the zero-shot head: ImageNet classes mapped to "
                               "25 of the 37 breeds. Label a few images and fine-tune to learn all of them.</small></p>"),
                            this);
    text->setAlignment(Qt::AlignCenter);
    text->setWordWrap(true);
    m_open = new QPushButton(tr("&Open images…"), this);
    m_open->setObjectName(QStringLiteral("welcomeOpen"));
    auto* oxford = new QPushButton(tr("Import &Oxford-IIIT Pet folder…"), this);
    auto* folders = new QPushButton(tr("Import a folder &per breed…"), this);
    auto* buttons = new QHBoxLayout;
    buttons->addStretch(1);
    buttons->addWidget(m_open);
    buttons->addWidget(oxford);
    buttons->addWidget(folders);
    buttons->addStretch(1);
    auto* keys = new QLabel(tr("<small>Ctrl+O open · Ctrl+V paste · Ctrl+I import Oxford · Ctrl+Shift+I import folders · "
                               "F1 keyboard shortcuts</small>"),
                            this);
    keys->setAlignment(Qt::AlignCenter);
    keys->setForegroundRole(QPalette::PlaceholderText);
    outer->addWidget(icon);
    outer->addWidget(title);
    outer->addWidget(text);
    outer->addSpacing(fontMetrics().height());
    outer->addLayout(buttons);
    outer->addSpacing(fontMetrics().height());
    outer->addWidget(keys);
    outer->addStretch(3);
    connect(m_open, &QPushButton::clicked, this, &WelcomePanel::openRequested);
    connect(oxford, &QPushButton::clicked, this, &WelcomePanel::importOxfordRequested);
    connect(folders, &QPushButton::clicked, this, &WelcomePanel::importFoldersRequested);
    setFocusProxy(m_open);
}

void WelcomePanel::paintEvent(QPaintEvent*)
{
    // A dashed drop zone around the content.
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    QColor c = palette().color(QPalette::WindowText);
    c.setAlphaF(0.25f);
    QPen pen(c, 2, Qt::DashLine);
    p.setPen(pen);
    const int m = fontMetrics().height();
    p.drawRoundedRect(QRectF(rect()).adjusted(m, m, -m, -m), m, m);
}

} // namespace pc
