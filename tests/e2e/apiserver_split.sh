#!/usr/bin/env bash
# End to end, the production layout: `pedia clustersynchro-manager` and
# `pedia apiserver` as separate processes sharing the internal (MariaDB)
# storage, which is their only channel (design.md §2.1); real kubectl over
# mTLS.  Uses the MariaDB of tests/run (PEDIA_TEST_MYSQL_*) or starts one.
# Usage: apiserver_split.sh path/to/pedia path/to/kubesim SOURCE_ROOT
set -euo pipefail
pedia=$1
kubesim=$2
src=$3
command -v kubectl >/dev/null || { echo "kubectl is not installed"; exit 1; }
T=$(mktemp -d /tmp/pedia-e2e-split-XXXXXX)
pids=()
fail() {
  echo "FAIL: $*"
  echo "--- apiserver log (tail)"; tail -15 "$T/apiserver.log" || true
  echo "--- synchro log (tail)"; tail -15 "$T/synchro.log" || true
  exit 1
}
lib=$(cd "$(dirname "${BASH_SOURCE[0]}")/../lib" && pwd)
source "$lib/e2e.sh"
trap e2e_cleanup EXIT

db=pedia_e2e_split_$$
e2e_mariadb_config "$db" "$T/storage.yaml" || fail "cannot start MariaDB"

"$kubesim" --clusters 2 --pods-per-cluster 20 --tls --token sim-token --ca-out "$T/pki" --client-cert-auth \
  --kubeconfig-dir "$T/kc" --state-file "$T/state.json" >"$T/kubesim.log" 2>&1 &
pids+=($!)
wait_file 100 "$T/state.json" || fail "kubesim did not start"
"$lib/pediaclusters.py" "$T/state.json" "$T/pki/ca.crt" sim-token "$T/clusters.yaml" \
  --sync-resources ':pods' --sync-resources 'apps:deployments,replicasets'

"$pedia" clustersynchro-manager --storage-name internal --storage-config "$T/storage.yaml" \
  --cluster-config "$T/clusters.yaml" --leader-elect=false --metrics-port 0 >"$T/synchro.log" 2>&1 &
pids+=($!)
port=$(free_port)
"$pedia" apiserver --storage-name internal --storage-config "$T/storage.yaml" --bind-address 127.0.0.1 \
  --secure-port "$port" --cert-dir "$T/certs" --client-ca-file "$T/pki/ca.crt" >"$T/apiserver.log" 2>&1 &
pids+=($!)
base=https://127.0.0.1:$port
c() { curl -sS --cacert "$T/certs/apiserver.crt" --cert "$T/pki/client.crt" --key "$T/pki/client.key" "$@"; }
wait_url 100 "$base/readyz" --cacert "$T/certs/apiserver.crt" --cert "$T/pki/client.crt" \
  --key "$T/pki/client.key" || true
[[ $(c -o /dev/null -w '%{http_code}' "$base/readyz") == 200 ]] || fail "apiserver did not become ready"
"$pedia" kubeconfig --server "$base" --storage-name internal --storage-config "$T/storage.yaml" \
  --certificate-authority "$T/certs/apiserver.crt" --client-certificate "$T/pki/client.crt" \
  --client-key "$T/pki/client.key" >"$T/kubeconfig" || fail "kubeconfig from storage records"
export KUBECONFIG=$T/kubeconfig
k() { kubectl --cache-dir "$T/cache" "$@"; }
R=/apis/clusterpedia.io/v1beta1/resources

echo "--- waiting for the synchro (through MariaDB)"
n=0
for _ in $(seq 150); do
  n=$(k get pods -A --no-headers 2>/dev/null | wc -l)
  [[ $n == 40 ]] && break
  sleep 0.2
done
[[ $n == 40 ]] || fail "expected 40 pods, saw $n"
grep -q 'name: "cluster-1"' "$T/kubeconfig" || fail "kubeconfig lacks the clusters recorded in storage"

echo "--- kubectl against the relational layer"
[[ $(k get pods -A -l app=app-0001 --no-headers | wc -l) == 20 ]] || fail "label selector"
[[ $(k get pods -A --field-selector status.phase=Running --no-headers | wc -l) == 40 ]] || fail "field selector"
[[ $(k --cluster cluster-0 get pods -A --no-headers | wc -l) == 20 ]] || fail "--cluster"
count() { python3 -c 'import json,sys; print(len(json.load(sys.stdin)["items"]))'; }
[[ $(k get --raw "$R/api/v1/pods?limit=15&continue=30" | count) == 10 ]] || fail "integer continue"
rs_uid=$(k --cluster cluster-0 get rs -n ns-00 -o jsonpath='{.items[0].metadata.uid}')
[[ $(k get --raw "$R/clusters/cluster-0/api/v1/pods?ownerUID=$rs_uid" | count) == 10 ]] || fail "ownerUID"
[[ $(k get --raw "$R/clusters/cluster-0/api/v1/pods?ownerName=app-0000&ownerGR=deployments.apps&ownerSeniority=1" | count) == 10 ]] ||
  fail "owner seniority"
k get pediaclusters >"$T/pc.out"
grep -Eq '^cluster-0 +True' "$T/pc.out" || fail "pediaclusters: $(cat "$T/pc.out")"
echo "--- watch is refused: the relational layer has none"
code=$(c -o "$T/watch.json" -w '%{http_code}' "$base$R/api/v1/pods?watch=true")
[[ $code == 405 ]] || fail "watch gave $code"
grep -q 'MethodNotAllowed' "$T/watch.json" || fail "405 Status body"
echo "PASS"
