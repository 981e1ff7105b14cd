#!/usr/bin/env bash
# `pedia clustersynchro-manager` as a process: kubesim members, MariaDB
# (internal storage), a --cluster-config file.  Checks /readyz and /metrics,
# the rows in MariaDB, a clean exit on SIGTERM, and that a restart writes
# nothing when nothing changed.
# Usage: clustersynchro_binary_test.sh PEDIA KUBESIM SOURCE_ROOT
set -u
pedia=$1
kubesim=$2
src=$3
tmp=$(mktemp -d /tmp/pedia-synchro-bin.XXXXXX)
fails=0
sim_pid=""
sync_pid=""
cleanup() {
  [[ -n $sync_pid ]] && kill "$sync_pid" 2>/dev/null
  [[ -n $sim_pid ]] && kill "$sim_pid" 2>/dev/null
  "$src/tests/lib/mariadb.sh" stop "$tmp/mdb" >/dev/null 2>&1
  rm -rf "$tmp"
}
trap cleanup EXIT
check() {  # check DESCRIPTION COMMAND...
  local desc=$1
  shift
  if "$@"; then echo "ok: $desc"; else echo "FAIL: $desc"; fails=$((fails + 1)); fi
}
wait_for() {  # wait_for SECONDS COMMAND...
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    ((SECONDS > deadline)) && return 1
    sleep 0.2
  done
}

eval "$("$src/tests/lib/mariadb.sh" start "$tmp/mdb" | grep '^PEDIA_TEST_MYSQL')" || exit 1
mysql -h127.0.0.1 -P"$PEDIA_TEST_MYSQL_PORT" -uroot -e 'create database clusterpedia' || exit 1
printf 'type: mysql\nhost: 127.0.0.1\nport: %s\nuser: root\ndatabase: clusterpedia\n' "$PEDIA_TEST_MYSQL_PORT" \
  >"$tmp/storage.yaml"

"$kubesim" --clusters 2 --pods-per-cluster 150 --tls --token s3cr3t-t0ken-value --ca-out "$tmp/pki" --kubeconfig-dir "$tmp/kc" \
  --state-file "$tmp/state.json" >"$tmp/kubesim.log" 2>&1 &
sim_pid=$!
wait_for 60 test -f "$tmp/state.json" || { echo "FAIL: kubesim did not start"; exit 1; }
for c in cluster-0 cluster-1; do
  printf 'apiVersion: cluster.clusterpedia.io/v1alpha2\nkind: PediaCluster\nmetadata: {name: %s}\nspec:\n' "$c"
  printf '  kubeconfig: %s\n  syncResources:\n  - {group: "", resources: [pods]}\n' "$(base64 -w0 "$tmp/kc/$c.kubeconfig")"
  printf '  - {group: apps, resources: ["*"]}\n---\n'
done >"$tmp/clusters.yaml"

port=$((20000 + RANDOM % 20000))
start_synchro() {
  "$pedia" clustersynchro-manager --storage-name internal --storage-config "$tmp/storage.yaml" \
    --cluster-config "$tmp/clusters.yaml" --metrics-host 127.0.0.1 --metrics-port "$port" --page-size 40 \
    >>"$tmp/sync.log" 2>&1 &
  sync_pid=$!
}
pods_in_db() {
  mysql -N -h127.0.0.1 -P"$PEDIA_TEST_MYSQL_PORT" -uroot clusterpedia \
    -e "select count(*) from resources where resource='pods'" 2>/dev/null
}
written() {  # added + updated objects since the process started
  curl -s "127.0.0.1:$port/metrics" | grep -E '^clustersynchro_resourcesynchro_objects_written_total.*op="(added|updated)"' |
    awk '{s += $2} END {print s + 0}'
}

start_synchro
check "/readyz answers ok" wait_for 30 bash -c "curl -sf 127.0.0.1:$port/readyz | grep -q ok"
check "both clusters' pods are in MariaDB" wait_for 60 bash -c "[[ \$(mysql -N -h127.0.0.1 -P$PEDIA_TEST_MYSQL_PORT -uroot clusterpedia -e \"select count(*) from resources where resource='pods'\") == 300 ]]"
check "/metrics has build info and sync counters" bash -c "curl -s 127.0.0.1:$port/metrics | grep -q pedia_build_info && curl -s 127.0.0.1:$port/metrics | grep -q objects_written_total"
check "/livez and /healthz answer ok" bash -c "curl -sf 127.0.0.1:$port/livez >/dev/null && curl -sf 127.0.0.1:$port/healthz >/dev/null"

kill -TERM "$sync_pid"
status=0
wait "$sync_pid" || status=$?
sync_pid=""
check "SIGTERM exits 0 (got $status)" test "$status" -eq 0

start_synchro
check "restarted synchro is ready" wait_for 30 bash -c "curl -sf 127.0.0.1:$port/readyz | grep -q ok"
sleep 3
check "a restart with nothing changed writes nothing (wrote $(written))" test "$(written)" -eq 0
check "MariaDB still holds every pod" test "$(pods_in_db)" -eq 300
kill -TERM "$sync_pid"
wait "$sync_pid"
sync_pid=""

check "the synchro never logged the token" bash -c "! grep -q s3cr3t-t0ken-value $tmp/sync.log"
if ((fails)); then
  echo "--- synchro log (last 30 lines) ---"
  tail -30 "$tmp/sync.log"
  exit 1
fi
