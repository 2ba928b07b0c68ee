#pragma once
// Shared set-up for the GUI tests: settings in a private folder, and no automatic training
// behind the test's back.
#include "AppSettings.h"

#include <QCoreApplication>
#include <QSettings>
#include <QTemporaryDir>

namespace pc::test {

inline void isolateAppSettings(const QTemporaryDir& dir)
{
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, dir.path());
    QCoreApplication::setOrganizationName(QStringLiteral("PetCuratorTest"));
    AutoTrainRules rules;
    rules.afterLabelsEnabled = false;
    rules.dailyEnabled = false;
    AppSettings::setAutoTrainRules(rules);
    AppSettings::setIncrementalOnCorrection(false);
}

} // namespace pc::test
