#include "SetLabelCommand.h"
#include "model/BreedCatalog.h"

#include "gallery/GalleryModel.h"
#include "review/LabelWriter.h"

#include <QCoreApplication>

namespace pc {

SetLabelCommand::SetLabelCommand(LabelWriter* writer, GalleryModel* gallery, qint64 imageId, const QString& imageName,
                           const QString& breed, const QString& author, PreviousLabel previous, QUndoCommand* parent)
    : CurationCommand(parent), m_writer(writer), m_gallery(gallery), m_ticket(std::make_shared<LabelTicket>()), m_previous(std::move(previous)),
      m_imageName(imageName)
{
    m_ticket->imageId = imageId;
    m_ticket->breed = breed;
    m_ticket->author = author;
    setText(QCoreApplication::translate("pc::SetLabelCommand", "Label %1 as %2").arg(imageName, breedDisplayName(breed)));
}

qint64 SetLabelCommand::imageId() const { return m_ticket->imageId; }
QString SetLabelCommand::breed() const { return m_ticket->breed; }

QString SetLabelCommand::change(bool undone) const
{
    const QString previous = m_previous.breed.isEmpty() ? QCoreApplication::translate("pc::SetLabelCommand", "unlabelled")
                                                        : breedDisplayName(m_previous.breed);
    const QString now = breedDisplayName(m_ticket->breed);
    return QStringLiteral("%1 → %2 (%3)").arg(undone ? now : previous, undone ? previous : now, m_imageName);
}

void SetLabelCommand::redo()
{
    if (m_gallery)
        m_gallery->setLabel(m_ticket->imageId, m_ticket->breed, LabelOrigin::Curator, ReviewStatus::Approved);
    if (m_writer)
        m_writer->apply(m_ticket);
}

void SetLabelCommand::undo()
{
    if (m_gallery) {
        if (m_previous.breed.isEmpty())
            m_gallery->clearLabel(m_ticket->imageId);
        else
            m_gallery->setLabel(m_ticket->imageId, m_previous.breed, m_previous.origin, m_previous.status);
    }
    if (m_writer)
        m_writer->revert(m_ticket);
}

} // namespace pc
