#include "ServerSettingsDialog.h"

#include "sync/ClientSettings.h"
#include "sync/ServerClient.h"
#include "sync/SignatureCheck.h"
#include "sync/TokenStore.h"
#include "training/TrainingLabels.h"
#include "workspace/Workspace.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QSpinBox>
#include <QtConcurrent>

namespace pc {

ServerSettingsDialog::ServerSettingsDialog(std::shared_ptr<Workspace> workspace, QWidget* parent)
    : QDialog(parent), m_workspace(std::move(workspace))
{
    setWindowTitle(tr("Team Server"));
    setObjectName(QStringLiteral("serverSettings"));
    const sync::ClientSettings settings = sync::ClientSettings::load();
    m_pinnedKey = settings.pinnedKey;

    auto* form = new QFormLayout;
    m_url = new QLineEdit(settings.serverUrl, this);
    m_url->setObjectName(QStringLiteral("serverUrl"));
    m_url->setPlaceholderText(QStringLiteral("http://team-host:8750"));
    form->addRow(tr("Server &URL:"), m_url);
    m_token = new QLineEdit(this);
    m_token->setObjectName(QStringLiteral("serverToken"));
    m_token->setEchoMode(QLineEdit::Password);
    m_token->setPlaceholderText(tr("unchanged"));
    form->addRow(tr("API &token:"), m_token);
    m_interval = new QSpinBox(this);
    m_interval->setRange(10, 3600);
    m_interval->setSuffix(tr(" s"));
    m_interval->setValue(settings.intervalSeconds);
    form->addRow(tr("Sync &every:"), m_interval);

    auto* keyRow = new QHBoxLayout;
    m_key = new QLabel(this);
    m_key->setObjectName(QStringLiteral("pinnedKey"));
    auto* trust = new QPushButton(tr("Trust the server's key"), this);
    auto* forget = new QPushButton(tr("Forget"), this);
    keyRow->addWidget(m_key, 1);
    keyRow->addWidget(trust);
    keyRow->addWidget(forget);
    form->addRow(tr("Signing key:"), keyRow);
    auto showKey = [this] {
        m_key->setText(m_pinnedKey.isEmpty() ? tr("not pinned: server models are refused") : tr("pinned %1").arg(sync::keyId(m_pinnedKey)));
    };
    showKey();
    connect(trust, &QPushButton::clicked, this, &ServerSettingsDialog::trustCurrentKey);
    connect(forget, &QPushButton::clicked, this, [this, showKey] {
        m_pinnedKey.clear();
        showKey();
    });

    m_trustModels = new QCheckBox(tr("Activate the server's models without the local quality gate"), this);
    m_trustModels->setChecked(settings.trustServerModels);
    form->addRow(QString(), m_trustModels);
    const auto stored = TrainingLabelSelection::load(*m_workspace);
    const TrainingLabelSelection selection = stored ? *stored : TrainingLabelSelection{};
    m_approvedOnly = new QCheckBox(tr("Train only on labels the server approved"), this);
    m_approvedOnly->setChecked(selection.approvedOnly);
    form->addRow(QString(), m_approvedOnly);
    m_reviewerRoles = new QCheckBox(tr("Train only on reviewers' and admins' labels"), this);
    m_reviewerRoles->setChecked(selection.roles == QStringList{QStringLiteral("reviewer"), QStringLiteral("admin")});
    form->addRow(QString(), m_reviewerRoles);
    if (!stored) { // not shown as "off": Save would then overwrite what it could not read
        m_approvedOnly->setEnabled(false);
        m_reviewerRoles->setEnabled(false);
        form->addRow(QString(), new QLabel(tr("Cannot read the training label settings: %1").arg(stored.error().message), this));
    }

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Save | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, &ServerSettingsDialog::save);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(buttons);
}

void ServerSettingsDialog::trustCurrentKey()
{
    const QUrl url(m_url->text().trimmed());
    if (const QString bad = sync::ServerClient::checkUrl(url); !bad.isEmpty()) {
        m_key->setText(bad);
        return;
    }
    m_key->setText(tr("asking the server…"));
    // The network off the UI thread; the signing key needs no token.
    auto* watcher = new QFutureWatcher<QByteArray>(this);
    connect(watcher, &QFutureWatcher<QByteArray>::finished, this, [this, watcher] {
        const QByteArray key = watcher->result();
        watcher->deleteLater();
        if (key.size() != 32) {
            m_key->setText(tr("the server did not answer with a signing key"));
            return;
        }
        m_pinnedKey = key;
        m_key->setText(tr("pinned %1 (saved with Save)").arg(sync::keyId(key)));
    });
    watcher->setFuture(QtConcurrent::run([url] {
        sync::ServerClient client(url, QString(), 15000);
        const sync::HttpResult r = client.get(QStringLiteral("/api/v1/signing-key"));
        return r.ok() ? QByteArray::fromBase64(r.json().value(QStringLiteral("public_key")).toString().toLatin1()) : QByteArray();
    }));
}

void ServerSettingsDialog::save()
{
    const QString url = m_url->text().trimmed();
    if (!url.isEmpty())
        if (const QString bad = sync::ServerClient::checkUrl(QUrl(url)); !bad.isEmpty()) {
            QMessageBox::warning(this, windowTitle(), bad);
            return;
        }
    sync::ClientSettings settings = sync::ClientSettings::load();
    settings.serverUrl = url;
    settings.intervalSeconds = m_interval->value();
    settings.trustServerModels = m_trustModels->isChecked();
    settings.pinnedKey = m_pinnedKey;
    settings.save();

    const auto stored = TrainingLabelSelection::load(*m_workspace);
    if (!stored) {
        QMessageBox::warning(this, windowTitle(), tr("Cannot read the training label settings: %1").arg(stored.error().message));
        return;
    }
    TrainingLabelSelection selection = *stored;
    selection.approvedOnly = m_approvedOnly->isChecked();
    selection.roles = m_reviewerRoles->isChecked() ? QStringList{QStringLiteral("reviewer"), QStringLiteral("admin")} : QStringList();
    // Keychain and database writes off the UI thread; the dialog closes once they are done, so a
    // sync started by settingsChanged() finds the new token.
    setEnabled(false);
    const QString token = m_token->text().trimmed();
    QtConcurrent::run([workspace = m_workspace, selection, token] {
        QStringList problems;
        if (!token.isEmpty())
            if (auto s = sync::TokenStore::write(token); !s)
                problems << s.error().message;
        if (auto s = selection.save(*workspace); !s)
            problems << s.error().message;
        return problems.join(QLatin1Char('\n'));
    }).then(this, [this](const QString& problems) {
        setEnabled(true);
        if (!problems.isEmpty())
            QMessageBox::warning(this, windowTitle(), problems);
        Q_EMIT settingsChanged();
        accept();
    });
}

} // namespace pc
