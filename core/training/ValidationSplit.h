#pragma once
// The validation split: stratified by breed, made once per workspace and stored, so model
// versions are compared on the same images. It only grows: when a breed gains images, its newest
// labelled images top it back up to the wanted fraction; no image ever leaves it.
#include "Expected.h"
#include "workspace/Workspace.h"

namespace pc {

// labels: image id → class index, for every usable labelled image.
Expected<ValidationSplit> ensureValidationSplit(Workspace& workspace, const QHash<qint64, int>& labels,
                                                           double fraction = 0.2);

} // namespace pc
