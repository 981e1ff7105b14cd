#!/usr/bin/env bash
# bench/apiserver: wrk against the real handler and against a static buffer
# holding the same bytes, in the same run (see bench/README.md).
# Usage: bench/apiserver/run.sh build/bench/apiserver_bench [seconds]
set -euo pipefail
bench=$1
secs=${2:-10}
T=$(mktemp -d /tmp/pedia-bench-apiserver-XXXXXX)
pid=
cleanup() { [[ -n $pid ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
"$bench" --clusters 10 --pods 100000 >"$T/out" 2>"$T/err" &
pid=$!
for _ in $(seq 600); do grep -q '^api-port' "$T/out" && break; sleep 0.2; done
cat "$T/out"
read -r _ api _ static < <(grep '^api-port' "$T/out")
run() {  # name port target
  wrk -t2 -c16 -d"${secs}s" --latency "http://127.0.0.1:$2$3" >"$T/$1.wrk"
  local rps p50 p99
  rps=$(awk '/Requests\/sec/ {print $2}' "$T/$1.wrk")
  p50=$(awk '$1=="50%" {print $2}' "$T/$1.wrk")
  p99=$(awk '$1=="99%" {print $2}' "$T/$1.wrk")
  echo "$1: req/s $rps p50 $p50 p99 $p99"
  eval "${1}_rps=$rps"
}
ratio() { python3 -c "import sys; s1,a1,s2,a2=map(float,sys.argv[1:]); print(f'ratio api/static: run1 {a1/s1:.2f}, run2 {a2/s2:.2f}, overall {(a1+a2)/(s1+s2):.2f}')" "$@"; }
for t in 'tier%3Dfrontend' 'app%3Dapp-42'; do
  target="/api/v1/pods?limit=500&labelSelector=$t"
  echo "--- $target"
  run static "$static" "$target"
  run api "$api" "$target"
  run static2 "$static" "$target"
  run api2 "$api" "$target"
  ratio "$static_rps" "$api_rps" "$static2_rps" "$api2_rps"
done
echo "--- one list of 10,000 pods over HTTP (curl, 7 runs)"
for _ in $(seq 7); do
  curl -s -o /dev/null -w '%{time_total}\n' "http://127.0.0.1:$api/api/v1/pods?clusters=cluster-0&limit=10000"
done | sort -n | awk '{a[NR]=$1} END {printf "median %.1f ms, min %.1f ms, max %.1f ms\n", a[int((NR+1)/2)]*1000, a[1]*1000, a[NR]*1000}'
