#include "BreedPicker.h"

#include "model/BreedCatalog.h"

#include <QHeaderView>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QSortFilterProxyModel>
#include <QStandardItemModel>
#include <QTimer>
#include <QTreeView>
#include <QVBoxLayout>

namespace pc {

namespace {
constexpr int kBreedIdRole = Qt::UserRole + 1;
constexpr int kSearchKeyRole = Qt::UserRole + 2;

QString searchKey(const QString& s)
{
    QString k = s.toLower();
    k.replace(QLatin1Char('_'), QLatin1Char(' ')).replace(QLatin1Char('-'), QLatin1Char(' '));
    return k;
}

class BreedFilter : public QSortFilterProxyModel {
public:
    using QSortFilterProxyModel::QSortFilterProxyModel;
    void setQuery(const QString& q)
    {
        m_words = searchKey(q).split(QLatin1Char(' '), Qt::SkipEmptyParts);
        invalidateFilter();
    }

protected:
    bool filterAcceptsRow(int row, const QModelIndex& parent) const override
    {
        const QModelIndex i = sourceModel()->index(row, 0, parent);
        if (!parent.isValid())
            return false; // group rows: shown when a child matches (recursive filtering)
        const QString key = i.data(kSearchKeyRole).toString();
        for (const QString& w : m_words)
            if (!key.contains(w))
                return false;
        return true;
    }

private:
    QStringList m_words;
};
} // namespace

BreedPicker::BreedPicker(QWidget* parent) : QDialog(parent)
{
    setObjectName(QStringLiteral("breedPicker"));
    setWindowTitle(tr("Pick a breed"));
    auto* layout = new QVBoxLayout(this);
    m_caption = new QLabel(this);
    m_search = new QLineEdit(this);
    m_search->setPlaceholderText(tr("Type a breed… (↑↓ move, Enter picks, Esc closes)"));
    m_search->setClearButtonEnabled(true);
    m_search->setAccessibleName(tr("Breed search"));
    m_model = new QStandardItemModel(this);
    auto* cats = new QStandardItem(tr("Cats"));
    auto* dogs = new QStandardItem(tr("Dogs"));
    for (QStandardItem* g : {cats, dogs}) {
        g->setSelectable(false);
        QFont f = g->font();
        f.setBold(true);
        g->setFont(f);
    }
    for (const Breed& b : BreedCatalog::oxford().breeds()) {
        auto* item = new QStandardItem(b.name);
        item->setData(b.id, kBreedIdRole);
        item->setData(searchKey(b.name + QLatin1Char(' ') + b.id), kSearchKeyRole);
        item->setEditable(false);
        (b.species == QLatin1String("cat") ? cats : dogs)->appendRow(item);
    }
    cats->sortChildren(0);
    dogs->sortChildren(0);
    m_model->appendRow(cats);
    m_model->appendRow(dogs);
    auto* filter = new BreedFilter(this);
    filter->setRecursiveFilteringEnabled(true);
    filter->setSourceModel(m_model);
    m_proxy = filter;
    m_view = new QTreeView(this);
    m_view->setModel(m_proxy);
    m_view->setHeaderHidden(true);
    m_view->setRootIsDecorated(false);
    m_view->setUniformRowHeights(true);
    m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_view->setAccessibleName(tr("Breeds"));
    m_view->expandAll();
    layout->addWidget(m_caption);
    layout->addWidget(m_search);
    layout->addWidget(m_view, 1);
    setFocusProxy(m_search);
    m_search->installEventFilter(this);

    connect(m_search, &QLineEdit::textChanged, this, &BreedPicker::filterChanged);
    connect(m_search, &QLineEdit::returnPressed, this, &BreedPicker::pick);
    connect(m_view, &QTreeView::activated, this, &BreedPicker::pick);
    resize(fontMetrics().horizontalAdvance(QLatin1Char('x')) * 48, fontMetrics().height() * 26);
}

void BreedPicker::openFor(const QString& imageName, const QString& text, const QHash<QString, float>& hints)
{
    m_caption->setText(tr("Label <b>%1</b> as:").arg(imageName.toHtmlEscaped()));
    for (int g = 0; g < m_model->rowCount(); ++g) {
        QStandardItem* group = m_model->item(g);
        for (int r = 0; r < group->rowCount(); ++r) {
            QStandardItem* item = group->child(r);
            const QString id = item->data(kBreedIdRole).toString();
            const QString name = BreedCatalog::oxford().at(BreedCatalog::oxford().indexOf(id)).name;
            auto h = hints.constFind(id);
            item->setText(h == hints.constEnd() ? name : QStringLiteral("%1   (%2%)").arg(name).arg(qRound(*h * 100)));
        }
    }
    m_search->setText(text);
    filterChanged(text);
    m_search->setFocus();
    m_search->end(false);
    open();
    raise();
    // Keys go here now, not to the gallery's shortcuts; some platforms only activate a window once
    // it is really shown, so ask again from the event loop.
    activateWindow();
    m_search->setFocus();
    QTimer::singleShot(0, this, [this] {
        if (isVisible() && !isActiveWindow()) {
            raise();
            activateWindow();
        }
        m_search->setFocus();
    });
}

QString BreedPicker::currentBreed() const
{
    return m_view->currentIndex().data(kBreedIdRole).toString();
}

int BreedPicker::visibleBreedCount() const
{
    int n = 0;
    for (int g = 0; g < m_proxy->rowCount(); ++g)
        n += m_proxy->rowCount(m_proxy->index(g, 0));
    return n;
}

void BreedPicker::filterChanged(const QString& text)
{
    static_cast<BreedFilter*>(m_proxy)->setQuery(text);
    m_view->expandAll();
    selectFirstMatch(text);
}

void BreedPicker::selectFirstMatch(const QString& text)
{
    // Prefer a breed whose name starts with what was typed, then any match.
    const QString key = searchKey(text).trimmed();
    QModelIndex first, prefix;
    for (int g = 0; g < m_proxy->rowCount(); ++g) {
        const QModelIndex group = m_proxy->index(g, 0);
        for (int r = 0; r < m_proxy->rowCount(group); ++r) {
            const QModelIndex i = m_proxy->index(r, 0, group);
            if (!first.isValid())
                first = i;
            if (!prefix.isValid() && !key.isEmpty() && i.data(kSearchKeyRole).toString().startsWith(key))
                prefix = i;
        }
    }
    const QModelIndex pickIndex = prefix.isValid() ? prefix : first;
    m_view->setCurrentIndex(pickIndex);
    if (pickIndex.isValid())
        m_view->scrollTo(pickIndex);
}

void BreedPicker::pick()
{
    const QString id = currentBreed();
    if (id.isEmpty())
        return;
    accept();
    Q_EMIT breedChosen(id);
}

bool BreedPicker::eventFilter(QObject* watched, QEvent* event)
{
    if (watched == m_search && event->type() == QEvent::KeyPress) {
        auto* key = static_cast<QKeyEvent*>(event);
        switch (key->key()) {
        case Qt::Key_Up:
        case Qt::Key_Down:
        case Qt::Key_PageUp:
        case Qt::Key_PageDown: {
            // Move through the breeds (skipping the group rows) without leaving the text field.
            QModelIndex cur = m_view->currentIndex();
            QList<QModelIndex> rows;
            for (int g = 0; g < m_proxy->rowCount(); ++g) {
                const QModelIndex group = m_proxy->index(g, 0);
                for (int r = 0; r < m_proxy->rowCount(group); ++r)
                    rows << m_proxy->index(r, 0, group);
            }
            if (rows.isEmpty())
                return true;
            int at = int(rows.indexOf(cur));
            const int step = (key->key() == Qt::Key_PageUp || key->key() == Qt::Key_PageDown) ? 8 : 1;
            const bool up = key->key() == Qt::Key_Up || key->key() == Qt::Key_PageUp;
            at = at < 0 ? 0 : std::clamp(at + (up ? -step : step), 0, int(rows.size()) - 1);
            m_view->setCurrentIndex(rows[at]);
            m_view->scrollTo(rows[at]);
            return true;
        }
        default:
            break;
        }
    }
    return QDialog::eventFilter(watched, event);
}

} // namespace pc
