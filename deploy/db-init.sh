#!/bin/bash
# Run once by the postgres image on a new data volume (docker-entrypoint-initdb.d), as POSTGRES_USER: the
# tables' owner, which migrations run as. It creates the application's role, which web, worker and beat
# connect as: it logs in, owns nothing and has no BYPASSRLS, so row-level security holds for all it does;
# `migrate` grants it the tables.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v app_password="$PROTEJA_APP_PASSWORD" <<'SQL'
CREATE ROLE proteja_app LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE PASSWORD :'app_password';
SQL
