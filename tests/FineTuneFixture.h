#pragma once
// The fine-tuning tests' tiny data set: the first 4 sample photos of Abyssinian and of pug, 3 of
// each to train on and the 4th to validate (real images, because fine-tuning runs the backbone).
#include "TestSupport.h"

#include "imaging/ImageDecoder.h"
#include "model/BreedCatalog.h"
#include "training/Trainer.h"

namespace pc::test {

// Fails the running test (QVERIFY) when the sample lacks a photo; check QTest::currentTestFailed().
inline void twoBreedFineTuneSet(LabelledImages* train, LabelledImages* val)
{
    const BreedCatalog& catalog = BreedCatalog::oxford();
    const QDir dir(sampleDir() + QStringLiteral("/images"));
    for (const QString& breed : {QStringLiteral("Abyssinian"), QStringLiteral("pug")}) {
        const QStringList files = dir.entryList({breed + QStringLiteral("_*.jpg")}, QDir::Files, QDir::Name).mid(0, 4);
        QCOMPARE(files.size(), 4);
        for (int i = 0; i < 4; ++i) {
            auto image = ImageDecoder().decodeFile(dir.filePath(files[i]));
            QVERIFY2(bool(image), qPrintable(files[i]));
            LabelledImages& set = i == 3 ? *val : *train;
            set.rgb.push_back(image->rgb);
            set.labels.push_back(catalog.indexOf(breed));
        }
    }
}

} // namespace pc::test
