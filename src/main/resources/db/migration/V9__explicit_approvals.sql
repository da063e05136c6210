-- Approval of restricted capabilities is an explicit act of a platform admin (docs/http.md, "The management API").
--
-- approved_scopes now holds only the restricted scopes an admin approved for the app (it used to
-- hold every scope the app could use). Keep in it only the scopes that are restricted today.
UPDATE clients c SET approved_scopes = coalesce(
    (SELECT array_agg(a.name ORDER BY a.ord)
     FROM unnest(c.approved_scopes) WITH ORDINALITY AS a(name, ord)
     WHERE EXISTS (SELECT 1 FROM scopes s WHERE s.name = a.name AND s.restricted)),
    '{}');

-- Restricted grant types (the password grant) an admin approved for the app. Apps that list the
-- password grant keep it when a platform admin registered them; the others wait for an approval
-- (GET /api/v1/oauth/clients?pending_approval=true lists them).
ALTER TABLE clients ADD COLUMN approved_grant_types text[] NOT NULL DEFAULT '{}';
UPDATE clients c SET approved_grant_types = '{password}'
WHERE 'password' = ANY (c.grant_types)
  AND EXISTS (SELECT 1 FROM users u WHERE u.id = c.created_by AND 'admin' = ANY (u.roles));

-- The scopes an app may use: those it requests that are unrestricted in the catalog or approved.
-- Computed where the app is read (and cached per node), so a change of the catalog's restricted
-- flag or of an approval applies to every app without rewriting it.
CREATE FUNCTION client_allowed_scopes(requested text[], approved text[]) RETURNS text[]
    LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(r.name ORDER BY r.ord), '{}')
    FROM unnest(requested) WITH ORDINALITY AS r(name, ord)
    WHERE r.name = ANY (approved)
       OR EXISTS (SELECT 1 FROM scopes s WHERE s.name = r.name AND NOT s.restricted)
$$;
