#!/usr/bin/env bash
# End to end, the serving shell of `pedia binding-apiserver` and
# `pedia apiserver` as an operator meets it:
#   - --tls-cert-file/--tls-private-key-file are what clients see; a key that
#     does not match the certificate stops start-up with a clear error;
#   - without them a self-signed pair is made in --cert-dir once and reused
#     on restart;
#   - --anonymous-auth serves requests without credentials as
#     system:anonymous and warns about it;
#   - non-GET methods get a 405 Status;
#   - SIGTERM exits 0 promptly with a clean log, even with a watch open.
# Time limits here are liveness bounds only (a hang fails, slowness does not).
# Uses the MariaDB of tests/run (PEDIA_TEST_MYSQL_*) for `pedia apiserver`,
# or starts one.
# Usage: apiserver_serving.sh path/to/pedia path/to/kubesim SOURCE_ROOT
set -euo pipefail
pedia=$1
kubesim=$2
src=$3
T=$(mktemp -d /tmp/pedia-e2e-serving-XXXXXX)
pids=()
current_log=
fail() {
  echo "FAIL: $*"
  [[ -n $current_log && -f $current_log ]] && { echo "--- $current_log (tail)"; tail -20 "$current_log"; }
  exit 1
}
lib=$(cd "$(dirname "${BASH_SOURCE[0]}")/../lib" && pwd)
source "$lib/e2e.sh"
trap e2e_cleanup EXIT

# stop_clean PID LOG: SIGTERM, then the process must exit 0 within 10 s
# (liveness), having logged no error and its last words.
stop_clean() {
  local pid=$1 log=$2
  kill -TERM "$pid"
  local i
  for i in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$pid" 2>/dev/null && fail "pid $pid still running 10 s after SIGTERM"
  local rc=0
  wait "$pid" || rc=$?
  [[ $rc == 0 ]] || fail "exit status $rc after SIGTERM (want 0)"
  if grep -E '^[EF][0-9]{4} ' "$log"; then fail "errors logged during the run or shutdown"; fi
  grep -q '"apiserver stopped"' "$log" || fail "no \"apiserver stopped\" in the log"
}

# --- certificates: a CA, a serving pair for 127.0.0.1 signed by it, and a
# key that belongs to nothing.
pki=$T/pki-own
mkdir -p "$pki"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$pki/ca.key" -out "$pki/ca.crt" -days 2 \
  -subj "/CN=serving-test-ca" >/dev/null 2>&1
openssl req -newkey rsa:2048 -nodes -keyout "$pki/server.key" -out "$pki/server.csr" \
  -subj "/CN=pedia-serving-test" >/dev/null 2>&1
printf 'subjectAltName=IP:127.0.0.1\n' >"$pki/san.ext"
openssl x509 -req -in "$pki/server.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial \
  -out "$pki/server.crt" -days 2 -extfile "$pki/san.ext" >/dev/null 2>&1
openssl genrsa -out "$pki/other.key" 2048 >/dev/null 2>&1

# --- a member cluster to serve something from.
"$kubesim" --clusters 1 --pods-per-cluster 5 --tls --token sim-token --ca-out "$T/sim-pki" \
  --state-file "$T/state.json" >"$T/kubesim.log" 2>&1 &
pids+=($!)
wait_file 100 "$T/state.json" || fail "kubesim did not start"
"$lib/pediaclusters.py" "$T/state.json" "$T/sim-pki/ca.crt" sim-token "$T/clusters.yaml" --sync-resources ':pods'

# --- 1. own certificate, anonymous auth, 405, watch open at SIGTERM.
port=$(free_port)
base=https://127.0.0.1:$port
current_log=$T/binding.log
"$pedia" binding-apiserver --cluster-config "$T/clusters.yaml" --bind-address 127.0.0.1 --secure-port "$port" \
  --cert-dir "$T/unused-certs" --tls-cert-file "$pki/server.crt" --tls-private-key-file "$pki/server.key" \
  --anonymous-auth=true -v=2 >"$current_log" 2>&1 &
pid=$!
pids+=($pid)
a() { curl -sS --cacert "$pki/ca.crt" "$@"; }  # verifies against our CA: the served certificate is ours
wait_url 100 "$base/readyz" --cacert "$pki/ca.crt" || fail "binding-apiserver did not become ready with --tls-cert-file"
[[ ! -e $T/unused-certs/apiserver.crt ]] || fail "a self-signed pair was made although --tls-cert-file was given"
grep -q -- '--anonymous-auth is on' "$current_log" || fail "no warning about --anonymous-auth"
pods=0
for _ in $(seq 100); do
  pods=$(a "$base/apis/clusterpedia.io/v1beta1/resources/api/v1/pods" |
    python3 -c 'import json,sys; print(len(json.load(sys.stdin).get("items", [])))' 2>/dev/null || echo 0)
  [[ $pods -gt 0 ]] && break
  sleep 0.2
done
[[ $pods -gt 0 ]] || fail "anonymous list of pods returned no items"
grep -q 'user="system:anonymous"' "$current_log" || fail "the request log does not show user system:anonymous"
for method in POST PUT PATCH DELETE; do
  out=$(a -X "$method" -w ' %{http_code}' "$base/apis/clusterpedia.io/v1beta1/resources/api/v1/namespaces/default/pods/x")
  [[ $out == *'"reason":"MethodNotAllowed"'*' 405' ]] || fail "$method answered: $out"
done
a -N "$base/apis/clusterpedia.io/v1beta1/resources/api/v1/pods?watch=true&allowWatchBookmarks=true" \
  >"$T/watch.out" 2>/dev/null &
watch_pid=$!
pids+=($watch_pid)
for _ in $(seq 50); do grep -q '"ADDED"' "$T/watch.out" && break; sleep 0.1; done
grep -q '"ADDED"' "$T/watch.out" || fail "the watch did not start"
stop_clean "$pid" "$current_log"
for _ in $(seq 50); do kill -0 "$watch_pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$watch_pid" 2>/dev/null && fail "the watch stream was not ended by the shutdown"
echo "ok: own certificate, anonymous auth, 405, clean SIGTERM with a watch open"

# --- 2. a key that does not match the certificate.
current_log=$T/mismatch.log
rc=0
timeout 10 "$pedia" binding-apiserver --cluster-config "$T/clusters.yaml" --bind-address 127.0.0.1 \
  --secure-port "$(free_port)" --tls-cert-file "$pki/server.crt" --tls-private-key-file "$pki/other.key" \
  >"$current_log" 2>&1 || rc=$?
[[ $rc != 0 && $rc != 124 ]] || fail "a mismatched key pair gave exit status $rc (want a prompt failure)"
grep -q 'cannot load TLS certificate or key' "$current_log" || fail "no clear error for a mismatched key pair"
grep -q "HINT: check that $pki/server.crt and $pki/other.key" "$current_log" || fail "the error names no files"
rc=0
timeout 10 "$pedia" binding-apiserver --cluster-config "$T/clusters.yaml" --bind-address 127.0.0.1 \
  --secure-port "$(free_port)" --tls-cert-file "$pki/server.crt" >"$current_log" 2>&1 || rc=$?
[[ $rc != 0 && $rc != 124 ]] || fail "--tls-cert-file alone gave exit status $rc"
grep -q -- '--tls-cert-file and --tls-private-key-file go together' "$current_log" || fail "no clear error for a lone cert"
echo "ok: mismatched and incomplete key pairs are refused"

# --- 3. the self-signed pair in --cert-dir is made once and reused.
for round in 1 2; do
  port=$(free_port)
  current_log=$T/selfsigned-$round.log
  "$pedia" binding-apiserver --cluster-config "$T/clusters.yaml" --bind-address 127.0.0.1 --secure-port "$port" \
    --cert-dir "$T/certs" --anonymous-auth=true >"$current_log" 2>&1 &
  pid=$!
  pids+=($pid)
  wait_url 100 "https://127.0.0.1:$port/readyz" --cacert "$T/certs/apiserver.crt" ||
    fail "round $round: not ready with the self-signed certificate"
  sums[$round]=$(sha256sum "$T/certs/apiserver.crt" "$T/certs/apiserver.key" | cut -d' ' -f1 | tr '\n' ' ')
  stop_clean "$pid" "$current_log"
done
grep -q 'generated a self-signed serving certificate' "$T/selfsigned-1.log" || fail "round 1 did not generate a pair"
grep -q 'using the self-signed serving certificate' "$T/selfsigned-2.log" || fail "round 2 did not reuse the pair"
[[ ${sums[1]} == "${sums[2]}" ]] || fail "the pair in --cert-dir changed on restart"
echo "ok: the self-signed pair is reused on restart"

# --- 4. `pedia apiserver` over MariaDB stops as cleanly.
e2e_mariadb_config "pedia_e2e_serving_$$" "$T/storage.yaml" || fail "cannot start MariaDB"
port=$(free_port)
current_log=$T/apiserver.log
"$pedia" apiserver --storage-name internal --storage-config "$T/storage.yaml" --bind-address 127.0.0.1 \
  --secure-port "$port" --cert-dir "$T/certs" --anonymous-auth=true >"$current_log" 2>&1 &
pid=$!
pids+=($pid)
wait_url 150 "https://127.0.0.1:$port/readyz" --cacert "$T/certs/apiserver.crt" || fail "apiserver did not become ready"
curl -sS --cacert "$T/certs/apiserver.crt" -o /dev/null "https://127.0.0.1:$port/apis"
stop_clean "$pid" "$current_log"
echo "ok: pedia apiserver exits 0 on SIGTERM"
