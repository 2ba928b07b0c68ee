#pragma once
// Takes images out of the workspace as one undoable step. Nothing is deleted: the rows leave the
// gallery at once and the store marks them removed in the background; undo brings both back.
#include "review/CurationCommand.h"
#include "gallery/GalleryModel.h"

#include <QPointer>
#include <vector>

namespace pc {

class LabelWriter;

class RemoveImagesCommand : public CurationCommand {
public:
    RemoveImagesCommand(LabelWriter* writer, GalleryModel* gallery, QVector<qint64> imageIds);

    void redo() override;
    void undo() override;

    QVector<qint64> imageIds() const override { return m_ids; }
    QString change(bool undone) const override;

private:
    QPointer<LabelWriter> m_writer;
    QPointer<GalleryModel> m_gallery;
    QVector<qint64> m_ids;
    QString m_what;                   // "beagle_10.jpg" or "3 images"
    std::vector<GalleryItem> m_taken; // the rows while they are out of the gallery
};

} // namespace pc
