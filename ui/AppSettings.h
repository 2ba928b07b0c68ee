#pragma once
// Every persistent preference of the desktop app, in one place (QSettings, written atomically by Qt).
#include "training/AutoTrainRules.h"

#include <QByteArray>
#include <QString>

namespace pc {

struct AppSettings {
    // Workspace folder; empty: Workspace::defaultLocation().
    static QString workspaceDir();
    static void setWorkspaceDir(const QString& dir);

    // Threads for the backbone and the prediction workers; 0: one per core.
    static int threads();
    static void setThreads(int threads);
    // The number of threads to use now: the --threads override, else threads(), else the core count.
    static int effectiveThreads();
    // For this process only (petcurator --threads N); 0 clears it. Not saved.
    static void setThreadsOverride(int threads);

    // The backbone's number format: "auto", "fp32" or "bf16" (model/Precision.h), used at start.
    static QString precision();
    static void setPrecision(const QString& precision);
    // For this process only (petcurator --precision P); empty clears it. Not saved.
    static void setPrecisionOverride(const QString& precision);
    // The choice in force now: the override, else precision(); an unreadable saved value is auto.
    static QString effectivePrecision();

    static AutoTrainRules autoTrainRules();
    static void setAutoTrainRules(const AutoTrainRules& rules);
    // A quick incremental update of the model after each correction.
    static bool incrementalOnCorrection();
    static void setIncrementalOnCorrection(bool on);

    // Move to the next image after a label (1/2/3, Enter, the breed picker).
    static bool advanceAfterLabel();
    static void setAdvanceAfterLabel(bool on);

    // Two images whose centre-view embeddings have at least this cosine are near-duplicates: flagged
    // in the gallery and paired in the Groups view. Out of [0.5, 1] or unreadable: 0.97.
    static float nearDuplicateThreshold();
    static void setNearDuplicateThreshold(float cosine);

    static QString curatorName();
    static void setCuratorName(const QString& name);

    // Where the last chart or table was exported (the save dialog opens there); empty: none yet.
    static QString exportDir();
    static void setExportDir(const QString& dir);

    static bool darkTheme();
    static void setDarkTheme(bool on);

    static QByteArray windowGeometry();
    static QByteArray windowState();
    static void setWindow(const QByteArray& geometry, const QByteArray& state);
};

} // namespace pc
