// petcurator-server serve: listen, answer, and on SIGTERM/SIGINT stop accepting, finish what is
// in flight and exit 0.
#include "Commands.h"
#include "ServerContext.h"
#include "StopSignals.h"

#include "server/Api.h"
#include "server/LabelServer.h"
#include "server/ModelSigner.h"
#include "server/ServedModel.h"
#include "server/ServerDatabase.h"

#include "model/Backbone.h"

#include <QCoreApplication>
#include <QFile>
#include <QSaveFile>
#include <QSslCertificate>
#include <QSslKey>

namespace pc::server_app {

namespace {

constexpr quint16 kDefaultPort = 8750;

// "ADDR:PORT", "[v6]:PORT", or ":PORT" for all addresses.
bool parseListen(const QString& text, QHostAddress* address, quint16* port)
{
    const qsizetype colon = text.lastIndexOf(QLatin1Char(':'));
    if (colon < 0)
        return false;
    QString host = text.left(colon);
    bool ok = false;
    const uint p = text.mid(colon + 1).toUInt(&ok);
    if (!ok || p > 65535)
        return false;
    if (host.startsWith(QLatin1Char('[')) && host.endsWith(QLatin1Char(']')))
        host = host.mid(1, host.size() - 2);
    if (host.isEmpty())
        *address = QHostAddress::Any;
    else if (host == QLatin1String("localhost"))
        *address = QHostAddress::LocalHost;
    else if (!address->setAddress(host))
        return false;
    *port = quint16(p);
    return true;
}

bool positiveInt(const QCommandLineParser& p, const QString& name, qint64 max, qint64* value)
{
    if (!p.isSet(name))
        return true;
    bool ok = false;
    const qint64 v = p.value(name).toLongLong(&ok);
    if (!ok || v < 1 || v > max) {
        err() << "petcurator-server: --" << name << " must be a whole number from 1 to " << max << "\n";
        return false;
    }
    *value = v;
    return true;
}

} // namespace

int runServe(const QStringList& args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Run the PetCurator team label server."));
    parser.addHelpOption();
    addStorageOptions(parser);
    parser.addOption({QStringLiteral("listen"), QStringLiteral("Address and port (default 127.0.0.1:8750; port 0 picks a free one)."),
                      QStringLiteral("ADDR:PORT"), QStringLiteral("127.0.0.1:%1").arg(kDefaultPort)});
    parser.addOption({QStringLiteral("port-file"), QStringLiteral("Write the bound port to this file once listening."), QStringLiteral("FILE")});
    parser.addOption({QStringLiteral("tls-cert"), QStringLiteral("PEM certificate: serve HTTPS."), QStringLiteral("FILE")});
    parser.addOption({QStringLiteral("tls-key"), QStringLiteral("PEM private key for --tls-cert."), QStringLiteral("FILE")});
    parser.addOption({QStringLiteral("threads"), QStringLiteral("Worker threads for database and disk work (default 8)."), QStringLiteral("N")});
    parser.addOption({QStringLiteral("max-image-mb"), QStringLiteral("Largest image upload (default 25)."), QStringLiteral("N")});
    parser.addOption({QStringLiteral("max-model-mb"), QStringLiteral("Largest model bundle upload (default 256)."), QStringLiteral("N")});
    parser.addOption({QStringLiteral("max-megapixels"), QStringLiteral("Largest image in pixels, in millions (default 100)."), QStringLiteral("N")});
    parser.addOption({QStringLiteral("inference-workers"), QStringLiteral("Threads that run predictions (default: one per core)."), QStringLiteral("N")});
    parser.addOption({QStringLiteral("inference-queue"), QStringLiteral("Predictions that may wait for a worker; more get 503 (default: 16 per worker)."), QStringLiteral("N")});
    parser.addOption({QStringLiteral("weights"), QStringLiteral("Backbone weights folder (default: the desktop's, in ~/.cache/petcurator)."), QStringLiteral("DIR")});
    parser.addOption({QStringLiteral("precision"), QStringLiteral("Backbone number format: auto (bf16 where the CPU has native bfloat16, else fp32), fp32 or bf16 (default auto)."),
                      QStringLiteral("auto|fp32|bf16"), QStringLiteral("auto")});
    parser.addOption({QStringLiteral("drain-seconds"), QStringLiteral("On SIGTERM, how long in-flight requests may take (default 30)."), QStringLiteral("N")});
    if (!parser.parse(QStringList{QStringLiteral("petcurator-server serve")} + args)) {
        err() << "petcurator-server: " << parser.errorText() << "\n";
        return BadArguments;
    }
    if (parser.isSet(QStringLiteral("help"))) {
        out() << parser.helpText();
        return Success;
    }
    if (!parser.positionalArguments().isEmpty()) {
        err() << "petcurator-server: unexpected argument '" << parser.positionalArguments().first() << "'\n";
        return BadArguments;
    }
    QHostAddress address;
    quint16 port = 0;
    if (!parseListen(parser.value(QStringLiteral("listen")), &address, &port)) {
        err() << "petcurator-server: --listen wants ADDR:PORT, e.g. 127.0.0.1:8750, not '" << parser.value(QStringLiteral("listen")) << "'\n";
        return BadArguments;
    }
    qint64 threads = 8, imageMb = 25, modelMb = 256, megapixels = 100, drainSeconds = 30, inferenceWorkers = 0, inferenceQueue = 0;
    if (!positiveInt(parser, QStringLiteral("threads"), 256, &threads) || !positiveInt(parser, QStringLiteral("max-image-mb"), 1024, &imageMb)
        || !positiveInt(parser, QStringLiteral("max-model-mb"), 4096, &modelMb)
        || !positiveInt(parser, QStringLiteral("max-megapixels"), 1000, &megapixels)
        || !positiveInt(parser, QStringLiteral("drain-seconds"), 3600, &drainSeconds)
        || !positiveInt(parser, QStringLiteral("inference-workers"), 256, &inferenceWorkers)
        || !positiveInt(parser, QStringLiteral("inference-queue"), 100000, &inferenceQueue))
        return BadArguments;
    const auto precisionChoice = parsePrecisionChoice(parser.value(QStringLiteral("precision")));
    const auto precision = precisionChoice ? resolvePrecision(*precisionChoice) : Expected<Precision>(precisionChoice.error());
    if (!precision) {
        err() << "petcurator-server: " << precision.error().message << "\n";
        return BadArguments;
    }

    std::optional<QSslConfiguration> tls;
    if (parser.isSet(QStringLiteral("tls-cert")) != parser.isSet(QStringLiteral("tls-key"))) {
        err() << "petcurator-server: --tls-cert and --tls-key go together\n";
        return BadArguments;
    }
    if (parser.isSet(QStringLiteral("tls-cert"))) {
        QFile certFile(parser.value(QStringLiteral("tls-cert"))), keyFile(parser.value(QStringLiteral("tls-key")));
        if (!certFile.open(QIODevice::ReadOnly) || !keyFile.open(QIODevice::ReadOnly)) {
            err() << "petcurator-server: cannot read the TLS certificate or key\n";
            return Failure;
        }
        const QList<QSslCertificate> chain = QSslCertificate::fromData(certFile.readAll(), QSsl::Pem);
        const QByteArray keyPem = keyFile.readAll();
        QSslKey key(keyPem, QSsl::Ec, QSsl::Pem);
        if (key.isNull())
            key = QSslKey(keyPem, QSsl::Rsa, QSsl::Pem);
        if (chain.isEmpty() || key.isNull()) {
            err() << "petcurator-server: --tls-cert/--tls-key must be a PEM certificate and its RSA or EC key\n";
            return Failure;
        }
        QSslConfiguration config = QSslConfiguration::defaultConfiguration();
        config.setLocalCertificateChain(chain);
        config.setPrivateKey(key);
        config.setPeerVerifyMode(QSslSocket::VerifyNone); // clients authenticate with tokens
        config.setProtocol(QSsl::TlsV1_2OrLater);
        tls = config;
    }

    auto ctx = ServerContext::open(parser);
    if (!ctx)
        return ctx.error();
    auto signer = server::ModelSigner::openOrCreate(ctx->paths.signingKey());
    if (!signer) {
        err() << "petcurator-server: " << signer.error().message << "\n";
        return Failure;
    }
    // Predictions need the backbone; without its weights the server still serves labels.
    std::shared_ptr<server::ServedModel> served;
    auto backbone = Backbone::load(parser.isSet(QStringLiteral("weights")) ? parser.value(QStringLiteral("weights")) : Backbone::defaultWeightsDir(),
                                   *precision);
    if (backbone) {
        DecodeLimits decode; // the CLI's limits, with the server's pixel cap
        decode.maxPixels = megapixels * 1'000'000;
        served = std::make_shared<server::ServedModel>(*backbone, decode);
    } else {
        err() << "petcurator-server: predictions are off: " << backbone.error().message << "\n";
    }
    auto api = std::make_shared<const server::Api>(ctx->db, *signer, ctx->paths, megapixels * 1'000'000, served);
    server::AdmissionLimits limits;
    limits.maxImageBytes = imageMb << 20;
    limits.maxModelBytes = modelMb << 20;

    int exitCode = Success;
    {
        server::LabelServer http(api, int(threads), {int(inferenceWorkers), int(inferenceQueue)});
        auto bound = http.listen(address, port, limits, tls);
        if (!bound) {
            err() << "petcurator-server: " << bound.error().message << "\n";
            return Failure;
        }
        const QString scheme = tls ? QStringLiteral("https") : QStringLiteral("http");
        const QString host = address.protocol() == QAbstractSocket::IPv6Protocol ? QStringLiteral("[%1]").arg(address.toString()) : address.toString();
        err() << "petcurator-server: listening on " << scheme << "://" << host << ":" << *bound << " (" << ctx->location.describe()
              << ", data " << ctx->paths.dataDir << ")\n";
        if (served)
            err() << "petcurator-server: predicting with model " << served->snapshot()->version << " on " << http.inference().workers()
                  << " worker(s), backbone in " << precisionName(*precision) << "\n";
        err().flush();
        if (parser.isSet(QStringLiteral("port-file"))) {
            QSaveFile f(parser.value(QStringLiteral("port-file")));
            if (!f.open(QIODevice::WriteOnly) || f.write(QByteArray::number(*bound) + '\n') < 0 || !f.commit()) {
                err() << "petcurator-server: cannot write the port file " << f.fileName() << "\n";
                return Failure;
            }
        }

        app::StopSignals stop;
        QObject::connect(&stop, &app::StopSignals::stopRequested, &http, [&](int number) {
            if (http.property("pc-stopping").toBool()) { // a second signal: stop waiting
                err() << "petcurator-server: second signal, exiting now\n";
                QCoreApplication::exit(Success);
                return;
            }
            http.setProperty("pc-stopping", true);
            err() << "petcurator-server: signal " << number << ": no new connections; finishing " << http.inFlight()
                  << " request(s) in flight\n";
            err().flush();
            http.shutdown(int(drainSeconds * 1000));
        });
        QObject::connect(&http, &server::LabelServer::drained, &http, [](bool complete) {
            err() << "petcurator-server: " << (complete ? "all requests finished" : "drain timeout: some requests were cut short")
                  << ", exiting\n";
            QCoreApplication::exit(Success);
        });
        exitCode = QCoreApplication::exec();
    } // the server (and its worker pool) goes first, then the database
    return exitCode;
}

} // namespace pc::server_app
