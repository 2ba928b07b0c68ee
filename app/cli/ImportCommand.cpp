#include "Command.h"
#include "Runtime.h"

#include "workspace/DatasetImporter.h"
#include "workspace/LabelManifest.h"
#include "workspace/Workspace.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace pc::cli {

namespace {

class ImportCommand : public Command {
public:
    QString name() const override { return QStringLiteral("import"); }
    QString summary() const override
    {
        return QStringLiteral("Add images to the workspace: an Oxford-IIIT Pet folder, a folder per breed, an export's manifest, or files");
    }

    void configure(QCommandLineParser& p) const override
    {
        p.addOption({QStringLiteral("oxford"), QStringLiteral("An Oxford-IIIT Pet folder (images/ + annotations/)."), QStringLiteral("DIR")});
        p.addOption({QStringLiteral("folders"), QStringLiteral("A folder with one sub-folder per breed."), QStringLiteral("DIR")});
        p.addOption({QStringLiteral("manifest"),
                     QStringLiteral("A labels.csv or labels.json from 'export': its images with their labels' origin, author, status and time."),
                     QStringLiteral("FILE")});
        p.addOption({QStringLiteral("format"), QStringLiteral("The manifest's format when its name does not say: csv or json."), QStringLiteral("csv|json")});
        p.addOption({QStringLiteral("json"), QStringLiteral("Print the report as one JSON object.")});
        addRuntimeOptions(p);
        p.addPositionalArgument(QStringLiteral("PATH"), QStringLiteral("Unlabelled image files or folders."), QStringLiteral("[PATH...]"));
    }

    int run(const QCommandLineParser& p) const override
    {
        const bool oxford = p.isSet(QStringLiteral("oxford")), folders = p.isSet(QStringLiteral("folders"));
        const bool manifest = p.isSet(QStringLiteral("manifest"));
        const QStringList paths = p.positionalArguments();
        if (int(oxford) + int(folders) + int(manifest) + int(!paths.isEmpty()) != 1) {
            err() << "petcurator-cli import: give exactly one of --oxford DIR, --folders DIR, --manifest FILE or PATH...\n";
            return BadArguments;
        }
        std::optional<ManifestFormat> manifestFormat;
        if (p.isSet(QStringLiteral("format"))) {
            manifestFormat = manifestFormatFromString(p.value(QStringLiteral("format")));
            if (!manifest || !manifestFormat) {
                err() << "petcurator-cli import: --format is csv or json, for --manifest\n";
                return BadArguments;
            }
        } else if (manifest && !manifestFormatForFile(p.value(QStringLiteral("manifest")))) {
            err() << "petcurator-cli import: cannot tell the manifest's format from its name: add --format csv or --format json\n";
            return BadArguments;
        }
        auto runtime = Runtime::open(p, Runtime::WorkspaceUse::Required);
        if (!runtime)
            return runtime.error();
        catchInterrupts();
        ImportOptions options;
        options.limits = runtime->limits;
        options.cancel = &interruptFlag();
        const ImportReport report = oxford ? importOxford(*runtime->workspace, p.value(QStringLiteral("oxford")), options)
            : folders                      ? importFolderPerClass(*runtime->workspace, p.value(QStringLiteral("folders")), options)
            : manifest                     ? importManifest(*runtime->workspace, p.value(QStringLiteral("manifest")), options, manifestFormat)
                                           : importFiles(*runtime->workspace, paths, options);

        if (p.isSet(QStringLiteral("json"))) {
            QJsonArray issues;
            for (const ImportIssue& i : report.issues)
                issues.append(QJsonObject{{QStringLiteral("path"), i.path}, {QStringLiteral("reason"), i.reason}, {QStringLiteral("skipped"), i.skipped}});
            out() << QJsonDocument(QJsonObject{{QStringLiteral("seen"), report.seen}, {QStringLiteral("added"), report.added},
                                               {QStringLiteral("duplicates"), report.duplicates}, {QStringLiteral("labelled"), report.labelled},
                                               {QStringLiteral("skipped"), report.skipped}, {QStringLiteral("cancelled"), report.cancelled},
                                               {QStringLiteral("issues"), issues}})
                         .toJson(QJsonDocument::Compact)
                  << "\n";
        } else {
            for (const ImportIssue& i : report.issues)
                err() << (i.skipped ? "skipped " : "note: ") << i.path << ": " << i.reason << "\n";
            out() << "imported " << report.added << " new images (" << report.duplicates << " already there, " << report.skipped
                  << " skipped), " << report.labelled << " labels" << (report.cancelled ? "; interrupted" : "") << "\n";
        }
        if (report.cancelled)
            return Failure;
        return report.added + report.duplicates > 0 || report.issues.isEmpty() ? Success : Failure;
    }
};

} // namespace

std::unique_ptr<Command> makeImportCommand() { return std::make_unique<ImportCommand>(); }

} // namespace pc::cli
