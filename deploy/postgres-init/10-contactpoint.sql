-- Roles, database and extensions for ContactPoint, run once by the postgres image's entrypoint
-- when the data volume is empty (as the superuser, with ON_ERROR_STOP).
--
-- Two roles, so that the application cannot alter what it is audited by:
--   contactpoint_owner  owns the tables and runs migrations (the `migrate` service);
--   contactpoint_app    what web, worker and beat connect as: row access only, granted through
--                       default privileges; the audit log's grants and triggers narrow it further.
-- Passwords come from the environment (see docker-compose.yml); psql's :'name' quoting makes
-- any password a safe SQL literal.

\getenv owner_password CONTACTPOINT_OWNER_PASSWORD
\getenv app_password CONTACTPOINT_APP_PASSWORD
\if :{?owner_password}
\else
\set owner_password ''
\endif
\if :{?app_password}
\else
\set app_password ''
\endif

SELECT length(:'owner_password') < 16 OR length(:'app_password') < 16 AS passwords_missing \gset
\if :passwords_missing
DO $$ BEGIN
  RAISE EXCEPTION 'CONTACTPOINT_OWNER_PASSWORD and CONTACTPOINT_APP_PASSWORD must each be at least 16 characters';
END $$;
\endif

CREATE ROLE contactpoint_owner LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE
  PASSWORD :'owner_password';
CREATE ROLE contactpoint_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE
  PASSWORD :'app_password';
-- The owner may SET ROLE to the application role (to check its privileges by hand, as the
-- tests do), without inheriting anything from it.
GRANT contactpoint_app TO contactpoint_owner WITH INHERIT FALSE, SET TRUE;

CREATE DATABASE contactpoint OWNER contactpoint_owner ENCODING 'UTF8' TEMPLATE template0;
-- Only the two roles (and the superuser) may connect.
REVOKE ALL ON DATABASE contactpoint FROM PUBLIC;
GRANT CONNECT ON DATABASE contactpoint TO contactpoint_app;

\connect contactpoint

-- Trigram and phonetic search, accent-insensitive names. Not trusted extensions, hence here.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS fuzzystrmatch;
CREATE EXTENSION IF NOT EXISTS unaccent;

GRANT USAGE ON SCHEMA public TO contactpoint_app;
ALTER DEFAULT PRIVILEGES FOR ROLE contactpoint_owner IN SCHEMA public
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO contactpoint_app;
ALTER DEFAULT PRIVILEGES FOR ROLE contactpoint_owner IN SCHEMA public
  GRANT USAGE, SELECT ON SEQUENCES TO contactpoint_app;
