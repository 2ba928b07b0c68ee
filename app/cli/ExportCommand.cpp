#include "Command.h"
#include "Runtime.h"

#include "model/BreedCatalog.h"
#include "workspace/LabelExport.h"
#include "workspace/Workspace.h"

#include <QDate>
#include <QDateTime>
#include <QTime>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>

namespace pc::cli {

namespace {

// "2026-12-01" is a UTC day (--since from its start, --until to its last millisecond); a date and
// time is ISO 8601, in UTC unless it names its offset.
std::optional<QDateTime> parseBound(const QString& text, bool endOfDay)
{
    const QDate day = QDate::fromString(text, Qt::ISODate);
    if (day.isValid() && text.size() == 10)
        return QDateTime(day, endOfDay ? QTime(23, 59, 59, 999) : QTime(0, 0), Qt::UTC);
    QDateTime at = QDateTime::fromString(text, Qt::ISODateWithMs);
    if (!at.isValid())
        return std::nullopt;
    if (at.timeSpec() == Qt::LocalTime)
        at.setTimeSpec(Qt::UTC);
    return at.toUTC();
}

// Repeated options and comma-separated lists alike: --breed pug,beagle --breed Persian.
QStringList listValues(const QCommandLineParser& p, const QString& name)
{
    QStringList out;
    for (const QString& v : p.values(name))
        for (const QString& item : v.split(QLatin1Char(','), Qt::SkipEmptyParts))
            out.append(item.trimmed());
    return out;
}

class ExportCommand : public Command {
public:
    QString name() const override { return QStringLiteral("export"); }
    QString summary() const override { return QStringLiteral("Write the labelled images out: a folder per breed, Oxford-IIIT Pet, CSV or JSON"); }

    void configure(QCommandLineParser& p) const override
    {
        p.addOption({QStringLiteral("format"),
                     QStringLiteral("folders (a folder per breed), oxford (images/ + annotations/), csv or json (images/ + a manifest)."),
                     QStringLiteral("FORMAT")});
        p.addOption({QStringLiteral("approved-only"), QStringLiteral("Only trusted labels: those whose review status is approved.")});
        p.addOption({QStringLiteral("origin"), QStringLiteral("Only labels of these origins: dataset, curator, server (a list, or repeat it)."),
                     QStringLiteral("LIST")});
        p.addOption({QStringLiteral("author"), QStringLiteral("Only labels by this author (repeat it for several)."), QStringLiteral("NAME")});
        p.addOption({QStringLiteral("breed"), QStringLiteral("Only these breeds: ids, names or class ids (a list, or repeat it)."),
                     QStringLiteral("LIST")});
        p.addOption({QStringLiteral("since"), QStringLiteral("Only labels given at or after this UTC date (YYYY-MM-DD) or ISO 8601 time."),
                     QStringLiteral("DATE")});
        p.addOption({QStringLiteral("until"), QStringLiteral("Only labels given up to the end of this UTC date, or up to this ISO 8601 time."),
                     QStringLiteral("DATE")});
        p.addOption({QStringLiteral("force"), QStringLiteral("Write into OUT even when it is not empty (files of the same name are replaced).")});
        p.addOption({QStringLiteral("json"), QStringLiteral("Print the report as one JSON object.")});
        addRuntimeOptions(p);
        p.addPositionalArgument(QStringLiteral("OUT"), QStringLiteral("The folder to write (created when missing; must be empty unless --force)."));
    }

    int run(const QCommandLineParser& p) const override
    {
        auto bad = [](const QString& why) {
            err() << "petcurator-cli export: " << why << "\n";
            return int(BadArguments);
        };
        const QStringList args = p.positionalArguments();
        if (args.size() != 1)
            return bad(QStringLiteral("give one OUT folder"));
        if (!p.isSet(QStringLiteral("format")))
            return bad(QStringLiteral("give --format %1").arg(exportFormatNames().join(QLatin1Char('|'))));
        ExportOptions options;
        const auto format = exportFormatFromString(p.value(QStringLiteral("format")));
        if (!format)
            return bad(QStringLiteral("unknown format '%1': use one of %2").arg(p.value(QStringLiteral("format")), exportFormatNames().join(QStringLiteral(", "))));
        options.format = *format;

        LabelFilter& filter = options.filter;
        filter.approvedOnly = p.isSet(QStringLiteral("approved-only"));
        for (const QString& o : listValues(p, QStringLiteral("origin"))) {
            const auto origin = labelOriginFromString(o.toLower());
            if (!origin)
                return bad(QStringLiteral("unknown origin '%1': use dataset, curator or server").arg(o));
            filter.origins.append(*origin);
        }
        filter.authors = p.values(QStringLiteral("author"));
        const BreedCatalog& breeds = BreedCatalog::oxford();
        for (const QString& b : listValues(p, QStringLiteral("breed"))) {
            const int index = breeds.indexOf(b);
            if (index < 0)
                return bad(QStringLiteral("unknown breed '%1' (the 37 Oxford-IIIT Pet breeds are in data/breeds.txt)").arg(b));
            filter.breeds.append(breeds.at(index).id);
        }
        for (const auto& [option, endOfDay, into] : {std::tuple{QStringLiteral("since"), false, &filter.since},
                                                     std::tuple{QStringLiteral("until"), true, &filter.until}}) {
            if (!p.isSet(option))
                continue;
            const auto at = parseBound(p.value(option), endOfDay);
            if (!at)
                return bad(QStringLiteral("--%1 '%2' is not a date (YYYY-MM-DD) or an ISO 8601 time").arg(option, p.value(option)));
            *into = *at;
        }
        if (auto s = filter.check(); !s)
            return bad(s.error().message);
        options.intoNonEmptyFolder = p.isSet(QStringLiteral("force"));

        const QString dir = Runtime::workspaceDir(p);
        if (!QFileInfo::exists(dir + QStringLiteral("/workspace.sqlite"))) {
            err() << "petcurator-cli export: no workspace in " << dir << "\n";
            return Failure;
        }
        auto ws = Workspace::open(dir);
        if (!ws) {
            err() << "petcurator-cli export: " << ws.error().message << "\n";
            return Failure;
        }
        catchInterrupts();
        options.cancel = &interruptFlag();
        int lastTenth = -1;
        options.progress = [&](int done, int total) {
            // A line per tenth: readable in a log, and a sign of life on a terminal.
            const int tenth = total > 0 ? done * 10 / total : 10;
            if (tenth == lastTenth)
                return;
            lastTenth = tenth;
            err() << "export: " << done << "/" << total << " images\n";
            err().flush();
        };

        const QString outDir = args[0];
        const auto report = exportLabels(**ws, outDir, options);
        if (!report) {
            const ExportError& e = report.error();
            err() << "petcurator-cli export: " << e.message << (e.kind == ExportError::Kind::NotEmpty ? QStringLiteral(" (or add --force to write into it)") : QString())
                  << "\n";
            return e.kind == ExportError::Kind::Failed ? Failure : BadArguments;
        }
        if (p.isSet(QStringLiteral("json"))) {
            out() << QJsonDocument(QJsonObject{{QStringLiteral("format"), toString(options.format)},
                                               {QStringLiteral("out"), QFileInfo(outDir).absoluteFilePath()},
                                               {QStringLiteral("manifest"), report->manifest},
                                               {QStringLiteral("exported"), report->exported},
                                               {QStringLiteral("unlabelled"), report->unlabelled},
                                               {QStringLiteral("removed"), report->removed},
                                               {QStringLiteral("filteredOut"), report->filteredOut},
                                               {QStringLiteral("cancelled"), report->cancelled}})
                         .toJson(QJsonDocument::Compact)
                  << "\n";
        } else if (report->cancelled) {
            out() << "interrupted: nothing was exported, and what had been written is removed\n";
        } else {
            out() << "exported " << report->exported << " images to " << QFileInfo(outDir).absoluteFilePath() << " (" << toString(options.format)
                  << "); left out: " << report->unlabelled << " unlabelled, " << report->removed << " removed, " << report->filteredOut
                  << " by the filters\n";
        }
        return report->cancelled ? Failure : Success;
    }
};

} // namespace

std::unique_ptr<Command> makeExportCommand() { return std::make_unique<ExportCommand>(); }

} // namespace pc::cli
