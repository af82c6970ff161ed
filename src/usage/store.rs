//! SQL of usage: which live subscriptions an access used, and what is kept of it.

use sqlx::PgExecutor;
use uuid::Uuid;

use super::model::DataAccess;

/// Records each access as a use of every live subscription whose granted Lake Formation
/// permissions, held in the access's account's catalog, cover the table for the access's
/// principal: granted to that role, or to its whole account. A grant on the database alone
/// (DESCRIBE) reads no data and does not count. Once per event: a repeated event changes nothing;
/// events arrive out of order, so the latest use wins, and engines accumulate.
///
/// One statement for the whole batch (a queue receive's ten events), so one round trip, one plan
/// and one update of each subscription's summary however many of the batch's events used it, and
/// atomic without a transaction: a burst of events costs the database as little as it can.
/// Returns, for each access in order, the subscriptions it is a use of.
pub async fn record(db: impl PgExecutor<'_>, accesses: &[DataAccess]) -> sqlx::Result<Vec<Vec<Uuid>>> {
    if accesses.is_empty() {
        return Ok(Vec::new());
    }
    let column = |f: fn(&DataAccess) -> &str| accesses.iter().map(|a| f(a).to_string()).collect::<Vec<_>>();
    let principal_accounts = column(|a| a.principal.split(':').nth(4).unwrap_or_default());
    let ats: Vec<_> = accesses.iter().map(|a| a.at).collect();
    let rows: Vec<(i32, Uuid)> = sqlx::query_as(
        "WITH access AS (
             SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[], $8::text[])
                 WITH ORDINALITY AS a(principal, principal_account, account, database, table_name, event_id, at, engine, n)
         ),
         covering AS (
             SELECT DISTINCT a.n, g.subscription_id AS id, a.event_id, a.at, a.engine, a.principal,
                    a.database || '/' || a.table_name AS table_name
             FROM access a
             JOIN grants g ON g.principal IN (a.principal, a.principal_account) AND g.catalog_id = a.account
             JOIN subscriptions s ON s.id = g.subscription_id
             WHERE g.state = 'granted' AND s.status = 'approved'
               AND g.resource_type <> 'database'
               AND COALESCE(g.resource #>> '{Table,DatabaseName}', g.resource #>> '{TableWithColumns,DatabaseName}',
                            g.resource #>> '{DataCellsFilter,DatabaseName}') = a.database
               AND (COALESCE(g.resource #>> '{Table,Name}', g.resource #>> '{TableWithColumns,Name}',
                             g.resource #>> '{DataCellsFilter,TableName}') = a.table_name
                    OR g.resource #> '{Table,TableWildcard}' IS NOT NULL)
         ),
         used AS (
             INSERT INTO subscription_uses (subscription_id, event_id, at, engine, principal, table_name)
             SELECT id, event_id, at, engine, principal, table_name FROM covering
             ON CONFLICT DO NOTHING
         ),
         summary AS (
             INSERT INTO subscription_usage (subscription_id, last_used_at, engines)
             SELECT id, max(at), array_agg(DISTINCT engine ORDER BY engine) FROM covering GROUP BY id
             ON CONFLICT (subscription_id) DO UPDATE
             SET last_used_at = GREATEST(subscription_usage.last_used_at, EXCLUDED.last_used_at),
                 engines = CASE WHEN EXCLUDED.engines <@ subscription_usage.engines THEN subscription_usage.engines
                                ELSE (SELECT array_agg(DISTINCT e ORDER BY e) FROM unnest(subscription_usage.engines || EXCLUDED.engines) AS e) END
         )
         SELECT n::int4, id FROM covering ORDER BY n, id",
    )
    .bind(column(|a| &a.principal))
    .bind(principal_accounts)
    .bind(column(|a| &a.account))
    .bind(column(|a| &a.database))
    .bind(column(|a| &a.table))
    .bind(column(|a| &a.event_id))
    .bind(ats)
    .bind(column(|a| &a.engine))
    .fetch_all(db)
    .await?;
    let mut uses = vec![Vec::new(); accesses.len()];
    for (n, id) in rows {
        uses[n as usize - 1].push(id);
    }
    Ok(uses)
}

/// Forgets uses older than the 30 days they are counted for (the summary keeps the latest).
pub async fn prune(db: impl PgExecutor<'_>) -> sqlx::Result<u64> {
    Ok(sqlx::query("DELETE FROM subscription_uses WHERE at < now() - interval '31 days'").execute(db).await?.rows_affected())
}
