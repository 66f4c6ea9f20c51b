#!/bin/sh
# The role Neuroglide connects to PostgreSQL as: it owns the app's database, its schema and its
# tables, and nothing more. It is no superuser, so a query of the app can never read the
# server's files, run programs on it (COPY ... PROGRAM), make roles or reach other databases.
#
# compose.yaml mounts this file in /docker-entrypoint-initdb.d: the postgres image runs it as
# its superuser (POSTGRES_USER) the first time it makes its volume. On a database made before,
# run it once by hand before starting the new app; it hands the existing tables over too:
#
#   docker compose up -d db
#   docker compose exec db sh /docker-entrypoint-initdb.d/10-app-role.sh
#
# Running it again changes nothing but the role's password (set to NEUROGLIDE_DB_PASSWORD).
set -eu
: "${NEUROGLIDE_DB_PASSWORD:?set NEUROGLIDE_DB_PASSWORD (see README, Docker)}"
psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v password="$NEUROGLIDE_DB_PASSWORD" -v db="$POSTGRES_DB" <<'SQL'
SELECT NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'neuroglide_app') AS missing \gset
\if :missing
CREATE ROLE neuroglide_app LOGIN;
\endif
ALTER ROLE neuroglide_app WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION
  NOBYPASSRLS PASSWORD :'password';
-- A transaction left open by a crashed client holds its locks until this ends it.
ALTER ROLE neuroglide_app SET idle_in_transaction_session_timeout = '10min';
ALTER DATABASE :"db" OWNER TO neuroglide_app;
ALTER SCHEMA public OWNER TO neuroglide_app;
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
-- Tables made before this role existed (a database set up by an earlier compose.yaml), each
-- monthly partition too; indexes and a column's own sequence follow their table.
DO $$
DECLARE
  made record;
BEGIN
  FOR made IN
    SELECT c.relname, c.relkind FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
      AND pg_get_userbyid(c.relowner) <> 'neuroglide_app'
      AND NOT (c.relkind = 'S' AND EXISTS (
        SELECT FROM pg_depend d
        WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
          AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
      ))
  LOOP
    EXECUTE format(
      'ALTER %s public.%I OWNER TO neuroglide_app',
      CASE made.relkind
        WHEN 'v' THEN 'VIEW'
        WHEN 'm' THEN 'MATERIALIZED VIEW'
        WHEN 'S' THEN 'SEQUENCE'
        ELSE 'TABLE'
      END,
      made.relname
    );
  END LOOP;
END
$$;
SQL
