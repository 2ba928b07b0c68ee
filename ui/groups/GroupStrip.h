#pragma once
// One group in the Groups view: a header (size, the model's majority suggestions with their keys)
// over a strip of the gallery's tiles, most typical first. Every tile starts selected; the curator
// deselects the odd ones out and names the rest with 1/2/3 (the suggestions), Enter (the first)
// or by typing a breed name, as for one image; Delete takes the selected ones out of the workspace.
#include <QFrame>
#include <QStringList>
#include <QVector>

class QLabel;
class QListView;

namespace pc {

class GalleryModel;
class GroupStripModel;

class GroupStrip : public QFrame {
    Q_OBJECT
public:
    GroupStrip(GalleryModel* gallery, QWidget* parent = nullptr);

    // suggestions: up to three breed ids, best first; counts: how many members each is the top-1 of.
    void setGroup(const QString& title, const QVector<qint64>& imageIds, const QStringList& suggestions, const QVector<int>& counts);

    QListView* list() const { return m_list; }
    QString title() const { return m_title; }
    const QVector<qint64>& imageIds() const { return m_ids; }
    QVector<qint64> selectedImageIds() const; // in the strip's order
    const QStringList& suggestions() const { return m_suggestions; }
    void selectAllImages();
    // Marks the group as named: the header says so (the tiles show their labels themselves).
    void setNamed(const QString& breedId);

Q_SIGNALS:
    void nameRequested(const QString& breedId);
    void typeAhead(const QString& text);
    void removeRequested(); // Delete: take the selected images out of the workspace

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void updateHeader();

    GroupStripModel* m_model;
    QLabel* m_header;
    QListView* m_list;
    QString m_title;
    QVector<qint64> m_ids;
    QStringList m_suggestions;
    QVector<int> m_counts;
    QString m_named;
};

} // namespace pc
