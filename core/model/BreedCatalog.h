#pragma once
// The 37 Oxford-IIIT Pet breeds (data/breeds.txt, compiled in as a resource), in class-id order.
#include <QString>
#include <QStringList>
#include <vector>

namespace pc {

struct Breed {
    int classId = 0;   // Oxford CLASS-ID, 1..37
    QString id;        // "american_bulldog", "Abyssinian" (Oxford file-name stem)
    QString species;   // "cat" or "dog"
    QString name;      // "American Bulldog"
};

class BreedCatalog {
public:
    static const BreedCatalog& oxford();

    int size() const { return int(m_breeds.size()); }
    const Breed& at(int index) const { return m_breeds.at(size_t(index)); }
    const std::vector<Breed>& breeds() const { return m_breeds; }
    QStringList ids() const;

    // Index (0-based) of a breed given by id, display name or class id, ignoring case and treating
    // '_', '-' and spaces alike ("Great Pyrenees" == "great_pyrenees" == "16"). -1 when unknown.
    int indexOf(const QString& nameOrId) const;

    static QString fold(const QString& name);

private:
    std::vector<Breed> m_breeds;
};

// What every face shows for a stored breed id: its Oxford display name ("Maine Coon"), or the id
// itself when the catalog doesn't know it (a label from a newer server). Empty for no label.
QString breedDisplayName(const QString& breedId);
bool breedIsCat(const QString& breedId);

} // namespace pc
