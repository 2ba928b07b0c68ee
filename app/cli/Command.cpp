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
    return QStringLiteral("petcurator-cli %1\nmodel: EfficientNet-B0 ImageNet-1k fp32 (%2)\nlibtorch %3, Qt %4, OpenCV %5")
        .arg(QStringLiteral(PETCURATOR_VERSION), QString::fromLatin1(pc::Backbone::kId), pc::Backbone::libtorchVersion(),
             QString::fromLatin1(qVersion()), QStringLiteral(CV_VERSION));
}

} // namespace pc::cli
