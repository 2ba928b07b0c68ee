#pragma once
// About PetCurator: the versions of Qt, libtorch and OpenCV, the backbone's provenance (weights,
// hash, licences: packaging/PROVENANCE.md, compiled in), the precision it computes in and the model
// that is live.
#include <QDialog>

namespace pc {

class Backbone;

class AboutDialog : public QDialog {
    Q_OBJECT
public:
    AboutDialog(const Backbone* backbone, const QString& activeModel, QWidget* parent = nullptr);

    static QString versionsText(); // "Qt 6.4.2 · libtorch 1.13.1 · OpenCV 4.6.0"
    // The backbone's precision and what this CPU offers, e.g. "bf16 (heads in fp32; this CPU has …)".
    static QString precisionText(const Backbone* backbone);
    QString text() const { return m_text; }

private:
    QString m_text;
};

} // namespace pc
