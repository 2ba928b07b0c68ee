#pragma once
// Label events as JSON, written straight into bytes: a pull page is the hottest answer the
// server gives, and building it through QJsonObject spent most of its time allocating.
#include "server/LabelLog.h"

#include <QByteArray>

namespace pc::server {

// The class index (0-based, Oxford order) of a catalogue breed id; -1 when unknown.
int breedIndex(const QString& id);

// {"seq":…,"uuid":…,"kind":…,"image":…,"breed":…,"label":…,"author":…,"role":…,"received":…,
//  "status":…[,"at":…][,"target":…,"reason":…]}
void appendEventJson(QByteArray& out, const EventView& event);
// {"events":[…],"next":N,"more":bool}
QByteArray eventPageJson(const EventPage& page);

} // namespace pc::server
