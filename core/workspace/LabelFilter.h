#pragma once
// Which current labels an export takes: only approved ones, by origin, author, breed and label
// time. Every part left empty lets everything through.
#include "Expected.h"
#include "workspace/LabelStore.h"

#include <QDateTime>
#include <QList>
#include <QStringList>

namespace pc {

struct LabelFilter {
    bool approvedOnly = false;  // trusted labels only: review status "approved"
    QList<LabelOrigin> origins; // any of these; empty: any
    QStringList authors;        // any of these exact names; empty: any
    QStringList breeds;         // catalogue ids (BreedCatalog::indexOf names them); empty: any
    QDateTime since, until;     // the label's time, both ends included; invalid: open

    bool accepts(const LabelEvent& label) const;
    // A breed the catalogue does not know, or `since` after `until`: a one-line error.
    Status<> check() const;
};

} // namespace pc
