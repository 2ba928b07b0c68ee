#include "server/ImageType.h"

namespace pc::server {

ImageType ImageType::sniff(const QByteArray& b)
{
    if (b.startsWith("\xFF\xD8\xFF"))
        return {"image/jpeg", QStringLiteral("jpg")};
    if (b.startsWith("\x89PNG\r\n\x1A\n"))
        return {"image/png", QStringLiteral("png")};
    if (b.startsWith("GIF87a") || b.startsWith("GIF89a"))
        return {"image/gif", QStringLiteral("gif")};
    if (b.size() >= 12 && b.startsWith("RIFF") && b.mid(8, 4) == "WEBP")
        return {"image/webp", QStringLiteral("webp")};
    if (b.size() >= 26 && b.startsWith("BM"))
        return {"image/bmp", QStringLiteral("bmp")};
    return {};
}

ImageType ImageType::fromMime(const QByteArray& mime)
{
    for (const ImageType& t : {ImageType{"image/jpeg", QStringLiteral("jpg")}, ImageType{"image/png", QStringLiteral("png")},
                               ImageType{"image/gif", QStringLiteral("gif")}, ImageType{"image/webp", QStringLiteral("webp")},
                               ImageType{"image/bmp", QStringLiteral("bmp")}})
        if (t.mime == mime)
            return t;
    return {};
}

} // namespace pc::server
