#pragma once
// The Oxford-IIIT Pet annotation files: annotations/list.txt, trainval.txt and test.txt, one
// "name class-id species breed-id" line per image, '#' comments. Bad lines are reported, not fatal.
#include <QHash>
#include <QList>
#include <QString>
#include <QVector>

namespace pc {

struct OxfordEntry {
    QString name;        // file stem, e.g. "Abyssinian_1" (the image is images/<name>.jpg)
    int breedIndex = -1; // into BreedCatalog::oxford(), from the class id
    QString split;       // "trainval", "test" or empty when neither file lists it
};

struct OxfordAnnotations {
    QVector<OxfordEntry> entries;               // in list.txt order (or trainval + test without list.txt)
    QList<QPair<QString, QString>> issues;      // ("list.txt:17", reason)
    bool found = false;                         // at least one annotation file was there

    // Reads <dir>/annotations/*.txt.
    static OxfordAnnotations read(const QString& datasetDir);
};

} // namespace pc
