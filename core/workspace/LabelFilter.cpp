#include "workspace/LabelFilter.h"

#include "model/BreedCatalog.h"

namespace pc {

bool LabelFilter::accepts(const LabelEvent& label) const
{
    if (approvedOnly && label.status != ReviewStatus::Approved)
        return false;
    if (!origins.isEmpty() && !origins.contains(label.origin))
        return false;
    if (!authors.isEmpty() && !authors.contains(label.author))
        return false;
    if (!breeds.isEmpty() && !breeds.contains(label.breed))
        return false;
    if (since.isValid() && label.at < since)
        return false;
    if (until.isValid() && label.at > until)
        return false;
    return true;
}

Status<> LabelFilter::check() const
{
    const BreedCatalog& catalog = BreedCatalog::oxford();
    for (const QString& breed : breeds)
        if (catalog.indexOf(breed) < 0 || catalog.at(catalog.indexOf(breed)).id != breed)
            return Error{QStringLiteral("unknown breed id \"%1\" (the ids are in data/breeds.txt)").arg(breed)};
    if (since.isValid() && until.isValid() && since > until)
        return Error{QStringLiteral("the date range is empty: %1 is after %2")
                         .arg(since.toUTC().toString(Qt::ISODateWithMs), until.toUTC().toString(Qt::ISODateWithMs))};
    return done();
}

} // namespace pc
