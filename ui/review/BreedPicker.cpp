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
#include <algorithm>
#include <climits>

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

// How well a breed's search key matches the typed words: prefix of the name (0), every word at the
// start of a word (1), anywhere (2); -1: no match. Lower ranks sort and get picked first, so "mai"
// highlights Maine Coon, not British Shorthair.
int matchRank(const QString& key, const QStringList& words)
{
    if (words.isEmpty())
        return 2;
    const QStringList keyWords = key.split(QLatin1Char(' '), Qt::SkipEmptyParts);
    bool allWordStarts = true;
    for (const QString& w : words) {
        if (!key.contains(w))
            return -1;
        if (std::none_of(keyWords.begin(), keyWords.end(), [&](const QString& k) { return k.startsWith(w); }))
            allWordStarts = false;
    }
    if (key.startsWith(words.join(QLatin1Char(' '))))
        return 0;
    return allWordStarts ? 1 : 2;
}

class BreedFilter : public QSortFilterProxyModel {
public:
    using QSortFilterProxyModel::QSortFilterProxyModel;
    void setQuery(const QString& q)
    {
        m_words = searchKey(q).split(QLatin1Char(' '), Qt::SkipEmptyParts);
        invalidate();
        sort(0);
    }
    int rank(const QModelIndex& proxyIndex) const { return matchRank(proxyIndex.data(kSearchKeyRole).toString(), m_words); }

protected:
    bool filterAcceptsRow(int row, const QModelIndex& parent) const override
    {
        if (!parent.isValid())
            return false; // group rows: shown when a child matches (recursive filtering)
        return matchRank(sourceModel()->index(row, 0, parent).data(kSearchKeyRole).toString(), m_words) >= 0;
    }
    bool lessThan(const QModelIndex& left, const QModelIndex& right) const override
    {
        if (!left.parent().isValid())
            return left.row() < right.row(); // keep Cats before Dogs
        const int a = matchRank(left.data(kSearchKeyRole).toString(), m_words);
        const int b = matchRank(right.data(kSearchKeyRole).toString(), m_words);
        if (a != b)
            return a < b;
        return QString::localeAwareCompare(left.data(kSearchKeyRole).toString(), right.data(kSearchKeyRole).toString()) < 0;
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
        // The name first: a prefix of the key is a prefix of the name.
        item->setData(searchKey(b.name + QLatin1Char(' ') + b.id), kSearchKeyRole);
        item->setEditable(false);
        (b.species == QLatin1String("cat") ? cats : dogs)->appendRow(item);
    }
    m_model->appendRow(cats);
    m_model->appendRow(dogs);
    auto* filter = new BreedFilter(this);
    filter->setRecursiveFilteringEnabled(true);
    filter->setSourceModel(m_model);
    filter->setQuery(QString());
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
    filterChanged(text);
    // Show first: QDialog gives its focus widget a Tab focus-in when shown, and a QLineEdit selects
    // all its text on that, so the next key would replace the letter that opened the picker.
    open();
    raise();
    activateWindow();
    m_search->setFocus(Qt::OtherFocusReason);
    m_search->setText(text);
    m_search->deselect();
    m_search->end(false);
    // Some window managers activate a window only once it is really shown: ask again from the
    // event loop (an ActiveWindow focus-in does not select the text).
    QTimer::singleShot(0, this, [this] {
        if (isVisible() && !isActiveWindow()) {
            raise();
            activateWindow();
        }
        if (!m_search->hasFocus())
            m_search->setFocus(Qt::OtherFocusReason);
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
    selectBestMatch();
}

void BreedPicker::selectBestMatch()
{
    // The best-ranked breed over both groups; each group is already sorted by rank.
    const auto* filter = static_cast<const BreedFilter*>(m_proxy);
    QModelIndex best;
    int bestRank = INT_MAX;
    for (int g = 0; g < m_proxy->rowCount(); ++g) {
        const QModelIndex first = m_proxy->index(0, 0, m_proxy->index(g, 0));
        if (first.isValid() && filter->rank(first) < bestRank) {
            bestRank = filter->rank(first);
            best = first;
        }
    }
    m_view->setCurrentIndex(best);
    if (best.isValid())
        m_view->scrollTo(best);
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
