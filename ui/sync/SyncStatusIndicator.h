#pragma once
// The status bar's team-server indicator: online or offline, what waits in the outbox, when the
// last sync got through, and the last problem in words. A click syncs now. Hidden while no
// server is set up.
#include "SyncService.h"

#include <QToolButton>

namespace pc {

class SyncStatusIndicator : public QToolButton {
    Q_OBJECT
public:
    explicit SyncStatusIndicator(SyncService* service, QWidget* parent = nullptr);

    // The text for a status (also what tests read).
    static QString textFor(const SyncStatus& status);
    static QString toolTipFor(const SyncStatus& status);

private:
    void display(const SyncStatus& status);
};

} // namespace pc
