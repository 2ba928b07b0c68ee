#pragma once
// The images a model is judged on, exactly as the gate sees them: the workspace's fixed validation
// split, each image's current label when the training-label rule accepts it (TrainingLabels.h), and
// its stored centre-view embedding for one backbone. The dashboard's "live model" figures come from
// here too, so they can't drift from the gate's.
#include "Expected.h"
#include "training/TrainingData.h"

#include <QString>
#include <QStringList>

namespace pc {

class Workspace;

// `classes` is the judged head's class list: labels are its indices, breeds outside it are left
// out, and so are images without an embedding of `weightsHash` or of another width than `width`.
// Empty when the workspace has no split yet; an error when the workspace can't be read.
Expected<LabelledEmbeddings> validationEmbeddings(const Workspace& workspace, const QString& weightsHash, const QStringList& classes,
                                                  int width);

} // namespace pc
