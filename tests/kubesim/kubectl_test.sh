#!/usr/bin/env bash
# Checks kubesim with the real kubectl over TLS, with a bearer token and with
# a client certificate.  Usage: kubectl_test.sh path/to/kubesim
set -euo pipefail
kubesim=$1
command -v kubectl >/dev/null || { echo "kubectl is not installed"; exit 1; }
T=$(mktemp -d /tmp/kubesim-kubectl-XXXXXX)
pid=
cleanup() {
  [[ -n $pid ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$T"
}
stop_kubesim() {  # a clean exit is part of the test (sanitizer builds report here)
  kill "$pid"
  local rc=0
  wait "$pid" || rc=$?
  pid=
  [[ $rc == 0 ]] || { tail -50 "$T/kubesim.log"; fail "kubesim exited with $rc"; }
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$kubesim" --clusters 2 --pods-per-cluster 40 --tls --token test-token --client-cert-auth \
  --ca-out "$T/pki" --kubeconfig-dir "$T/kc" --state-file "$T/state.json" --bookmark-interval 1 \
  >"$T/kubesim.log" 2>&1 &
pid=$!
for _ in $(seq 100); do [[ -f $T/state.json ]] && break; sleep 0.1; done
[[ -f $T/state.json ]] || { cat "$T/kubesim.log"; fail "kubesim did not start"; }

export KUBECONFIG=$T/kc/cluster-0.kubeconfig
k() { kubectl --cache-dir "$T/cache" "$@"; }

echo "--- get pods -A (token)"
[[ $(k get pods -A --no-headers | wc -l) == 40 ]] || fail "expected 40 pods"
echo "--- -l"
[[ $(k get pods -A -l app=app-0001 --no-headers | wc -l) == 10 ]] || fail "label selector"
[[ $(k get pods -A -l 'tier in (frontend),app!=app-0000' --no-headers | wc -l) == 10 ]] || fail "set-based selector"
echo "--- --field-selector"
name=$(k get pods -n ns-00 -o jsonpath='{.items[0].metadata.name}')
out=$(k get pods -A --field-selector "metadata.name=$name" --no-headers)
[[ $(wc -l <<<"$out") == 1 && $out == *"$name"* ]] || fail "field selector: $out"
[[ $(k get pods -A --field-selector metadata.namespace=ns-01 --no-headers | wc -l) == 10 ]] || fail "namespace field"

echo "--- owner chain Deployment -> ReplicaSet -> Pod"
k get pods -n ns-00 -o json >"$T/pods.json"
k get rs -n ns-00 -o json >"$T/rs.json"
k get deploy -n ns-00 -o json >"$T/deploy.json"
python3 - "$T" <<'EOF'
import json, sys
t = sys.argv[1]
pods, rs, dep = (json.load(open(f"{t}/{n}.json"))["items"] for n in ("pods", "rs", "deploy"))
rs_uids = {r["metadata"]["uid"]: r for r in rs}
dep_uids = {d["metadata"]["uid"] for d in dep}
for p in pods:
    ref = p["metadata"]["ownerReferences"][0]
    assert ref["controller"] and ref["uid"] in rs_uids, p["metadata"]["name"]
    owner = rs_uids[ref["uid"]]["metadata"]["ownerReferences"][0]
    assert owner["kind"] == "Deployment" and owner["uid"] in dep_uids
    assert len(json.dumps(p)) > 1800
EOF

echo "--- apply, -o json / -o yaml, get -w, delete"
cat >"$T/cm.yaml" <<'EOF'
apiVersion: v1
kind: ConfigMap
metadata:
  name: demo
  namespace: ns-00
  labels:
    purpose: kubectl-test
data:
  greeting: hello
EOF
k apply -f "$T/cm.yaml" | grep -q "configmap/demo created" || fail "apply create"
k get cm demo -n ns-00 -o json >"$T/cm.json"
python3 - "$T/cm.json" <<'EOF'
import json, sys
cm = json.load(open(sys.argv[1]))
assert cm["data"] == {"greeting": "hello"}, cm["data"]
assert cm["metadata"]["labels"] == {"purpose": "kubectl-test"}
assert cm["metadata"]["namespace"] == "ns-00" and cm["metadata"]["uid"]
assert "kubectl.kubernetes.io/last-applied-configuration" in cm["metadata"]["annotations"]
EOF
k get cm demo -n ns-00 -o yaml >"$T/cm.out.yaml"
grep -q "^  greeting: hello$" "$T/cm.out.yaml" || fail "-o yaml data"
grep -q "^    purpose: kubectl-test$" "$T/cm.out.yaml" || fail "-o yaml labels"

k get cm -n ns-00 -w --output-watch-events -o json >"$T/watch.out" 2>&1 &
watch_pid=$!
sleep 1
sed -i 's/hello/goodbye/' "$T/cm.yaml"
k apply -f "$T/cm.yaml" | grep -q "configmap/demo configured" || fail "apply update"
for _ in $(seq 50); do grep -q '"MODIFIED"' "$T/watch.out" && break; sleep 0.1; done
kill $watch_pid 2>/dev/null || true
wait $watch_pid 2>/dev/null || true
grep -q '"MODIFIED"' "$T/watch.out" || { cat "$T/watch.out"; fail "get -w saw no change"; }
grep -q '"goodbye"' "$T/watch.out" || fail "watch event without the new data"
[[ $(k get cm demo -n ns-00 -o jsonpath='{.data.greeting}') == goodbye ]] || fail "updated value"
k delete -f "$T/cm.yaml" | grep -q 'configmap "demo" deleted' || fail "delete"
if k get cm demo -n ns-00 2>"$T/err"; then fail "deleted object still there"; fi
grep -q 'NotFound' "$T/err" || fail "expected NotFound: $(cat "$T/err")"

echo "--- apply a Deployment (strategic merge patch on update)"
cat >"$T/deploy.yaml" <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: ns-01
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:1.25
        ports: [{containerPort: 80}]
EOF
k apply -f "$T/deploy.yaml" | grep -q "deployment.apps/web created" || fail "apply deployment"
sed -i 's/nginx:1.25/nginx:1.27/; s/replicas: 2/replicas: 3/' "$T/deploy.yaml"
k apply -f "$T/deploy.yaml" | grep -q "deployment.apps/web configured" || fail "re-apply deployment"
[[ $(k get deploy web -n ns-01 -o jsonpath='{.spec.template.spec.containers[0].image} {.spec.replicas} {.metadata.generation}') == "nginx:1.27 3 2" ]] ||
  fail "deployment after apply: $(k get deploy web -n ns-01 -o json)"

echo "--- CRD served under every version"
cat >"$T/crd.yaml" <<'EOF'
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wd]}
  versions:
  - name: v1
    served: true
    storage: true
    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
  - name: v1beta1
    served: true
    storage: false
    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
EOF
k apply -f "$T/crd.yaml" | grep -q "created" || fail "apply CRD"
cat >"$T/widget.yaml" <<'EOF'
apiVersion: example.com/v1
kind: Widget
metadata: {name: w1, namespace: ns-02}
spec: {size: 3}
EOF
k apply -f "$T/widget.yaml" | grep -q "widget.example.com/w1 created" || fail "apply custom resource"
[[ $(k get widgets.v1beta1.example.com w1 -n ns-02 -o jsonpath='{.apiVersion} {.spec.size}') == "example.com/v1beta1 3" ]] ||
  fail "v1beta1 view"
k api-resources >"$T/api-resources"
for r in pods deployments replicasets statefulsets daemonsets customresourcedefinitions widgets; do
  grep -q "^$r " "$T/api-resources" || fail "api-resources lacks $r"
done

echo "--- client certificate"
[[ $(KUBECONFIG=$T/kc/cluster-0-cert.kubeconfig k get ns --no-headers | wc -l) == 13 ]] || fail "client cert"
echo "--- bad token is Unauthorized"
if k --token wrong get ns 2>"$T/err"; then fail "a wrong token was accepted"; fi
grep -q Unauthorized "$T/err" || fail "expected Unauthorized: $(cat "$T/err")"
echo "--- clusters are separate"
[[ $(KUBECONFIG=$T/kc/cluster-1.kubeconfig k get cm -A --no-headers | grep -c demo || true) == 0 ]] || fail "cluster-1 shares data"
[[ $(KUBECONFIG=$T/kc/cluster-1.kubeconfig k get crd --no-headers 2>/dev/null | wc -l) == 0 ]] || fail "cluster-1 has the CRD"
stop_kubesim
echo "PASS"
