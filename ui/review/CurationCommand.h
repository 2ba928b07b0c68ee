#pragma once
// An undoable curator edit of the gallery (a label, a removal). After an undo or a redo the window
// selects the images it changed and says what changed, so the curator sees where it happened.
#include <QUndoCommand>
#include <QVector>

namespace pc {

class CurationCommand : public QUndoCommand {
public:
    using QUndoCommand::QUndoCommand;

    virtual QVector<qint64> imageIds() const = 0;
    // What the last undo (undone) or redo did, in words: "Pug → unlabelled (beagle_10.jpg)".
    virtual QString change(bool undone) const = 0;
};

} // namespace pc
