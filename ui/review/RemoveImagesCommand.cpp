#include "RemoveImagesCommand.h"

#include "review/LabelWriter.h"

#include <QCoreApplication>

namespace pc {

RemoveImagesCommand::RemoveImagesCommand(LabelWriter* writer, GalleryModel* gallery, QVector<qint64> imageIds)
    : m_writer(writer), m_gallery(gallery), m_ids(std::move(imageIds))
{
    const GalleryItem* one = m_ids.size() == 1 && m_gallery ? m_gallery->find(m_ids.front()) : nullptr;
    m_what = one ? one->name : QCoreApplication::translate("pc::RemoveImagesCommand", "%n image(s)", nullptr, int(m_ids.size()));
    setText(QCoreApplication::translate("pc::RemoveImagesCommand", "Remove %1").arg(m_what));
}

QString RemoveImagesCommand::change(bool undone) const
{
    return undone ? QCoreApplication::translate("pc::RemoveImagesCommand", "removed → back in the workspace (%1)").arg(m_what)
                  : QCoreApplication::translate("pc::RemoveImagesCommand", "in the workspace → removed (%1)").arg(m_what);
}

void RemoveImagesCommand::redo()
{
    if (m_gallery)
        m_taken = m_gallery->takeItems(m_ids);
    if (m_writer)
        m_writer->setImagesRemoved(m_ids, true);
}

void RemoveImagesCommand::undo()
{
    if (m_gallery)
        m_gallery->restoreItems(std::move(m_taken));
    m_taken.clear();
    if (m_writer)
        m_writer->setImagesRemoved(m_ids, false);
}

} // namespace pc
