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

# The e2e tests' shared lifetime.  A test sets T (its temp dir) and appends
# the pids it starts to the array pids, then:
#   trap e2e_cleanup EXIT
#   e2e_mariadb_config DATABASE FILE   # when it needs the internal storage
e2e_lib_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
e2e_own_mdb=

# Stops every pid in pids, the last started first (pedia before the
# clusters it syncs), stops a MariaDB e2e_mariadb_config started, and
# removes $T.
e2e_cleanup() {
  local i p
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    p=${pids[i]}
    kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
  done
  [[ -n $e2e_own_mdb ]] && "$e2e_lib_dir/mariadb.sh" stop "$T/mdb" >/dev/null 2>&1
  rm -rf "$T"
}

# e2e_mariadb_config DATABASE FILE: writes to FILE an internal-storage config
# for DATABASE on the MariaDB of tests/run (PEDIA_TEST_MYSQL_*), or on one
# started in $T/mdb when the test runs alone.  Returns 1 when none starts.
e2e_mariadb_config() {
  local db=$1 file=$2 env
  if [[ -z ${PEDIA_TEST_MYSQL_HOST:-} ]]; then
    env=$("$e2e_lib_dir/mariadb.sh" start "$T/mdb") || return 1
    eval "$env"
    e2e_own_mdb=1
  fi
  cat >"$file" <<YAML
type: mysql
host: $PEDIA_TEST_MYSQL_HOST
port: $PEDIA_TEST_MYSQL_PORT
user: ${PEDIA_TEST_MYSQL_USER:-root}
database: $db
YAML
}
