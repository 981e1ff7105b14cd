#!/usr/bin/env bash
# The pedia demo: three simulated member clusters (tests/kubesim) synced by
# `pedia binding-apiserver` into memory storage, searched with real kubectl
# over TLS with a client certificate.
#
# Usage: scripts/demo.sh [--clusters N] [--pods N] [--no-wait]
#   Installs packages (when run as root), builds, starts everything on
#   127.0.0.1, runs a few searches, then keeps running until Ctrl-C so you can
#   try your own kubectl commands (--no-wait exits after the searches).
set -euo pipefail
cd "$(dirname "$0")/.."
clusters=3 pods=300 wait=1
while (($#)); do
  case $1 in
    --clusters) clusters=$2; shift 2 ;;
    --pods) pods=$2; shift 2 ;;
    --no-wait) wait=0; shift ;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "demo.sh: unknown argument \"$1\" (see --help)" >&2; exit 2 ;;
  esac
done

if [[ $(id -u) == 0 ]] && ! command -v meson >/dev/null; then
  echo "--- installing packages"
  scripts/install-deps.sh
fi
echo "--- building"
[[ -f build/build.ninja ]] || meson setup build >/dev/null
ninja -C build pedia tests/kubesim/kubesim >/dev/null

T=$(mktemp -d /tmp/pedia-demo-XXXXXX)
pids=() pedia_pid=
source tests/lib/e2e.sh
trap e2e_cleanup EXIT
trap 'exit 0' INT TERM

echo "--- starting $clusters simulated clusters with $pods pods each"
build/tests/kubesim/kubesim --clusters "$clusters" --pods-per-cluster "$pods" --tls --token demo-token \
  --client-cert-auth --ca-out "$T/pki" --state-file "$T/state.json" >"$T/kubesim.log" 2>&1 &
pids+=($!)
wait_file 300 "$T/state.json" || { cat "$T/kubesim.log"; echo "demo: kubesim did not start" >&2; exit 1; }

tests/lib/pediaclusters.py "$T/state.json" "$T/pki/ca.crt" demo-token "$T/clusters.yaml" \
  --sync-resources ':pods,namespaces,nodes,services,configmaps' --sync-resources 'apps:*'

port=$(free_port)
echo "--- starting pedia binding-apiserver on https://127.0.0.1:$port"
build/pedia binding-apiserver --cluster-config "$T/clusters.yaml" --bind-address 127.0.0.1 --secure-port "$port" \
  --cert-dir "$T/certs" --client-ca-file "$T/pki/ca.crt" >"$T/pedia.log" 2>&1 &
pedia_pid=$!
pids+=("$pedia_pid")
base=https://127.0.0.1:$port
wait_url 300 "$base/readyz" --cacert "$T/certs/apiserver.crt" --cert "$T/pki/client.crt" \
  --key "$T/pki/client.key" || true
names=$(python3 -c 'import json,sys; print(",".join(c["name"] for c in json.load(open(sys.argv[1]))["clusters"]))' "$T/state.json")
build/pedia kubeconfig --server "$base" --clusters "$names" --certificate-authority "$T/certs/apiserver.crt" \
  --client-certificate "$T/pki/client.crt" --client-key "$T/pki/client.key" >"$T/kubeconfig"
export KUBECONFIG=$T/kubeconfig
k() { kubectl --cache-dir "$T/cache" "$@"; }

want=$((clusters * pods))
echo "--- waiting until all $want pods are synced"
for _ in $(seq 300); do
  n=$(k get pods -A --no-headers 2>/dev/null | wc -l) || n=0
  [[ $n -ge $want ]] && break
  sleep 0.2
done
first=${names%%,*}
run() { echo; echo "\$ kubectl $*"; k "$@" 2>&1 | sed -n 1,8p; }
run get pediaclusters
run get pods -A
run get deployments -A -l team=team-1
run --cluster "$first" get pods -n ns-01 -o wide
run get --raw "/apis/clusterpedia.io/v1beta1/resources/api/v1/pods?limit=2&clusters=$first&onlyMetadata=true"
echo
echo "pedia serves $want pods from $clusters clusters."
if ((wait)); then
  echo "Try it yourself, in another shell:"
  echo "  export KUBECONFIG=$T/kubeconfig"
  echo "  kubectl get pods -A --chunk-size=100        # every cluster"
  echo "  kubectl --cluster $first get deploy -A      # one cluster"
  echo "Press Ctrl-C to stop."
  wait "$pedia_pid"
fi
