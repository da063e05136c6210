-- Seeds a big tenant population for bench/scale (BENCH_SCALE=1 bench/run), by SQL only, into the
-- database Gatehouse has just migrated. psql variables (bench/run sets them from BENCH_SCALE_FACTOR):
--   orgs, apps                 organizations; apps, each owned by one organization (j % orgs)
--   live, dead                 live access tokens; expired or revoked ones (a fifth revoked)
--   dead_purgeable             'true': the dead rows are past what the purger keeps (a backlog it
--                              works off during the run); 'false': within it (a steady state)
-- Identifiers are derived from the row number (md5 → uuid), so rows refer to each other without
-- joins; token hashes are SHA-256 of a distinct text each, so they are unique like real ones.
-- Nothing here is a secret anyone can present: the apps' secrets and the tokens' values are unknown.
\set ON_ERROR_STOP on
SET synchronous_commit = off;
SET maintenance_work_mem = '256MB';

\echo seeding :orgs organizations
INSERT INTO organizations (id, name, slug, created_at)
SELECT md5('scale-org-' || i)::uuid, 'Scale organization ' || i, 'scale-org-' || i, now() - interval '1 year'
FROM generate_series(0, :orgs - 1) i;

\echo seeding :apps apps
INSERT INTO clients (client_id, id, secret_hash, name, owner_org_id, grant_types, confidential, actor_modes,
                     access_token_ttl, created_at, updated_at)
SELECT 'scale_app_' || j, md5('scale-app-' || j)::uuid, sha256(convert_to('scale-secret-' || j, 'UTF8')),
       'Scale app ' || j, md5('scale-org-' || (j % :orgs))::uuid, '{client_credentials}', true, '{app}',
       3600, now() - interval '1 year', now() - interval '1 year'
FROM generate_series(0, :apps - 1) j;

-- Tokens in chunks of a million: one statement per chunk keeps each transaction (and its WAL) bounded.
-- kind: 'live' (expires in 1–24 h), 'expired' (expired; kept ones are JWT rows), 'revoked' (revoked, not yet expired).
CREATE FUNCTION pg_temp.seed_tokens(kind text, total bigint, purgeable boolean) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    chunk constant bigint := 1000000;
    apps constant bigint := (SELECT count(*) FROM clients WHERE client_id LIKE 'scale\_app\_%');
    orgs constant bigint := (SELECT count(*) FROM organizations WHERE slug LIKE 'scale-org-%');
    jwt_key constant uuid := (SELECT id FROM signing_keys ORDER BY created_at LIMIT 1);
    low bigint := 0;
BEGIN
    WHILE low < total LOOP
        INSERT INTO access_tokens (token_hash, id, client_id, organization_id, actor, scope, grant_type,
                                   created_at, expires_at, revoked_at, signing_key_id)
        SELECT sha256(convert_to('scale-' || kind || '-' || k, 'UTF8')), gen_random_uuid(),
               'scale_app_' || (k % apps), md5('scale-org-' || ((k % apps) % orgs))::uuid, 'app', '', 'client_credentials',
               -- Created in the past (bench/run counts the rows created during a measurement), before any revocation.
               least(t.expires_at - interval '1 hour', coalesce(t.revoked_at, now()) - interval '1 minute'),
               t.expires_at, t.revoked_at,
               -- What stays after expiry in a steady state is JWT rows (kept a day past expiry, for their
               -- signing key); an opaque token goes a minute past it. So kept expired rows are JWTs'.
               CASE WHEN kind = 'expired' AND NOT purgeable THEN jwt_key END
        FROM generate_series(low, least(low + chunk, total) - 1) k,
             LATERAL (SELECT CASE kind
                                 WHEN 'live' THEN now() + interval '1 hour' + random() * interval '23 hours'
                                 WHEN 'expired' THEN CASE WHEN purgeable THEN now() - interval '2 days' - random() * interval '5 days'
                                                          ELSE now() - random() * interval '23 hours' END
                                 ELSE now() + random() * interval '1 hour' END AS expires_at,
                             CASE WHEN kind = 'revoked' THEN CASE WHEN purgeable THEN now() - interval '2 hours' - random() * interval '1 day'
                                                                  ELSE now() - random() * interval '50 minutes' END END AS revoked_at,
                             k AS correlated) t; -- referring to k: random() per row, not once
        low := low + chunk;
        RAISE NOTICE 'access tokens (%): % of %', kind, least(low, total), total;
    END LOOP;
END
$$;

\echo seeding :live live access tokens
SELECT pg_temp.seed_tokens('live', :live, :dead_purgeable);
\echo seeding :dead expired or revoked access tokens
SELECT pg_temp.seed_tokens('expired', :dead - :dead / 5, :dead_purgeable);
SELECT pg_temp.seed_tokens('revoked', :dead / 5, :dead_purgeable);

\echo vacuum and analyze
VACUUM ANALYZE organizations;
VACUUM ANALYZE clients;
VACUUM ANALYZE access_tokens;
CHECKPOINT;
