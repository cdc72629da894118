#!/bin/sh
# One-shot (compose service `temporal-schema`, image temporalio/admin-tools): Temporal's
# databases on the compose PostgreSQL. First start: create both databases and their schema;
# every later start (an image upgrade included): migrate them to the versions this admin-tools
# image carries. `update-schema` fails only when there is no schema yet, which is what tells
# the two cases apart without a SQL client.
set -eu

tool() {
  temporal-sql-tool --plugin postgres12 --ep "${POSTGRES_SEEDS}" -u "${POSTGRES_USER}" \
    -p "${DB_PORT:-5432}" "$@"
}

schema_dir=/etc/temporal/schema/postgresql/v12

for db in temporal temporal_visibility; do
  kind=temporal
  [ "${db}" = temporal_visibility ] && kind=visibility
  if tool --db "${db}" update-schema -d "${schema_dir}/${kind}/versioned" 2> /dev/null; then
    echo "${db}: schema up to date"
    continue
  fi
  echo "${db}: no schema yet, creating it"
  tool --db "${db}" create || echo "${db}: database already exists"
  tool --db "${db}" setup-schema -v 0.0
  tool --db "${db}" update-schema -d "${schema_dir}/${kind}/versioned"
  echo "${db}: schema created"
done
