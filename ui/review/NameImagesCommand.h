#pragma once
// One breed for many images (a group, a pair of near-duplicates) as one undoable step: a label
// event per image (origin curator), written in the background like single labels.
#include "review/CurationCommand.h"
#include "review/SetLabelCommand.h"

#include <QVector>

namespace pc {

class GalleryModel;
class LabelWriter;

class NameImagesCommand : public CurationCommand {
public:
    struct Image {
        qint64 id = 0;
        QString name;
        SetLabelCommand::PreviousLabel previous;
    };
    NameImagesCommand(LabelWriter* writer, GalleryModel* gallery, const QVector<Image>& images, const QString& breed,
                      const QString& author);

    QVector<qint64> imageIds() const override { return m_ids; }
    QString breed() const { return m_breed; }
    QString change(bool undone) const override;

private:
    QVector<qint64> m_ids;
    QString m_breed;
};

} // namespace pc
