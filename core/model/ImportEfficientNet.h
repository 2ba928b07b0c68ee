#pragma once
// Fills an EfficientNetB0 from the TF.js graph by walking its nodes: every conv / matmul node
// names its weight and bias inputs, so the 66 anonymous tensors ("Func/…/input/_12") are found
// through the graph, never by guessing names.
#include "Expected.h"
#include "model/EfficientNetB0.h"

#include <QStringList>

namespace pc {

class TfjsGraphModel;

struct ImportReport {
    int floatTensorsUsed = 0;
    int floatTensorsTotal = 0;
    QStringList assignments; // "stack_0/block_0/se_reduce_conv2d ← Func/…/_12 [8,32,1,1]"
};

Expected<ImportReport> importEfficientNetB0(const TfjsGraphModel& graph, EfficientNetB0& net);

} // namespace pc
