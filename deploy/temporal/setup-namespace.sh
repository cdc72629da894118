#!/bin/sh
# One-shot (compose service `temporal-namespace`, image temporalio/admin-tools): waits for the
# Temporal server, creates the namespace (7-day retention) if it does not exist, and registers
# the custom search attributes the employee workflows upsert (workflows/search_attributes.py).
# Idempotent: what already exists is left alone. Without the attributes a workflow's first
# upsert fails its task and the workflow retries forever, so the worker, the webhook receiver
# and the schedules job wait for this to complete successfully.
set -eu

ns="${TEMPORAL_NAMESPACE:-default}"
echo "setting up namespace ${ns} at ${TEMPORAL_ADDRESS}"

# wait_for WHAT COMMAND...: run COMMAND every 2 s until it succeeds, for 3 minutes at most.
wait_for() {
  what="$1"
  shift
  tries=0
  until "$@" > /dev/null 2>&1; do
    tries=$((tries + 1))
    if [ "${tries}" -gt 90 ]; then
      echo "${what}: not ready after 3 minutes" >&2
      exit 1
    fi
    sleep 2
  done
}

wait_for "the Temporal server at ${TEMPORAL_ADDRESS}" \
  temporal operator cluster health --address "${TEMPORAL_ADDRESS}"

if temporal operator namespace describe --namespace "${ns}" > /dev/null 2>&1; then
  echo "  namespace ${ns}: exists"
else
  temporal operator namespace create --namespace "${ns}" --retention 168h
  echo "  namespace ${ns}: created (retention 7 days)"
fi

# A new namespace takes a moment to reach every service.
wait_for "namespace ${ns}" temporal operator search-attribute list --namespace "${ns}"

existing="$(temporal operator search-attribute list --namespace "${ns}")"

create() {
  name="$1"
  type="$2"
  if printf '%s\n' "${existing}" | grep -qw "${name}"; then
    echo "  ${name} (${type}): already registered"
  else
    temporal operator search-attribute create --namespace "${ns}" --name "${name}" --type "${type}"
    echo "  ${name} (${type}): registered"
  fi
}

create EmployeeId Keyword
create Department Keyword
create LifecycleState Keyword
create NextAction Keyword
create NextActionAt Datetime
create HeldByGuard Keyword
