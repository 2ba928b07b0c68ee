#pragma once
// Image ids in the order of their images' SHA-256. Ids follow the import order, which a curator
// may change (another drag, another folder listing); the content does not. Training batches and the
// first validation split follow this order, so the same images, labels and seed give the same
// model in any workspace.
#include "Expected.h"

#include <QList>

namespace pc {

class Workspace;

// Ids the workspace doesn't hold (removed since) go last, in id order.
Expected<QList<qint64>> inContentOrder(const Workspace& workspace, QList<qint64> ids);

} // namespace pc
