#pragma once
// One curator label as an undoable command. redo() shows the new label at once and writes it in the
// background; undo() shows the previous label at once and marks the event rejected, so the store
// falls back to the previous label too.
#include "workspace/Workspace.h"

#include <QPointer>
#include <QUndoCommand>
#include <memory>

namespace pc {

class GalleryModel;
class LabelWriter;
struct LabelTicket;

class LabelCommand : public QUndoCommand {
public:
    struct PreviousLabel {
        QString breed; // empty: was unlabelled
        LabelOrigin origin = LabelOrigin::Curator;
        ReviewStatus status = ReviewStatus::Approved;
    };

    LabelCommand(LabelWriter* writer, GalleryModel* gallery, qint64 imageId, const QString& imageName,
                 const QString& breed, const QString& author, PreviousLabel previous);

    void redo() override;
    void undo() override;

    qint64 imageId() const;
    QString breed() const;

private:
    QPointer<LabelWriter> m_writer;
    QPointer<GalleryModel> m_gallery;
    std::shared_ptr<LabelTicket> m_ticket;
    PreviousLabel m_previous;
};

} // namespace pc
