-- Where a domain's grants live (Lake Formation: only the account that owns a catalog resource may
-- grant on it to other accounts' principals).
-- - `central`: meshgov mirrors the domain's product tables into the governance account's Glue
--   catalog and grants on the mirror from the governance account; the producer's S3 locations are
--   registered with Lake Formation there, with `data_access_role_arn` (a governance-account role).
-- - `producer`: the producer's catalog is the only one; meshgov grants there through
--   `grant_role_arn`, a role in the producer's account.
ALTER TABLE domains
    ADD COLUMN catalog_mode text NOT NULL DEFAULT 'producer' CHECK (catalog_mode IN ('central', 'producer')),
    ADD COLUMN data_access_role_arn text CHECK (
        data_access_role_arn ~ '^arn:aws(-[a-z]+)*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]+$'
        AND length(data_access_role_arn) <= 600),
    ADD COLUMN grant_role_arn text CHECK (
        grant_role_arn ~ '^arn:aws(-[a-z]+)*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]+$'
        AND length(grant_role_arn) <= 600
        AND split_part(grant_role_arn, ':', 5) = aws_account_id);

-- Existing domains were added with 'producer' above: their grants name the producer's catalog.
-- New domains are central unless they say otherwise.
ALTER TABLE domains ALTER COLUMN catalog_mode SET DEFAULT 'central';

-- Central mode: the schema version the governance account's mirror of a product last matched, and
-- why the last attempt to bring it up to date failed. Grants on a mirror wait until it is current.
ALTER TABLE products
    ADD COLUMN mirrored_version integer NOT NULL DEFAULT 0 CHECK (mirrored_version >= 0),
    ADD COLUMN mirror_error text;
