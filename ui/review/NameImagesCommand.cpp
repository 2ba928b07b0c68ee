#include "review/NameImagesCommand.h"

#include "model/BreedCatalog.h"

#include <QCoreApplication>

namespace pc {

NameImagesCommand::NameImagesCommand(LabelWriter* writer, GalleryModel* gallery, const QVector<Image>& images,
                                     const QString& breed, const QString& author)
    : m_breed(breed)
{
    // Children: QUndoCommand redoes them in order and undoes them in reverse, as one step.
    for (const Image& image : images) {
        new SetLabelCommand(writer, gallery, image.id, image.name, breed, author, image.previous, this);
        m_ids.append(image.id);
    }
    setText(QCoreApplication::translate("pc::NameImagesCommand", "Label %n image(s) as %1", nullptr, int(images.size()))
                .arg(breedDisplayName(breed)));
}

QString NameImagesCommand::change(bool undone) const
{
    const QString images = QCoreApplication::translate("pc::NameImagesCommand", "%n image(s)", nullptr, int(m_ids.size()));
    return undone ? QStringLiteral("%1 → %2 (%3)").arg(breedDisplayName(m_breed), QCoreApplication::translate("pc::NameImagesCommand", "their previous labels"), images)
                  : QStringLiteral("%1 → %2").arg(images, breedDisplayName(m_breed));
}

} // namespace pc
