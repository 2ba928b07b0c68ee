#pragma once
// One curator label as an undoable command. redo() shows the new label at once and writes it in the
// background; undo() shows the previous label at once and marks the event rejected, so the store
// falls back to the previous label too.
#include "review/CurationCommand.h"
#include "workspace/Workspace.h"

#include <QPointer>
#include <memory>

namespace pc {

class GalleryModel;
class LabelWriter;
struct LabelTicket;

class SetLabelCommand : public CurationCommand {
public:
    struct PreviousLabel {
        QString breed; // empty: was unlabelled
        LabelOrigin origin = LabelOrigin::Curator;
        ReviewStatus status = ReviewStatus::Approved;
    };

    SetLabelCommand(LabelWriter* writer, GalleryModel* gallery, qint64 imageId, const QString& imageName,
                 const QString& breed, const QString& author, PreviousLabel previous, QUndoCommand* parent = nullptr);

    void redo() override;
    void undo() override;

    qint64 imageId() const;
    QString breed() const;
    QVector<qint64> imageIds() const override { return {imageId()}; }
    QString change(bool undone) const override;

private:
    QPointer<LabelWriter> m_writer;
    QPointer<GalleryModel> m_gallery;
    std::shared_ptr<LabelTicket> m_ticket;
    PreviousLabel m_previous;
    QString m_imageName;
};

} // namespace pc
