#include "dialogs/ExportDialog.h"

#include "model/BreedCatalog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDateEdit>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QToolButton>
#include <QVBoxLayout>

namespace pc {

namespace {

QStringList listOf(const QString& text)
{
    QStringList out;
    for (const QString& item : text.split(QLatin1Char(','), Qt::SkipEmptyParts))
        if (!item.trimmed().isEmpty())
            out.append(item.trimmed());
    return out;
}

} // namespace

ExportDialog::ExportDialog(QWidget* parent) : QDialog(parent)
{
    setObjectName(QStringLiteral("exportDialog"));
    setWindowTitle(tr("Export labelled images"));
    auto* layout = new QVBoxLayout(this);
    auto* form = new QFormLayout;
    layout->addLayout(form);

    m_format = new QComboBox(this);
    m_format->setObjectName(QStringLiteral("exportFormat"));
    m_format->addItem(tr("A folder per breed (original files)"), toString(ExportFormat::Folders));
    m_format->addItem(tr("Oxford-IIIT Pet (images/ + annotations/)"), toString(ExportFormat::Oxford));
    m_format->addItem(tr("CSV (images/ + labels.csv)"), toString(ExportFormat::Csv));
    m_format->addItem(tr("JSON (images/ + labels.json)"), toString(ExportFormat::Json));
    form->addRow(tr("&Format:"), m_format);

    auto* folderRow = new QHBoxLayout;
    m_folder = new QLineEdit(this);
    m_folder->setObjectName(QStringLiteral("exportFolder"));
    m_folder->setPlaceholderText(tr("An empty or new folder"));
    m_folder->setAccessibleName(tr("Export folder"));
    m_browse = new QToolButton(this);
    m_browse->setObjectName(QStringLiteral("chooseExportFolder"));
    m_browse->setText(tr("Choose…"));
    m_browse->setAccessibleName(tr("Choose the export folder"));
    folderRow->addWidget(m_folder, 1);
    folderRow->addWidget(m_browse);
    form->addRow(tr("F&older:"), folderRow);
    m_intoNonEmpty = new QCheckBox(tr("&Write into it although it is not empty (files of the same name are replaced)"), this);
    m_intoNonEmpty->setObjectName(QStringLiteral("intoNonEmpty"));
    m_intoNonEmpty->hide(); // shown when the chosen folder holds something
    form->addRow(QString(), m_intoNonEmpty);

    m_approvedOnly = new QCheckBox(tr("&Trusted labels only (review status approved)"), this);
    m_approvedOnly->setObjectName(QStringLiteral("approvedOnly"));
    form->addRow(tr("Labels:"), m_approvedOnly);
    auto* originRow = new QHBoxLayout;
    for (auto [origin, text] : {std::pair{LabelOrigin::Dataset, tr("d&ataset")}, std::pair{LabelOrigin::Curator, tr("&curator")},
                                std::pair{LabelOrigin::Server, tr("&server")}}) {
        auto* check = new QCheckBox(text, this);
        check->setObjectName(QStringLiteral("origin_") + toString(origin));
        check->setToolTip(tr("None ticked: every origin"));
        m_origins.insert(origin, check);
        originRow->addWidget(check);
    }
    originRow->addStretch(1);
    form->addRow(tr("Origins:"), originRow);
    m_authors = new QLineEdit(this);
    m_authors->setObjectName(QStringLiteral("exportAuthors"));
    m_authors->setPlaceholderText(tr("Any author (names separated by commas)"));
    form->addRow(tr("A&uthors:"), m_authors);
    m_breeds = new QLineEdit(this);
    m_breeds->setObjectName(QStringLiteral("exportBreeds"));
    m_breeds->setPlaceholderText(tr("Any breed (names or ids separated by commas)"));
    form->addRow(tr("&Breeds:"), m_breeds);

    // The curator's calendar days: from the start of "since" to the end of "until", local time.
    auto dateRow = [this](QCheckBox*& on, QDateEdit*& edit, const QString& name, const QString& text) {
        auto* row = new QHBoxLayout;
        on = new QCheckBox(text, this);
        on->setObjectName(name + QStringLiteral("On"));
        edit = new QDateEdit(QDate::currentDate(), this);
        edit->setObjectName(name);
        edit->setCalendarPopup(true);
        edit->setDisplayFormat(QStringLiteral("yyyy-MM-dd"));
        edit->setEnabled(false);
        connect(on, &QCheckBox::toggled, edit, &QWidget::setEnabled);
        row->addWidget(on);
        row->addWidget(edit);
        row->addStretch(1);
        return row;
    };
    form->addRow(tr("Labelled:"), dateRow(m_sinceOn, m_since, QStringLiteral("exportSince"), tr("s&ince")));
    form->addRow(QString(), dateRow(m_untilOn, m_until, QStringLiteral("exportUntil"), tr("u&ntil")));

    m_error = new QLabel(this);
    m_error->setObjectName(QStringLiteral("exportError"));
    m_error->setStyleSheet(QStringLiteral("color: #c62828;"));
    m_error->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_error->hide();
    layout->addWidget(m_error);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    m_exportButton = buttons->button(QDialogButtonBox::Ok);
    m_exportButton->setText(tr("&Export"));
    m_exportButton->setObjectName(QStringLiteral("startExport"));
    layout->addWidget(buttons);

    connect(m_browse, &QToolButton::clicked, this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Export to folder"), m_folder->text());
        if (!dir.isEmpty())
            m_folder->setText(QDir::toNativeSeparators(dir));
    });
    // Another folder: the curator's "write into it" was for the old one.
    connect(m_folder, &QLineEdit::textChanged, this, [this] {
        m_intoNonEmpty->setChecked(false);
        m_intoNonEmpty->hide();
        m_error->hide();
    });
    connect(buttons, &QDialogButtonBox::accepted, this, [this] {
        if (check())
            accept();
    });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
}

QString ExportDialog::outputDir() const
{
    return QDir::cleanPath(QDir::fromNativeSeparators(m_folder->text().trimmed()));
}

QString ExportDialog::errorText() const { return m_error->isHidden() ? QString() : m_error->text(); }

void ExportDialog::showError(const QString& message)
{
    m_error->setText(message);
    m_error->show();
}

Expected<LabelFilter> ExportDialog::filter() const
{
    LabelFilter f;
    f.approvedOnly = m_approvedOnly->isChecked();
    for (auto it = m_origins.cbegin(); it != m_origins.cend(); ++it)
        if (it.value()->isChecked())
            f.origins.append(it.key());
    f.authors = listOf(m_authors->text());
    const BreedCatalog& catalog = BreedCatalog::oxford();
    for (const QString& b : listOf(m_breeds->text())) {
        const int index = catalog.indexOf(b);
        if (index < 0)
            return Error{tr("Unknown breed “%1”: use the names of the 37 Oxford-IIIT Pet breeds").arg(b)};
        f.breeds.append(catalog.at(index).id);
    }
    if (m_sinceOn->isChecked())
        f.since = QDateTime(m_since->date(), QTime(0, 0)).toUTC();
    if (m_untilOn->isChecked())
        f.until = QDateTime(m_until->date(), QTime(23, 59, 59, 999)).toUTC();
    if (auto s = f.check(); !s)
        return s.error();
    return f;
}

ExportOptions ExportDialog::options() const
{
    ExportOptions o;
    o.format = exportFormatFromString(m_format->currentData().toString()).value_or(ExportFormat::Folders);
    if (auto f = filter())
        o.filter = *f;
    o.intoNonEmptyFolder = m_intoNonEmpty->isChecked();
    return o;
}

bool ExportDialog::check()
{
    m_error->hide();
    const QString dir = outputDir();
    if (m_folder->text().trimmed().isEmpty()) {
        showError(tr("Choose the folder to export to."));
        return false;
    }
    const QFileInfo info(dir);
    if (info.exists() && !info.isDir()) {
        showError(tr("%1 is a file, not a folder: choose a folder.").arg(QDir::toNativeSeparators(dir)));
        return false;
    }
    if (!info.exists()) {
        // A new folder: the export makes it under the nearest folder that exists, which must be a
        // folder we may write in.
        QFileInfo existing(QFileInfo(QDir(dir).absolutePath()).path());
        while (!existing.exists() && existing.filePath() != existing.path())
            existing = QFileInfo(existing.path());
        if (!existing.isDir()) {
            showError(tr("Cannot make %1: %2 is a file, not a folder.").arg(QDir::toNativeSeparators(dir), QDir::toNativeSeparators(existing.filePath())));
            return false;
        }
        if (!existing.isWritable()) {
            showError(tr("Cannot make %1: %2 is not writable.").arg(QDir::toNativeSeparators(dir), QDir::toNativeSeparators(existing.filePath())));
            return false;
        }
    } else {
        if (!info.isWritable()) {
            showError(tr("Cannot write in %1: it is not writable.").arg(QDir::toNativeSeparators(dir)));
            return false;
        }
        const bool empty = QDir(dir).isEmpty(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden | QDir::System);
        if (!empty && !m_intoNonEmpty->isChecked()) {
            m_intoNonEmpty->show();
            showError(tr("%1 is not empty: tick “Write into it” to export into it anyway, or choose another folder.")
                          .arg(QDir::toNativeSeparators(dir)));
            return false;
        }
    }
    if (auto f = filter(); !f) {
        showError(f.error().message);
        return false;
    }
    return true;
}

} // namespace pc
