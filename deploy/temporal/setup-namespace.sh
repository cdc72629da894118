#!/bin/sh
# One-shot (compose service `search-attributes`): registers the custom search attributes the
# employee workflows upsert (workflows/search_attributes.py). Idempotent: an attribute that
# already exists is left alone. Without them, a workflow's first upsert fails its task and the
# workflow retries forever, so the worker waits for this to complete successfully.
set -eu

ns="${TEMPORAL_NAMESPACE:-default}"
echo "registering search attributes in namespace ${ns} at ${TEMPORAL_ADDRESS}"

# auto-setup creates the namespace in the background once the server is up.
tries=0
until temporal operator search-attribute list --namespace "${ns}" > /dev/null 2>&1; do
  tries=$((tries + 1))
  if [ "${tries}" -gt 90 ]; then
    echo "namespace ${ns} not available after 3 minutes" >&2
    exit 1
  fi
  sleep 2
done

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
