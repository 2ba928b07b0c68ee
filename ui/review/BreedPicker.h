#pragma once
// Type-ahead breed picker for any breed beyond the top-3: the 37 breeds grouped into cats and
// dogs, filtered as you type (any part of the name; name prefixes first, then word starts, then the
// rest), Up/Down to move, Enter to pick, Esc to close.
#include <QDialog>
#include <QHash>

class QLabel;
class QLineEdit;
class QSortFilterProxyModel;
class QStandardItemModel;
class QTreeView;

namespace pc {

class BreedPicker : public QDialog {
    Q_OBJECT
public:
    explicit BreedPicker(QWidget* parent = nullptr);

    // Opens for one image, with `text` already typed and the model's probabilities as hints.
    void openFor(const QString& imageName, const QString& text, const QHash<QString, float>& hints = {});

    QLineEdit* searchField() const { return m_search; }
    QTreeView* list() const { return m_view; }
    // Breed id of the highlighted entry (empty when none).
    QString currentBreed() const;
    int visibleBreedCount() const;

Q_SIGNALS:
    void breedChosen(const QString& breedId);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void filterChanged(const QString& text);
    void pick();
    void selectBestMatch();

    QLabel* m_caption;
    QLineEdit* m_search;
    QTreeView* m_view;
    QStandardItemModel* m_model;
    QSortFilterProxyModel* m_proxy;
};

} // namespace pc
