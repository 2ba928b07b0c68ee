#include "workspace/SqlSupport.h"

#include <QJsonDocument>
#include <QSqlError>

namespace pc::sql {

namespace {

QString oneLine(QString text)
{
    text.replace(QLatin1Char('\n'), QLatin1Char(' ')).replace(QLatin1Char('\r'), QLatin1Char(' '));
    return text.simplified();
}

Error fromSqlError(const QString& what, const QSqlError& e)
{
    // databaseText is SQLite's message ("UNIQUE constraint failed: …"); driverText only says which
    // Qt call failed.
    const QString why = e.databaseText().isEmpty() ? e.text() : e.databaseText();
    if (why.trimmed().isEmpty())
        return Error{oneLine(what)};
    return Error{oneLine(QStringLiteral("%1: %2").arg(what, why))};
}

} // namespace

bool exec(QSqlQuery& query, const QString& statement, std::initializer_list<QVariant> values)
{
    if (!query.prepare(statement))
        return false;
    for (const QVariant& v : values) {
        // A null QString would bind as NULL; every text column is NOT NULL with '' for "none".
        if (v.typeId() == QMetaType::QString && v.toString().isNull())
            query.addBindValue(QStringLiteral(""));
        else
            query.addBindValue(v);
    }
    return query.exec();
}

QSqlQuery reader(const QSqlDatabase& db)
{
    QSqlQuery q(db);
    q.setForwardOnly(true);
    return q;
}

Error error(const QString& what, const QSqlQuery& query) { return fromSqlError(what, query.lastError()); }

Error error(const QString& what, const QSqlDatabase& db) { return fromSqlError(what, db.lastError()); }

WriteTransaction::~WriteTransaction()
{
    if (m_open) {
        QSqlQuery q(m_db);
        q.exec(QStringLiteral("ROLLBACK"));
    }
}

Status<> WriteTransaction::begin()
{
    QSqlQuery q(m_db);
    if (!q.exec(QStringLiteral("BEGIN IMMEDIATE")))
        return error(QStringLiteral("cannot start a write to the workspace database"), q);
    m_open = true;
    return done();
}

Status<> WriteTransaction::commit()
{
    QSqlQuery q(m_db);
    if (!q.exec(QStringLiteral("COMMIT")))
        return error(QStringLiteral("cannot commit to the workspace database"), q); // the destructor rolls back
    m_open = false;
    return done();
}

QString timeText(const QDateTime& at)
{
    if (!at.isValid())
        return {};
    return at.toUTC().toString(Qt::ISODateWithMs);
}

QString nowText() { return timeText(QDateTime::currentDateTimeUtc()); }

QDateTime timeFromText(const QString& text)
{
    if (text.isEmpty())
        return {};
    return QDateTime::fromString(text, Qt::ISODateWithMs).toUTC();
}

QString jsonText(const QJsonObject& o) { return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact)); }
QString jsonText(const QJsonArray& a) { return QString::fromUtf8(QJsonDocument(a).toJson(QJsonDocument::Compact)); }
QJsonObject jsonObject(const QString& text) { return QJsonDocument::fromJson(text.toUtf8()).object(); }
QJsonArray jsonArray(const QString& text) { return QJsonDocument::fromJson(text.toUtf8()).array(); }

} // namespace pc::sql
