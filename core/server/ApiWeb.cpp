// The web page (resources/web, compiled into petcurator-server): GET / and its two assets. Only
// the files listed here are served, with their own strict Content-Security-Policy: scripts and
// styles from this origin only (the page has no inline script or style), images from this origin
// or the photo the user just chose (a blob: URL), never framed.
#include "server/Api.h"

#include <QFile>

namespace pc::server {

namespace {

struct WebFile {
    const char* name;
    const char* contentType;
};

constexpr WebFile kWebFiles[] = {
    {"index.html", "text/html; charset=utf-8"},
    {"app.js", "text/javascript; charset=utf-8"},
    {"app.css", "text/css; charset=utf-8"},
    {"icon.svg", "image/svg+xml"},
};

} // namespace

ApiResponse Api::webFile(const QString& name) const
{
    for (const WebFile& f : kWebFiles) {
        if (name != QLatin1String(f.name))
            continue;
        QFile file(QStringLiteral(":/web/") + name);
        if (!file.open(QIODevice::ReadOnly))
            return ApiResponse::error(404, QStringLiteral("this server was built without the web page"));
        ApiResponse r = ApiResponse::bytes(200, f.contentType, file.readAll());
        r.addHeader("Content-Security-Policy", "default-src 'self'; img-src 'self' blob:; object-src 'none'; base-uri 'none'; "
                                              "form-action 'self'; frame-ancestors 'none'");
        return r;
    }
    return ApiResponse::error(404, QStringLiteral("no such file"));
}

} // namespace pc::server
