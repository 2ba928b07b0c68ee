#include "groups/GroupsView.h"

#include "AppSettings.h"
#include "gallery/GalleryModel.h"
#include "gallery/PredictionService.h"
#include "groups/GroupStrip.h"
#include "review/BreedPicker.h"
#include "curation/NearDuplicates.h"
#include "review/NameImagesCommand.h"
#include "review/RemoveImagesCommand.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QListView>
#include <QPushButton>
#include <QScrollArea>
#include <QSlider>
#include <QUndoStack>

namespace pc {

namespace {
constexpr int kMaxK = 64;
constexpr int kMaxPairsShown = 200;
}

// What one press of "Find groups" or "Near-duplicates" asked for.
struct GroupsView::Request {
    quint64 generation = 0;
    Mode mode = Mode::Groups;
    ImageScope scope = ImageScope::Unlabelled;
    int k = 0;
    float threshold = kDefaultNearDuplicateThreshold; // near-duplicates: cosine at least this
    QHash<qint64, QString> topBreed; // each image's top-1 prediction when asked
};

GroupsView::GroupsView(GalleryModel* gallery, PredictionService* predictions, LabelWriter* writer, QUndoStack* undo, QWidget* parent)
    : QWidget(parent), m_gallery(gallery), m_predictions(predictions), m_writer(writer), m_undo(undo),
      m_work({.name = QStringLiteral("groups"), .workers = 1, .priority = ThreadPriority::Background})
{
    setObjectName(QStringLiteral("groupsView"));
    m_picker = new BreedPicker(this);
    connect(m_picker, &BreedPicker::breedChosen, this, [this](const QString& breed) {
        if (m_pickerFor)
            nameSelection(m_pickerFor, breed);
    });

    auto* bar = new QHBoxLayout;
    m_scope = new QComboBox(this);
    m_scope->setObjectName(QStringLiteral("groupScope"));
    m_scope->addItem(tr("Unlabelled images"));
    m_scope->addItem(tr("All images"));
    m_scope->setAccessibleName(tr("Images to group"));
    m_k = new QSlider(Qt::Horizontal, this);
    m_k->setObjectName(QStringLiteral("groupCount"));
    m_k->setRange(0, kMaxK);
    m_k->setAccessibleName(tr("Number of groups (0: automatic)"));
    m_k->setMaximumWidth(220);
    m_kLabel = new QLabel(this);
    m_kLabel->setMinimumWidth(m_kLabel->fontMetrics().horizontalAdvance(tr("Groups: automatic")));
    auto showK = [this](int k) { m_kLabel->setText(k == 0 ? tr("Groups: automatic") : tr("Groups: %1").arg(k)); };
    showK(0);
    connect(m_k, &QSlider::valueChanged, this, showK);
    // Moving the slider regroups once it is let go (or at once from the keyboard).
    connect(m_k, &QSlider::sliderReleased, this, [this] {
        if (m_mode == Mode::Groups && stripCount() > 0)
            findGroups();
    });
    m_groupButton = new QPushButton(tr("&Find groups"), this);
    m_groupButton->setObjectName(QStringLiteral("findGroups"));
    connect(m_groupButton, &QPushButton::clicked, this, &GroupsView::findGroups);
    m_duplicatesButton = new QPushButton(tr("Near-&duplicates"), this);
    m_duplicatesButton->setObjectName(QStringLiteral("findNearDuplicates"));
    connect(m_duplicatesButton, &QPushButton::clicked, this, &GroupsView::findNearDuplicates);
    m_status = new QLabel(tr("Group similar images to name each group at once: select, deselect the odd ones out, "
                             "then press 1, 2, 3 or type a breed."),
                          this);
    m_status->setObjectName(QStringLiteral("groupStatus"));
    m_status->setWordWrap(true);
    bar->addWidget(m_scope);
    bar->addWidget(m_kLabel);
    bar->addWidget(m_k);
    bar->addWidget(m_groupButton);
    bar->addWidget(m_duplicatesButton);
    bar->addStretch(1);

    m_scroll = new QScrollArea(this);
    m_scroll->setWidgetResizable(true);
    m_stripsHost = new QWidget(m_scroll);
    m_strips = new QVBoxLayout(m_stripsHost);
    m_strips->addStretch(1);
    m_scroll->setWidget(m_stripsHost);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(bar);
    layout->addWidget(m_status);
    layout->addWidget(m_scroll, 1);
}

GroupsView::~GroupsView()
{
    m_cancel->store(true);
}

void GroupsView::setScope(ImageScope scope) { m_scope->setCurrentIndex(scope == ImageScope::All ? 1 : 0); }
void GroupsView::setGroupCount(int k) { m_k->setValue(std::clamp(k, 0, kMaxK)); }
void GroupsView::findGroups() { start(Mode::Groups); }
void GroupsView::findNearDuplicates() { start(Mode::NearDuplicates); }

int GroupsView::stripCount() const { return m_strips->count() - 1; } // the stretch at the end
GroupStrip* GroupsView::strip(int index) const
{
    return index >= 0 && index < stripCount() ? qobject_cast<GroupStrip*>(m_strips->itemAt(index)->widget()) : nullptr;
}
QString GroupsView::statusText() const { return m_status->text(); }

void GroupsView::setBusy(bool busy, const QString& status)
{
    m_busy = busy;
    m_status->setText(status);
}

void GroupsView::start(Mode mode)
{
    if (!m_predictions)
        return;
    // A new request: the running one is cancelled and its answer ignored.
    m_cancel->store(true);
    m_cancel = std::make_shared<std::atomic_bool>(false);
    auto request = std::make_shared<Request>();
    request->generation = ++m_generation;
    request->mode = mode;
    request->scope = m_scope->currentIndex() == 1 ? ImageScope::All : ImageScope::Unlabelled;
    request->k = m_k->value();
    request->threshold = AppSettings::nearDuplicateThreshold();
    QVector<ImageRef> images;
    for (const GalleryItem& item : m_gallery->items()) {
        if (request->scope == ImageScope::Unlabelled && !item.label.isEmpty())
            continue;
        images.append({item.id, item.sha256});
        if (item.hasPrediction())
            request->topBreed.insert(item.id, item.top.front().label);
    }
    m_mode = mode;
    if (images.isEmpty()) {
        clearStrips();
        setBusy(false, request->scope == ImageScope::Unlabelled ? tr("No unlabelled images to group.") : tr("No images to group."));
        Q_EMIT resultsShown(0);
        return;
    }
    setBusy(true, tr("Reading the embeddings of %n image(s)…", nullptr, int(images.size())));
    m_predictions->centreEmbeddings(images, this, [this, request](const CentreEmbeddings& e) { embeddingsReady(request, e); });
}

void GroupsView::embeddingsReady(std::shared_ptr<Request> request, CentreEmbeddings embeddings)
{
    if (request->generation != m_generation)
        return;
    setBusy(true, request->mode == Mode::Groups ? tr("Grouping %n image(s)…", nullptr, int(embeddings.imageIds.size()))
                                                : tr("Comparing %n image(s)…", nullptr, int(embeddings.imageIds.size())));
    const auto cancel = m_cancel;
    m_work.post([this, request, embeddings = std::move(embeddings), cancel] {
        if (request->mode == Mode::Groups) {
            QStringList top;
            top.reserve(embeddings.imageIds.size());
            for (qint64 id : embeddings.imageIds)
                top.append(request->topBreed.value(id));
            ClusterOptions options;
            options.k = request->k;
            options.cancel = cancel.get();
            auto grouping = groupImages(embeddings, top, options);
            QMetaObject::invokeMethod(this, [this, request, grouping = std::move(grouping)] {
                if (request->generation != m_generation)
                    return;
                if (!grouping) {
                    setBusy(false, tr("Could not group: %1").arg(grouping.error().message));
                    return;
                }
                showGroups(request, *grouping);
            }, Qt::QueuedConnection);
        } else {
            auto pairs = nearDuplicateImages(embeddings, request->threshold);
            QMetaObject::invokeMethod(this, [this, request, pairs = std::move(pairs)] {
                if (request->generation != m_generation)
                    return;
                if (!pairs) {
                    setBusy(false, tr("Could not compare: %1").arg(pairs.error().message));
                    return;
                }
                showPairs(*pairs, request->threshold);
            }, Qt::QueuedConnection);
        }
    });
}

void GroupsView::clearStrips()
{
    while (stripCount() > 0) {
        QLayoutItem* item = m_strips->takeAt(0);
        delete item->widget();
        delete item;
    }
}

GroupStrip* GroupsView::addStrip()
{
    auto* strip = new GroupStrip(m_gallery, m_stripsHost);
    strip->setObjectName(QStringLiteral("groupStrip%1").arg(stripCount() + 1));
    m_strips->insertWidget(stripCount(), strip);
    connect(strip, &GroupStrip::nameRequested, this, [this, strip](const QString& breed) { nameSelection(strip, breed); });
    connect(strip, &GroupStrip::removeRequested, this, [this, strip] { removeSelection(strip); });
    connect(strip, &GroupStrip::typeAhead, this, [this, strip](const QString& text) {
        m_pickerFor = strip;
        m_picker->openFor(tr("%n selected image(s)", nullptr, int(strip->selectedImageIds().size())), text);
    });
    return strip;
}

void GroupsView::showGroups(const std::shared_ptr<Request>& request, const ImageGrouping& grouping)
{
    clearStrips();
    int images = 0;
    for (int g = 0; g < grouping.groups.size(); ++g) {
        const ImageGroup& group = grouping.groups[g];
        GroupStrip* strip = addStrip();
        strip->setGroup(tr("Group %1").arg(g + 1), group.imageIds, group.suggestions, group.votes);
        images += int(group.imageIds.size());
    }
    const QString scope = request->scope == ImageScope::Unlabelled ? tr("unlabelled images") : tr("images");
    setBusy(false, tr("%1 groups of %2 %3 (%4). Select a strip, deselect the odd ones out (Ctrl+click), then press 1, 2, 3, "
                      "Enter or type a breed.")
                       .arg(grouping.groups.size())
                       .arg(images)
                       .arg(scope, grouping.automatic ? tr("number chosen automatically") : tr("number set by the slider")));
    if (GroupStrip* first = strip(0))
        first->list()->setFocus();
    Q_EMIT resultsShown(stripCount());
}

void GroupsView::showNearDuplicates(const QVector<NearDuplicateImages>& pairs, float threshold)
{
    // A request of its own: an answer still coming for an earlier one is stale now.
    m_cancel->store(true);
    m_cancel = std::make_shared<std::atomic_bool>(false);
    ++m_generation;
    m_mode = Mode::NearDuplicates;
    showPairs(pairs, threshold);
}

void GroupsView::showPairs(const QVector<NearDuplicateImages>& pairs, float threshold)
{
    clearStrips();
    for (qsizetype i = 0; i < std::min<qsizetype>(pairs.size(), kMaxPairsShown); ++i) {
        const NearDuplicateImages& pair = pairs[i];
        // Label both alike: the suggestion is a label one of them has, else their predictions.
        QStringList suggestions;
        QVector<int> counts;
        for (qint64 id : {pair.a, pair.b}) {
            const GalleryItem* item = m_gallery->find(id);
            const QString breed = !item ? QString() : !item->label.isEmpty() ? item->label : item->hasPrediction() ? item->top.front().label : QString();
            if (breed.isEmpty())
                continue;
            if (const qsizetype at = suggestions.indexOf(breed); at >= 0) {
                ++counts[at];
            } else {
                suggestions.append(breed);
                counts.append(1);
            }
        }
        const QString title = tr("Near-duplicates, cosine %1").arg(GalleryModel::cosineText(pair.cosine));
        GroupStrip* strip = addStrip();
        strip->setGroup(title, {pair.a, pair.b}, suggestions, counts);
    }
    setBusy(false, pairs.isEmpty() ? tr("No near-duplicates (cosine ≥ %1).").arg(double(threshold))
                                   : tr("%n near-duplicate pair(s) (cosine ≥ %1)%2. Keep one (select the other, press Delete) or label "
                                        "both alike.",
                                        nullptr, int(pairs.size()))
                                         .arg(double(threshold))
                                         .arg(pairs.size() > kMaxPairsShown ? tr(", the first %1 shown").arg(kMaxPairsShown) : QString()));
    if (GroupStrip* first = strip(0))
        first->list()->setFocus();
    Q_EMIT resultsShown(stripCount());
}

bool GroupsView::nameSelection(GroupStrip* strip, const QString& breedId)
{
    const QVector<qint64> ids = strip->selectedImageIds();
    if (ids.isEmpty() || breedId.isEmpty())
        return false;
    QVector<NameImagesCommand::Image> images;
    for (qint64 id : ids) {
        const GalleryItem* item = m_gallery->find(id);
        if (!item)
            continue;
        images.append({id, item->name, {item->label, item->labelOrigin, item->labelStatus}});
    }
    if (images.isEmpty())
        return false;
    m_undo->push(new NameImagesCommand(m_writer, m_gallery, images, breedId, AppSettings::curatorName()));
    strip->setNamed(breedId);
    // On to the next group.
    for (int i = 0; i + 1 < stripCount(); ++i)
        if (this->strip(i) == strip) {
            this->strip(i + 1)->list()->setFocus();
            break;
        }
    return true;
}

bool GroupsView::removeSelection(GroupStrip* strip)
{
    const QVector<qint64> ids = strip->selectedImageIds();
    if (ids.isEmpty())
        return false;
    if (m_mode == Mode::NearDuplicates && ids.size() >= strip->imageIds().size()) {
        m_status->setText(tr("Keep one of the near-duplicates: select only the one to remove (click it), then press Delete."));
        return false;
    }
    auto* command = new RemoveImagesCommand(m_writer, m_gallery, ids);
    const QString what = command->text();
    m_undo->push(command);
    m_status->setText(tr("%1 (Ctrl+Z brings it back)").arg(what));
    return true;
}

} // namespace pc
