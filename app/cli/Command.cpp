#include "Command.h"

#include "model/Backbone.h"

#include <opencv2/core/version.hpp>

namespace pc::cli {

QTextStream& out()
{
    static QTextStream s(stdout);
    return s;
}

QTextStream& err()
{
    static QTextStream s(stderr);
    return s;
}

QString versionText()
{
    // What --precision auto picks here: asked of this CPU now, not of the build machine.
    const pc::Precision automatic = *pc::resolvePrecision(pc::PrecisionChoice::Auto);
    return QStringLiteral("petcurator-cli %1\nmodel: EfficientNet-B0 ImageNet-1k, fp32 weights (%2)\n"
                          "precision: auto is %3 on this CPU (%4)\nlibtorch %5, Qt %6, OpenCV %7")
        .arg(QStringLiteral(PETCURATOR_VERSION), QString::fromLatin1(pc::Backbone::kId), pc::precisionName(automatic),
             pc::bf16Evidence(), pc::Backbone::libtorchVersion(), QString::fromLatin1(qVersion()), QStringLiteral(CV_VERSION));
}

bool intOption(const QCommandLineParser& parser, const QString& command, const QString& name, int lo, int hi, int& value)
{
    if (!parser.isSet(name))
        return true;
    bool ok = false;
    const int v = parser.value(name).toInt(&ok);
    if (ok && v >= lo && v <= hi) {
        value = v;
        return true;
    }
    err() << "petcurator-cli " << command << ": --" << name << " must be a number from " << lo << " to " << hi << "\n";
    return false;
}

} // namespace pc::cli
