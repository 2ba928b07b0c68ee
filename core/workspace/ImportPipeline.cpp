#include "workspace/ImportPipeline.h"

#include "concurrency/WorkQueue.h"
#include "model/BreedCatalog.h"
#include "workspace/ImageStore.h"
#include "workspace/Workspace.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QThread>

#include <algorithm>
#include <deque>
#include <future>
#include <memory>

namespace pc {

namespace {

struct Loaded {
    QByteArray bytes;
    int width = 0, height = 0;
    QString error; // one line; empty when the image is good
};

// Reads a file within the limits and proves it is an image by decoding it (the size we record is
// that of the upright image). Runs on a decoder thread.
Loaded load(const QString& path, const ImageDecoder& decoder)
{
    Loaded out;
    const qint64 maxBytes = decoder.limits().maxFileBytes;
    const QFileInfo info(path);
    if (!info.isFile() || info.size() > maxBytes) {
        // Missing, a folder, a FIFO, a broken link, too large: the decoder names the reason
        // without reading (or blocking on) the file.
        auto r = decoder.decodeFile(path);
        if (!r) {
            out.error = r.error().message;
            return out;
        }
    }
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        out.error = QStringLiteral("unreadable: %1").arg(file.errorString());
        return out;
    }
    if (file.size() > maxBytes) {
        out.error = QStringLiteral("too large: file is %1 bytes, the limit is %2").arg(file.size()).arg(maxBytes);
        return out;
    }
    out.bytes = file.readAll();
    if (file.error() != QFileDevice::NoError) {
        out.error = QStringLiteral("unreadable: %1").arg(file.errorString());
        out.bytes.clear();
        return out;
    }
    if (out.bytes.size() > maxBytes) { // grew while we read it
        out.error = QStringLiteral("too large: the limit is %1 bytes").arg(maxBytes);
        out.bytes.clear();
        return out;
    }
    auto decoded = decoder.decode(out.bytes); // the bytes we store are the bytes we checked
    if (!decoded) {
        out.error = decoded.error().message;
        out.bytes.clear();
        return out;
    }
    out.width = decoded->rgb.cols;
    out.height = decoded->rgb.rows;
    return out;
}

// Whether the image already carries this breed from a dataset: then a re-import adds nothing, even
// when a curator has since corrected the label (the dataset event is in the history, and
// re-asserting it would silently undo the correction).
Expected<bool> hasDatasetLabel(const Workspace& ws, qint64 imageId, const QString& breed)
{
    const auto history = ws.labels().history(imageId);
    if (!history)
        return history.error();
    return std::any_of(history->cbegin(), history->cend(),
                       [&](const LabelEvent& e) { return e.origin == LabelOrigin::Dataset && e.breed == breed; });
}

// Whether the image already holds this recorded event (same breed, origin, author and, when the
// manifest gives one, time): then importing the manifest again adds nothing.
Expected<bool> hasRecordedLabel(const Workspace& ws, qint64 imageId, const LabelEvent& recorded)
{
    const auto history = ws.labels().history(imageId);
    if (!history)
        return history.error();
    return std::any_of(history->cbegin(), history->cend(), [&](const LabelEvent& e) {
        return e.breed == recorded.breed && e.origin == recorded.origin && e.author == recorded.author
            && (!recorded.at.isValid() || e.at == recorded.at);
    });
}

void store(Workspace& ws, const ImportJob& job, const Loaded& loaded, const ImportOptions& options, ImportReport& report)
{
    ++report.seen;
    if (!loaded.error.isEmpty()) {
        report.issues.append({job.path, loaded.error});
        ++report.skipped;
        return;
    }
    if (job.manifest && !job.manifest->sha256.isEmpty() && ImageStore::sha256(loaded.bytes) != job.manifest->sha256) {
        report.issues.append({job.path, QStringLiteral("its content does not match the SHA-256 the manifest gives")});
        ++report.skipped;
        return;
    }
    const QString original = QDir::cleanPath(QFileInfo(job.path).absoluteFilePath());
    auto added = ws.addImage(loaded.bytes, original, loaded.width, loaded.height, job.source, job.split);
    if (!added) {
        report.issues.append({job.path, added.error().message});
        ++report.skipped;
        return;
    }
    if (added->duplicate)
        ++report.duplicates;
    else
        ++report.added;
    if (!job.note.isEmpty())
        report.issues.append({job.path, job.note, false});
    if (job.breedIndex < 0)
        return;
    const QString breed = BreedCatalog::oxford().at(job.breedIndex).id;
    if (job.manifest) {
        LabelEvent event = job.manifest->label;
        event.breed = breed;
        const auto had = hasRecordedLabel(ws, added->id, event);
        if (!had) {
            report.issues.append({job.path, had.error().message});
            return;
        }
        if (*had)
            return;
        auto label = ws.labels().addRecorded(added->id, event);
        if (!label) {
            report.issues.append({job.path, label.error().message});
            return;
        }
        ++report.labelled;
        return;
    }
    const auto labelled = hasDatasetLabel(ws, added->id, breed);
    if (!labelled) {
        report.issues.append({job.path, labelled.error().message});
        return;
    }
    if (*labelled)
        return;
    auto label = ws.labels().add(added->id, breed, LabelOrigin::Dataset, options.author);
    if (!label) {
        report.issues.append({job.path, label.error().message});
        return;
    }
    ++report.labelled;
}

} // namespace

void runImport(Workspace& ws, const QVector<ImportJob>& jobs, const ImportOptions& options, ImportReport& report)
{
    const int total = int(jobs.size());
    if (options.progress)
        options.progress(0, total);
    if (total == 0)
        return;

    // Decoding dominates, so it runs ahead on a few threads; the database writes stay here, in
    // order. A window bounds the memory held by images read but not yet stored. The decoders are a
    // WorkQueue (std::mutex, which ThreadSanitizer sees through, unlike QThreadPool's hand-off).
    const int workers = std::clamp(QThread::idealThreadCount(), 1, 4);
    const int window = 4 * workers;
    const ImageDecoder decoder(options.limits);
    std::deque<std::future<Loaded>> inFlight;
    int started = 0;
    // Declared last: destroyed first, it drops what is queued and waits for what runs, while the
    // decoder they use is still alive.
    WorkQueue decoders({.name = QStringLiteral("import-decode"), .workers = workers, .priority = currentThreadPriority()});
    auto fill = [&] {
        while (started < total && int(inFlight.size()) < window) {
            auto task = std::make_shared<std::packaged_task<Loaded()>>([path = jobs[started++].path, &decoder] { return load(path, decoder); });
            inFlight.push_back(task->get_future());
            decoders.post([task] { (*task)(); });
        }
    };

    for (int i = 0; i < total; ++i) {
        if (options.cancel && options.cancel->load()) {
            report.cancelled = true;
            break;
        }
        fill();
        std::future<Loaded> next = std::move(inFlight.front());
        inFlight.pop_front();
        store(ws, jobs[i], next.get(), options, report);
        if (options.progress)
            options.progress(i + 1, total);
    }
    // Cancelled: what was read ahead is dropped (at most one window of images to finish decoding).
    decoders.cancel();
}

} // namespace pc
