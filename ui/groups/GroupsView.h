#pragma once
// The Groups view: the images (unlabelled, or all) grouped by their embeddings, one strip per
// group, to name a whole group at once; or the near-duplicate pairs, side by side, to keep one or
// label both alike. The embeddings come from the prediction service (what the gallery computed
// anyway); grouping runs on a background thread of its own; naming is one undoable step with a
// label event per image.
#include "concurrency/WorkQueue.h"
#include "curation/ImageGroups.h"

#include <QPointer>
#include <QWidget>

#include <atomic>
#include <memory>

class QComboBox;
class QLabel;
class QPushButton;
class QScrollArea;
class QSlider;
class QUndoStack;
class QVBoxLayout;

namespace pc {

class BreedPicker;
class GalleryModel;
class GroupStrip;
class LabelWriter;
class PredictionService;

class GroupsView : public QWidget {
    Q_OBJECT
public:
    GroupsView(GalleryModel* gallery, PredictionService* predictions, LabelWriter* writer, QUndoStack* undo,
               QWidget* parent = nullptr);
    ~GroupsView() override;

    enum class Mode { Groups, NearDuplicates };

    void setScope(ImageScope scope);
    void setGroupCount(int k); // 0: automatic
    void findGroups();
    void findNearDuplicates();
    // Shows these near-duplicate pairs (found at cosine ≥ threshold) side by side, as
    // findNearDuplicates() does: what the gallery's "compare near-duplicates" opens.
    void showNearDuplicates(const QVector<NearDuplicateImages>& pairs, float threshold);

    bool isBusy() const { return m_busy; }
    Mode mode() const { return m_mode; }
    int stripCount() const;
    GroupStrip* strip(int index) const;
    QString statusText() const;
    BreedPicker* breedPicker() const { return m_picker; }
    // Names the strip's selected images (one undo step); false when none is selected.
    bool nameSelection(GroupStrip* strip, const QString& breedId);
    // Takes the strip's selected images out of the workspace (one undo step). Of a near-duplicate
    // pair one must stay: false when the whole pair is selected, or nothing.
    bool removeSelection(GroupStrip* strip);

Q_SIGNALS:
    void resultsShown(int strips);

private:
    struct Request;
    void start(Mode mode);
    void embeddingsReady(std::shared_ptr<Request> request, CentreEmbeddings embeddings);
    void showGroups(const std::shared_ptr<Request>& request, const ImageGrouping& grouping);
    void showPairs(const QVector<NearDuplicateImages>& pairs, float threshold);
    void clearStrips();
    GroupStrip* addStrip();
    void setBusy(bool busy, const QString& status);

    GalleryModel* m_gallery;
    QPointer<PredictionService> m_predictions;
    LabelWriter* m_writer;
    QUndoStack* m_undo;
    BreedPicker* m_picker;
    QPointer<GroupStrip> m_pickerFor;
    QComboBox* m_scope;
    QSlider* m_k;
    QLabel* m_kLabel;
    QPushButton* m_groupButton;
    QPushButton* m_duplicatesButton;
    QLabel* m_status;
    QScrollArea* m_scroll;
    QWidget* m_stripsHost;
    QVBoxLayout* m_strips;
    Mode m_mode = Mode::Groups;
    bool m_busy = false;
    quint64 m_generation = 0; // a newer request makes an older one's answer stale
    std::shared_ptr<std::atomic_bool> m_cancel = std::make_shared<std::atomic_bool>(false);
    WorkQueue m_work; // last: its jobs use the members above
};

} // namespace pc
