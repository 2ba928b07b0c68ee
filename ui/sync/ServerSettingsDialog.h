#pragma once
// Team server settings: URL, API token (stored in the keychain, else a 0600 file), the pinned
// model-signing key, whether the server's models skip the local gate, and which labels training
// uses. The token and the training choice are written off the UI thread.
#include <QDialog>
#include <memory>

class QCheckBox;
class QLabel;
class QLineEdit;
class QSpinBox;

namespace pc {

class Workspace;

class ServerSettingsDialog : public QDialog {
    Q_OBJECT
public:
    explicit ServerSettingsDialog(std::shared_ptr<Workspace> workspace, QWidget* parent = nullptr);

Q_SIGNALS:
    void settingsChanged(); // saved (the token may still be on its way to the keychain)

private:
    void save();
    void trustCurrentKey();

    std::shared_ptr<Workspace> m_workspace;
    QLineEdit* m_url = nullptr;
    QLineEdit* m_token = nullptr;
    QSpinBox* m_interval = nullptr;
    QCheckBox* m_trustModels = nullptr;
    QCheckBox* m_approvedOnly = nullptr;
    QCheckBox* m_reviewerRoles = nullptr;
    QLabel* m_key = nullptr;
    QByteArray m_pinnedKey;
};

} // namespace pc
