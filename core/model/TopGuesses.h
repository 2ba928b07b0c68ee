#pragma once
// The one top-k of the project: the k most probable classes of one row of probabilities, best
// first. Predictor, BatchPredictor and through them the app, the CLI and the server use it.
#include <QString>
#include <QStringList>
#include <vector>

namespace pc {

class ClassifierHead;

struct Guess {
    QString label;  // breed id ("Persian") or ImageNet label
    QString name;   // display name
    float p = 0;
};

// Breeds: only classes the head has learned can be guessed (a zero-shot head leaves some out);
// names come from the breed catalogue. `probabilities` has one value per class of the head.
std::vector<Guess> topBreeds(const ClassifierHead& head, const float* probabilities, int k);
// ImageNet: `labels` like "tench, Tinca tinca"; the name is the part before the first comma.
std::vector<Guess> topImageNet(const QStringList& labels, const float* probabilities, int k);

} // namespace pc
