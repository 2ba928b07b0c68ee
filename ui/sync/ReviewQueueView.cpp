#include "ReviewQueueView.h"
#include "model/BreedCatalog.h"

#include "gallery/GalleryModel.h"
#include "sync/ClientSettings.h"
#include "sync/ServerClient.h"
#include "sync/TokenStore.h"

#include <QHBoxLayout>
#include <QImage>
#include <QLabel>
#include <QListWidget>
#include <QPixmap>
#include <QPushButton>
#include <QShortcut>
#include <QUuid>
#include <QVBoxLayout>
#include <QtConcurrent>

namespace pc {

namespace {

struct QueueAnswer {
    QJsonArray items;
    QString error;
    QString agreement;
};

// Runs on a pool thread: its own client, its own event loop.
QueueAnswer fetchQueue(const QString& url, const QString& token)
{
    sync::ServerClient client{QUrl(url), token, 20000};
    const sync::HttpResult r = client.get(QStringLiteral("/api/v1/review?limit=200"));
    if (!r.ok())
        return {{}, r.message(), {}};
    QueueAnswer a{r.json().value(QStringLiteral("items")).toArray(), {}, {}};
    const sync::HttpResult agreement = client.get(QStringLiteral("/api/v1/agreement"));
    if (agreement.ok()) {
        const QJsonObject o = agreement.json();
        const QJsonValue kappa = o.value(QStringLiteral("overall")).toObject().value(QStringLiteral("kappa"));
        a.agreement = kappa.isDouble() ? QObject::tr("Agreement: κ %1 over %n image(s)", nullptr, o.value(QStringLiteral("images")).toInt())
                                             .arg(kappa.toDouble(), 0, 'f', 2)
                                       : QObject::tr("Agreement: not enough overlapping labels yet");
    }
    return a;
}

} // namespace

ReviewQueueView::ReviewQueueView(QWidget* parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("reviewQueue"));
    m_queue = new QListWidget(this);
    m_queue->setObjectName(QStringLiteral("reviewQueueList"));
    m_queue->setAccessibleName(tr("Images waiting for review"));
    m_image = new QLabel(this);
    m_image->setAlignment(Qt::AlignCenter);
    m_image->setMinimumSize(240, 240);
    m_labels = new QListWidget(this);
    m_labels->setObjectName(QStringLiteral("reviewLabels"));
    m_labels->setAccessibleName(tr("Labels of this image"));
    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("reviewStatus"));
    m_status->setWordWrap(true);
    m_agreement = new QLabel(this);
    m_approve = new QPushButton(tr("&Approve (A)"), this);
    m_reject = new QPushButton(tr("&Reject (R)"), this);
    auto* refreshButton = new QPushButton(tr("Refresh (F5)"), this);

    auto* right = new QVBoxLayout;
    right->addWidget(m_image, 1);
    right->addWidget(m_labels);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_approve);
    buttons->addWidget(m_reject);
    buttons->addStretch();
    buttons->addWidget(refreshButton);
    right->addLayout(buttons);
    auto* columns = new QHBoxLayout;
    columns->addWidget(m_queue, 1);
    columns->addLayout(right, 2);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_agreement);
    layout->addLayout(columns, 1);
    layout->addWidget(m_status);

    // One key per verdict, wherever the focus is in this tab.
    for (const auto& [key, slot] : {std::pair{Qt::Key_A, &ReviewQueueView::approveSelected}, std::pair{Qt::Key_R, &ReviewQueueView::rejectSelected},
                                    std::pair{Qt::Key_F5, &ReviewQueueView::refresh}}) {
        auto* shortcut = new QShortcut(QKeySequence(key), this);
        shortcut->setContext(Qt::WidgetWithChildrenShortcut);
        connect(shortcut, &QShortcut::activated, this, slot);
    }
    connect(m_approve, &QPushButton::clicked, this, &ReviewQueueView::approveSelected);
    connect(m_reject, &QPushButton::clicked, this, &ReviewQueueView::rejectSelected);
    connect(refreshButton, &QPushButton::clicked, this, &ReviewQueueView::refresh);
    connect(m_queue, &QListWidget::currentRowChanged, this, &ReviewQueueView::showItem);
    say(tr("Set up the team server (Settings › Team Server…) to review the team's labels."));
}

void ReviewQueueView::setServer(const QString& url, const QString& token)
{
    m_url = url;
    m_token = token;
    m_loaded = true;
    refresh();
}

int ReviewQueueView::queueSize() const { return int(m_items.size()); }

QString ReviewQueueView::statusText() const { return m_status->text(); }

void ReviewQueueView::say(const QString& text) { m_status->setText(text); }

void ReviewQueueView::showEvent(QShowEvent* event)
{
    QWidget::showEvent(event);
    if (m_loaded)
        return;
    m_loaded = true;
    // The app's settings and token (the keychain may take a moment): off the UI thread.
    auto* watcher = new QFutureWatcher<QPair<QString, QString>>(this);
    connect(watcher, &QFutureWatcher<QPair<QString, QString>>::finished, this, [this, watcher] {
        const auto [url, token] = watcher->result();
        watcher->deleteLater();
        if (!url.isEmpty())
            setServer(url, token);
    });
    watcher->setFuture(QtConcurrent::run([] {
        const QString url = sync::ClientSettings::load().effectiveUrl();
        QString token = qEnvironmentVariable("PETCURATOR_TOKEN").trimmed();
        if (token.isEmpty())
            if (auto stored = sync::TokenStore::read())
                token = stored->token;
        return qMakePair(url, token);
    }));
}

void ReviewQueueView::refresh()
{
    if (m_url.isEmpty())
        return;
    say(tr("Loading the review queue…"));
    auto* watcher = new QFutureWatcher<QueueAnswer>(this);
    connect(watcher, &QFutureWatcher<QueueAnswer>::finished, this, [this, watcher] {
        const QueueAnswer a = watcher->result();
        watcher->deleteLater();
        showQueue(a.items, a.error, a.agreement);
    });
    watcher->setFuture(QtConcurrent::run(fetchQueue, m_url, m_token));
}

void ReviewQueueView::showQueue(const QJsonArray& items, const QString& error, const QString& agreement)
{
    if (!error.isEmpty()) {
        say(tr("Cannot read the review queue: %1").arg(error));
        return;
    }
    const QString current = m_queue->currentItem() ? m_queue->currentItem()->data(Qt::UserRole).toString() : QString();
    m_items = items;
    m_agreement->setText(agreement);
    const QSignalBlocker block(m_queue);
    m_queue->clear();
    int select = 0;
    for (qsizetype i = 0; i < items.size(); ++i) {
        const QJsonObject item = items[i].toObject();
        const QString sha = item.value(QStringLiteral("image")).toString();
        auto* row = new QListWidgetItem(QStringLiteral("%1%2").arg(item.value(QStringLiteral("disputed")).toBool() ? tr("Disputed · ") : QString(), sha.left(12)),
                                        m_queue);
        row->setData(Qt::UserRole, sha);
        if (sha == current)
            select = int(i);
    }
    if (items.isEmpty()) {
        m_labels->clear();
        m_image->clear();
        say(tr("The review queue is empty."));
        return;
    }
    say(tr("%n image(s) wait for review. A approves the selected label, R rejects it.", nullptr, int(items.size())));
    m_queue->setCurrentRow(select);
    showItem(select);
}

void ReviewQueueView::showItem(int row)
{
    m_labels->clear();
    if (row < 0 || row >= m_items.size())
        return;
    const QJsonObject item = m_items[row].toObject();
    int pending = -1;
    for (const QJsonValue& v : item.value(QStringLiteral("labels")).toArray()) {
        const QJsonObject l = v.toObject();
        auto* label = new QListWidgetItem(tr("%1 (%2): %3 — %4")
                                              .arg(l.value(QStringLiteral("author")).toString(), l.value(QStringLiteral("role")).toString(),
                                                   breedDisplayName(l.value(QStringLiteral("breed")).toString()), l.value(QStringLiteral("status")).toString()),
                                          m_labels);
        label->setData(Qt::UserRole, l.value(QStringLiteral("uuid")).toString());
        if (pending < 0 && l.value(QStringLiteral("status")).toString() == QLatin1String("pending"))
            pending = m_labels->count() - 1;
    }
    m_labels->setCurrentRow(std::max(0, pending));
    // The image, fetched off the UI thread; an answer for an item no longer shown is dropped.
    const int request = ++m_imageRequest;
    const QString sha = item.value(QStringLiteral("image")).toString();
    auto* watcher = new QFutureWatcher<QImage>(this);
    connect(watcher, &QFutureWatcher<QImage>::finished, this, [this, watcher, request] {
        const QImage image = watcher->result();
        watcher->deleteLater();
        if (request != m_imageRequest)
            return;
        if (image.isNull())
            m_image->setText(tr("(image unavailable)"));
        else
            m_image->setPixmap(QPixmap::fromImage(image));
    });
    watcher->setFuture(QtConcurrent::run([url = m_url, token = m_token, sha] {
        sync::ServerClient client{QUrl(url), token, 20000};
        const sync::HttpResult r = client.get(QStringLiteral("/api/v1/images/") + sha);
        QImage image;
        if (r.ok() && image.loadFromData(r.body))
            image = image.scaled(480, 480, Qt::KeepAspectRatio, Qt::SmoothTransformation);
        return image;
    }));
}

void ReviewQueueView::approveSelected() { decide(true); }

void ReviewQueueView::rejectSelected() { decide(false); }

void ReviewQueueView::decide(bool approve)
{
    QListWidgetItem* label = m_labels->currentItem();
    if (!label || m_url.isEmpty())
        return;
    const QString uuid = label->data(Qt::UserRole).toString();
    say(approve ? tr("Approving…") : tr("Rejecting…"));
    auto* watcher = new QFutureWatcher<QString>(this);
    connect(watcher, &QFutureWatcher<QString>::finished, this, [this, watcher, approve] {
        const QString error = watcher->result();
        watcher->deleteLater();
        if (!error.isEmpty()) {
            say(tr("The verdict did not go through: %1").arg(error));
            return;
        }
        say(approve ? tr("Approved.") : tr("Rejected."));
        Q_EMIT verdictGiven();
        refresh();
    });
    watcher->setFuture(QtConcurrent::run([url = m_url, token = m_token, uuid, approve] {
        sync::ServerClient client{QUrl(url), token, 20000};
        QJsonObject body{{QStringLiteral("decision"), approve ? QStringLiteral("approve") : QStringLiteral("reject")},
                         // A verdict UUID of our own: a retried click changes nothing twice.
                         {QStringLiteral("uuid"), QUuid::createUuid().toString(QUuid::WithoutBraces)}};
        if (!approve)
            body.insert(QStringLiteral("reason"), QStringLiteral("rejected in the review tab"));
        const sync::HttpResult r = client.postJson(QStringLiteral("/api/v1/review/") + uuid, body);
        return r.ok() ? QString() : r.message();
    }));
}

} // namespace pc
