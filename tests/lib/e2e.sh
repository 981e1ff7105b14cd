# Shell helpers shared by the e2e tests and scripts/demo.sh.  Source it:
#   source "$(dirname "${BASH_SOURCE[0]}")/../lib/e2e.sh"

# Prints a free TCP port on 127.0.0.1.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# wait_file TRIES FILE: polls every 0.1 s, up to TRIES times, until FILE exists.
# Returns 1 when it never appeared.
wait_file() {
  local tries=$1 file=$2
  for _ in $(seq "$tries"); do
    [[ -f $file ]] && return 0
    sleep 0.1
  done
  [[ -f $file ]]
}

# wait_url TRIES URL [CURL_ARGS...]: polls URL every 0.1 s, up to TRIES times,
# until it answers 2xx (e.g. /readyz).  CURL_ARGS may name files (--cacert) that
# the server writes at startup; until they exist curl fails and the wait goes on.
# Returns 1 when the URL never answered.
wait_url() {
  local tries=$1 url=$2
  shift 2
  for _ in $(seq "$tries"); do
    curl -sf -o /dev/null "$@" "$url" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}
