//! SQL of usage: which live subscriptions an access used, and what is kept of it.

use sqlx::PgExecutor;
use uuid::Uuid;

use super::model::DataAccess;

/// Records the access as a use of every live subscription whose granted Lake Formation
/// permissions, held in `access.account`'s catalog, cover the table for the access's principal:
/// granted to that role, or to its whole account. A grant on the database alone (DESCRIBE) reads no
/// data and does not count. Once per event: a repeated event changes nothing; events arrive out of
/// order, so the latest use wins, and engines accumulate. One statement, so one round trip and
/// atomic without a transaction: a burst of events costs the database as little as it can.
/// Returns the subscriptions it is a use of.
pub async fn record(db: impl PgExecutor<'_>, access: &DataAccess) -> sqlx::Result<Vec<Uuid>> {
    let principal_account = access.principal.split(':').nth(4).unwrap_or_default();
    sqlx::query_scalar(
        "WITH covering AS (
             SELECT DISTINCT g.subscription_id AS id
             FROM grants g JOIN subscriptions s ON s.id = g.subscription_id
             WHERE g.principal IN ($1, $2) AND g.catalog_id = $3 AND g.state = 'granted' AND s.status = 'approved'
               AND g.resource_type <> 'database'
               AND COALESCE(g.resource #>> '{Table,DatabaseName}', g.resource #>> '{TableWithColumns,DatabaseName}',
                            g.resource #>> '{DataCellsFilter,DatabaseName}') = $4
               AND (COALESCE(g.resource #>> '{Table,Name}', g.resource #>> '{TableWithColumns,Name}',
                             g.resource #>> '{DataCellsFilter,TableName}') = $5
                    OR g.resource #> '{Table,TableWildcard}' IS NOT NULL)
         ),
         used AS (
             INSERT INTO subscription_uses (subscription_id, event_id, at, engine, principal, table_name)
             SELECT id, $6, $7, $8, $1, $4 || '/' || $5 FROM covering
             ON CONFLICT DO NOTHING
         ),
         summary AS (
             INSERT INTO subscription_usage (subscription_id, last_used_at, engines)
             SELECT id, $7, ARRAY[$8] FROM covering
             ON CONFLICT (subscription_id) DO UPDATE
             SET last_used_at = GREATEST(subscription_usage.last_used_at, EXCLUDED.last_used_at),
                 engines = CASE WHEN $8 = ANY (subscription_usage.engines) THEN subscription_usage.engines
                                ELSE (SELECT array_agg(e ORDER BY e) FROM unnest(subscription_usage.engines || $8) AS e) END
         )
         SELECT id FROM covering ORDER BY id",
    )
    .bind(&access.principal)
    .bind(principal_account)
    .bind(&access.account)
    .bind(&access.database)
    .bind(&access.table)
    .bind(&access.event_id)
    .bind(access.at)
    .bind(&access.engine)
    .fetch_all(db)
    .await
}

/// Forgets uses older than the 30 days they are counted for (the summary keeps the latest).
pub async fn prune(db: impl PgExecutor<'_>) -> sqlx::Result<u64> {
    Ok(sqlx::query("DELETE FROM subscription_uses WHERE at < now() - interval '31 days'").execute(db).await?.rows_affected())
}
