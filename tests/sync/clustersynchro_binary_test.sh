#!/usr/bin/env bash
# `pedia clustersynchro-manager` as a process: kubesim members, MariaDB
# (internal storage), a --cluster-config file.  Checks /readyz and /metrics,
# the rows in MariaDB, a clean exit on SIGTERM, and that a restart writes
# nothing when nothing changed, and that a MariaDB crash while the member
# changes loses nothing once the server is back.
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

# MariaDB crashes (SIGKILL) while the synchro runs and the member changes:
# once the server is back, storage must converge to the member exactly.
k0() { kubectl --kubeconfig "$tmp/kc/cluster-0.kubeconfig" --cache-dir "$tmp/kcache" "$@"; }
db_pod_names() {  # namespace/name of cluster-0's pods in MariaDB, sorted
  mysql -N -h127.0.0.1 -P"$PEDIA_TEST_MYSQL_PORT" -uroot clusterpedia \
    -e "select concat(namespace,'/',name) from resources where resource='pods' and cluster='cluster-0'" 2>/dev/null | sort
}
member_pod_names() {
  k0 get pods -A -o jsonpath='{range .items[*]}{.metadata.namespace}/{.metadata.name}{"\n"}{end}' | sort
}
"$src/tests/lib/mariadb.sh" kill "$tmp/mdb"
for i in $(seq 1 10); do
  printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: crash-%s, namespace: ns-00}\nspec:\n  containers: [{name: c, image: busybox}]\n---\n' "$i"
done >"$tmp/new-pods.yaml"
k0 create -f "$tmp/new-pods.yaml" >/dev/null
k0 delete pod -n ns-00 $(k0 get pods -n ns-00 -o name | grep -v crash- | sed -n 1,5p | sed 's#pod/##') >/dev/null
sleep 3  # the synchro sees the events and meets a dead server
eval "$("$src/tests/lib/mariadb.sh" start "$tmp/mdb" | grep '^PEDIA_TEST_MYSQL')"
converged() { diff <(member_pod_names) <(db_pod_names) >/dev/null; }
check "after a MariaDB crash and restart, stored pods equal the member's (10 created, 5 deleted meanwhile)" \
  wait_for 60 converged
check "MariaDB holds 305 pods after the crash" test "$(pods_in_db)" -eq 305
kill -TERM "$sync_pid"
wait "$sync_pid"
sync_pid=""

check "the synchro never logged the token" bash -c "! grep -q s3cr3t-t0ken-value $tmp/sync.log"
if ((fails)); then
  echo "--- synchro log (last 30 lines) ---"
  tail -30 "$tmp/sync.log"
  exit 1
fi
