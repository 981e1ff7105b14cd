#!/usr/bin/env bash
# End to end: real kubectl over TLS with a client certificate against
# `pedia binding-apiserver` (memory storage) syncing two kubesim clusters.
# Usage: apiserver_kubectl.sh path/to/pedia path/to/kubesim
set -euo pipefail
pedia=$1
kubesim=$2
command -v kubectl >/dev/null || { echo "kubectl is not installed"; exit 1; }
T=$(mktemp -d /tmp/pedia-e2e-apiserver-XXXXXX)
pids=()
fail() {
  echo "FAIL: $*"
  echo "--- pedia log (tail)"; tail -20 "$T/pedia.log" || true
  exit 1
}
lib=$(cd "$(dirname "${BASH_SOURCE[0]}")/../lib" && pwd)
source "$lib/e2e.sh"
trap e2e_cleanup EXIT

"$kubesim" --clusters 2 --pods-per-cluster 20 --tls --token sim-token --client-cert-auth \
  --ca-out "$T/pki" --kubeconfig-dir "$T/kc" --state-file "$T/state.json" >"$T/kubesim.log" 2>&1 &
pids+=($!)
wait_file 100 "$T/state.json" || { cat "$T/kubesim.log"; fail "kubesim did not start"; }

# A custom resource with printer columns in cluster-0, before pedia starts.
cat >"$T/crd.yaml" <<'YAML'
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.io
spec:
  group: example.io
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, listKind: WidgetList}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
    additionalPrinterColumns:
    - {name: Size, type: integer, jsonPath: .spec.size}
    - {name: Color, type: string, jsonPath: .spec.color, priority: 1}
YAML
cat >"$T/widget.yaml" <<'YAML'
apiVersion: example.io/v1
kind: Widget
metadata: {name: w1, namespace: ns-00}
spec: {size: 7, color: blue}
YAML
ksim() { kubectl --kubeconfig "$T/kc/cluster-0.kubeconfig" --cache-dir "$T/cache-sim" "$@"; }
ksim apply -f "$T/crd.yaml" >/dev/null
for _ in $(seq 50); do ksim apply -f "$T/widget.yaml" >/dev/null 2>&1 && break; sleep 0.2; done

# PediaCluster manifests for the synchro, one per kubesim cluster.
"$lib/pediaclusters.py" "$T/state.json" "$T/pki/ca.crt" sim-token "$T/clusters.yaml" \
  --sync-resources ':pods,namespaces,configmaps,nodes,services' --sync-resources 'apps:*' \
  --sync-resources 'example.io:widgets'

port=$(free_port)
echo 'e2e-token,alice,1000,"viewers,ops"' >"$T/tokens.csv"
"$pedia" binding-apiserver --cluster-config "$T/clusters.yaml" --bind-address 127.0.0.1 --secure-port "$port" \
  --cert-dir "$T/certs" --client-ca-file "$T/pki/ca.crt" --token-auth-file "$T/tokens.csv" -v=2 \
  >"$T/pedia.log" 2>&1 &
pids+=($!)
base=https://127.0.0.1:$port
c() { curl -sS --cacert "$T/certs/apiserver.crt" --cert "$T/pki/client.crt" --key "$T/pki/client.key" "$@"; }
wait_url 100 "$base/readyz" --cacert "$T/certs/apiserver.crt" --cert "$T/pki/client.crt" \
  --key "$T/pki/client.key" || true
[[ $(c -o /dev/null -w '%{http_code}' "$base/readyz") == 200 ]] || fail "pedia did not become ready"

"$pedia" kubeconfig --server "$base" --clusters cluster-0,cluster-1 --certificate-authority "$T/certs/apiserver.crt" \
  --client-certificate "$T/pki/client.crt" --client-key "$T/pki/client.key" >"$T/kubeconfig"
export KUBECONFIG=$T/kubeconfig
k() { kubectl --cache-dir "$T/cache" "$@"; }
R=/apis/clusterpedia.io/v1beta1/resources

echo "--- waiting for the synchro"
for _ in $(seq 100); do
  n=$(k get pods -A --no-headers 2>/dev/null | wc -l)
  [[ $n == 40 ]] && break
  sleep 0.2
done
[[ $n == 40 ]] || fail "expected 40 synced pods, saw $n"

echo "--- kubectl get pods -A (Table with CLUSTER and kubectl's columns)"
k get pods -A >"$T/table.out"
header=$(head -1 "$T/table.out")
[[ $header =~ ^NAMESPACE\ +CLUSTER\ +NAME\ +READY\ +STATUS\ +RESTARTS\ +AGE$ ]] || fail "header: $header"
[[ $(k get pods -A --no-headers | awk '{print $2}' | sort -u | tr '\n' ' ') == "cluster-0 cluster-1 " ]] ||
  fail "both clusters"

echo "--- -l and --field-selector"
[[ $(k get pods -A -l app=app-0001 --no-headers | wc -l) == 20 ]] || fail "label selector"
[[ $(k get pods -A -l 'app in (app-0000),search.clusterpedia.io/clusters=cluster-1' --no-headers | wc -l) == 10 ]] ||
  fail "search label clusters"
[[ $(k get pods -A --field-selector metadata.namespace=ns-01 --no-headers | wc -l) == 20 ]] || fail "namespace field"
[[ $(k get pods -A --field-selector status.phase=Running --no-headers | wc -l) == 40 ]] || fail "enhanced field selector"
[[ $(k get pods -A --field-selector 'status.phase!=Running' --no-headers 2>/dev/null | wc -l) == 0 ]] || fail "!= field"

echo "--- kubectl --cluster <one> through pedia kubeconfig"
out=$(k --cluster cluster-1 get pods -A --no-headers)
[[ $(wc -l <<<"$out") == 20 && $(awk '{print $2}' <<<"$out" | sort -u) == cluster-1 ]] || fail "--cluster cluster-1"
name=$(awk 'NR==1{print $3}' <<<"$out")
[[ $(k --cluster cluster-1 get pod -n ns-00 "$name" -o name) == "pod/$name" ]] || fail "get one pod in one cluster"

echo "--- bearer token from --token-auth-file, through pedia kubeconfig --token"
"$pedia" kubeconfig --server "$base" --clusters cluster-0 --certificate-authority "$T/certs/apiserver.crt" \
  --token e2e-token >"$T/token-kubeconfig"
[[ $(kubectl --kubeconfig "$T/token-kubeconfig" --cache-dir "$T/cache-token" --cluster cluster-0 get pods -A \
  --no-headers | wc -l) == 20 ]] || fail "token kubeconfig"
grep -q 'user="alice"' "$T/pedia.log" || fail "token user not logged at -v=2"

echo "--- -o json, -o yaml, -o wide"
k get pods -A -o json >"$T/pods.json"
python3 - "$T/pods.json" <<'PY'
import json, sys
l = json.load(open(sys.argv[1]))
assert l["kind"] == "List" and len(l["items"]) == 40, (l["kind"], len(l["items"]))
clusters = {i["metadata"]["annotations"]["shadow.clusterpedia.io/cluster-name"] for i in l["items"]}
assert clusters == {"cluster-0", "cluster-1"}, clusters
assert all(i["kind"] == "Pod" and i["spec"]["containers"] for i in l["items"])
PY
k get pods -n ns-00 -o yaml >"$T/pods.yaml"
grep -q "shadow.clusterpedia.io/cluster-name: cluster-0" "$T/pods.yaml" || fail "-o yaml"
k get pods -A -o wide >"$T/wide.out"
wide=$(head -1 "$T/wide.out")
[[ $wide == *"IP"*"NODE"*"NOMINATED NODE"*"READINESS GATES"* ]] || fail "-o wide header: $wide"
k get deploy -A >"$T/deploy.out"
[[ $(head -1 "$T/deploy.out") =~ CLUSTER\ +NAME\ +READY\ +UP-TO-DATE\ +AVAILABLE\ +AGE ]] || fail "deployments"

echo "--- a custom resource's additionalPrinterColumns"
k get widgets -A >"$T/widgets.out" 2>&1 || { cat "$T/widgets.out"; fail "get widgets"; }
[[ $(head -1 "$T/widgets.out") =~ ^NAMESPACE\ +CLUSTER\ +NAME\ +SIZE$ ]] || fail "widget columns: $(cat "$T/widgets.out")"
grep -Eq '^ns-00 +cluster-0 +w1 +7$' "$T/widgets.out" || fail "widget row: $(cat "$T/widgets.out")"
k get widgets -A -o wide >"$T/widgets-wide.out"
grep -Eq 'w1 +7 +blue$' "$T/widgets-wide.out" || fail "widget wide column: $(cat "$T/widgets-wide.out")"

echo "--- kubectl get --raw for each search parameter"
raw() { k get --raw "$1"; }
count() { python3 -c 'import json,sys; print(len(json.load(sys.stdin)["items"]))'; }
[[ $(raw "$R/api/v1/pods?clusters=cluster-0" | count) == 20 ]] || fail "clusters="
[[ $(raw "$R/api/v1/pods?namespaces=ns-00,ns-01&clusters=cluster-1" | count) == 20 ]] || fail "namespaces="
name0=$(awk '$2=="cluster-0"{print $3; exit}' "$T/table.out")
[[ $(raw "$R/api/v1/pods?names=$name,$name0" | count) == 2 ]] || fail "names="
first=$(raw "$R/api/v1/pods?orderby=name%20desc&limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["metadata"]["name"])')
last=$(k get pods -A --no-headers | awk '{print $3}' | sort | tail -1)
[[ $first == "$last" ]] || fail "orderby desc: $first vs $last"
raw "$R/api/v1/pods?limit=15&withContinue=true&withRemainingCount=true" >"$T/page1.json"
python3 - "$T/page1.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
assert len(p["items"]) == 15 and p["metadata"]["continue"] and p["metadata"]["remainingItemCount"] == 25, p["metadata"]
PY
token=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["metadata"]["continue"])' "$T/page1.json")
[[ $(raw "$R/api/v1/pods?limit=100&continue=$token" | count) == 25 ]] || fail "continue"
[[ $(raw "$R/api/v1/pods?limit=100&continue=30" | count) == 10 ]] || fail "integer continue offset"
raw "$R/api/v1/pods?onlyMetadata=true&limit=1" | python3 -c '
import json,sys; i=json.load(sys.stdin)["items"][0]; assert "spec" not in i and i["metadata"]["name"], i' ||
  fail "onlyMetadata"
[[ $(raw "$R/api/v1/pods?since=2000-01-01&before=2100-01-01" | count) == 40 ]] || fail "since/before dates"
[[ $(raw "$R/api/v1/pods?since=4102444800" | count) == 0 ]] || fail "since unix seconds"
[[ $(raw "$R/api/v1/pods?before=2000-01-01T00:00:00Z" | count) == 0 ]] || fail "before RFC 3339"
[[ $(raw "$R/api/v1/pods?since=2000-01-01%2000:00:00" | count) == 40 ]] || fail "since datetime"
rs_uid=$(k --cluster cluster-0 get rs -n ns-00 -o jsonpath='{.items[0].metadata.uid}')
[[ $(raw "$R/clusters/cluster-0/api/v1/pods?ownerUID=$rs_uid" | count) == 10 ]] || fail "ownerUID"
[[ $(raw "$R/clusters/cluster-0/api/v1/pods?ownerName=app-0000&ownerGR=deployments.apps&ownerSeniority=1" | count) == 10 ]] ||
  fail "ownerName with seniority"
[[ $(raw "$R/api/v1/pods?labelSelector=internalstorage.clusterpedia.io/fuzzy-name%3Dapp-0001" | count) == 20 ]] ||
  fail "fuzzy name"

echo "--- --chunk-size paging"
[[ $(k get pods -A --chunk-size 7 -l search.clusterpedia.io/with-continue=true --no-headers | wc -l) == 40 ]] ||
  fail "chunked list"
grep -q 'limit=7' "$T/pedia.log" || fail "kubectl did not page"

echo "--- kubectl get -w sees a change made in kubesim"
k get configmaps -n ns-00 -w >"$T/watch.out" 2>&1 &
watch_pid=$!
sleep 1.5
ksim -n ns-00 create configmap e2e-watched --from-literal=a=b >/dev/null
for _ in $(seq 50); do grep -q e2e-watched "$T/watch.out" && break; sleep 0.2; done
kill "$watch_pid" 2>/dev/null || true
grep -q "cluster-0 *e2e-watched" "$T/watch.out" || { cat "$T/watch.out"; fail "watch did not see the new configmap"; }

echo "--- api-resources and pediaclusters"
k api-resources >"$T/api-resources"
grep -Eq '^pods +po +v1 +true +Pod' "$T/api-resources" || fail "api-resources pods"
grep -Eq '^deployments +deploy +apps/v1 +true +Deployment' "$T/api-resources" || fail "api-resources deployments"
grep -q pediaclusters "$T/api-resources" || fail "api-resources pediaclusters"
pc=$(k get pediaclusters)
[[ $(head -1 <<<"$pc") =~ NAME\ +READY\ +VERSION\ +APISERVER ]] || fail "pediaclusters header: $pc"
grep -Eq '^cluster-0 +True +v1\.[0-9]+' <<<"$pc" || fail "pediacluster row: $pc"

echo "--- negative: bad parameter, no credentials, unknown cluster"
code=$(c -o "$T/bad.json" -w '%{http_code}' "$base$R/api/v1/pods?limit=abc")
[[ $code == 400 ]] || fail "bad limit gave $code"
python3 - "$T/bad.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
assert s["kind"] == "Status" and s["code"] == 400 and '"limit"' in s["message"], s
PY
[[ $(c -o /dev/null -w '%{http_code}' "$base$R/api/v1/pods?orderby=name;drop") == 400 ]] || fail "orderby whitelist"
[[ $(c -o /dev/null -w '%{http_code}' "$base$R/api/v1/pods?labelSelector=a%20in%20(b") == 422 ]] || fail "bad selector"
code=$(curl -sS --cacert "$T/certs/apiserver.crt" -o "$T/unauth.json" -w '%{http_code}' "$base$R/api/v1/pods")
[[ $code == 401 ]] || fail "no credentials gave $code"
grep -q '"reason":"Unauthorized"' "$T/unauth.json" || fail "401 Status body"
code=$(curl -sS --cacert "$T/certs/apiserver.crt" -H "Authorization: Bearer wrong" -o /dev/null -w '%{http_code}' \
  "$base$R/api/v1/pods")
[[ $code == 401 ]] || fail "wrong token gave $code"
if k --server "$base$R/clusters/nope" get pods -A >"$T/nope.out" 2>&1; then fail "unknown cluster accepted"; fi
[[ $(c -o /dev/null -w '%{http_code}' "$base$R/clusters/nope/api/v1/pods") == 404 ]] || fail "unknown cluster code"
echo "PASS"
