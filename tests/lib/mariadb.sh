#!/usr/bin/env bash
# A throw-away MariaDB server for tests and benchmarks (toolchain-notes §5):
# a temporary datadir, mariadbd --no-defaults on 127.0.0.1 and a free port,
# stopped by pid.  Never touches /var/lib/mysql or a system service.
#
#   tests/lib/mariadb.sh start DIR [EXTRA_MARIADBD_ARGS...]
#       creates DIR/data on first use, starts the server, waits for it and
#       prints PEDIA_TEST_MYSQL_{HOST,PORT,USER,SOCKET}=... lines (eval them)
#   tests/lib/mariadb.sh stop DIR     clean shutdown (TERM), waits for exit
#   tests/lib/mariadb.sh kill DIR     SIGKILL, as a crash (restart with start)
#   tests/lib/mariadb.sh env DIR      prints the lines of start again
#
# A restarted server keeps its port (DIR/port) so clients can reconnect.
set -euo pipefail

cmd=${1:?usage: mariadb.sh start|stop|kill|env DIR}
dir=${2:?usage: mariadb.sh start|stop|kill|env DIR}
shift 2
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

print_env() {
  echo "PEDIA_TEST_MYSQL_HOST=127.0.0.1"
  echo "PEDIA_TEST_MYSQL_PORT=$(cat "$dir/port")"
  echo "PEDIA_TEST_MYSQL_USER=root"
  echo "PEDIA_TEST_MYSQL_SOCKET=$dir/mysqld.sock"
}

running() { [[ -f $dir/pid ]] && kill -0 "$(cat "$dir/pid")" 2>/dev/null; }

# Each server gets its own temporary directory: two bootstraps running at
# once (meson runs tests in parallel) collided on temp-table files in /tmp.
mkdir -p "$dir/tmp"
export TMPDIR=$dir/tmp

case $cmd in
  start)
    if running; then print_env; exit 0; fi
    if [[ ! -d $dir/data/mysql ]]; then
      mariadb-install-db --no-defaults --user="$(id -un)" --datadir="$dir/data" \
        --auth-root-authentication-method=normal --skip-test-db >"$dir/install.log" 2>&1 ||
        { cat "$dir/install.log" >&2; exit 1; }
    fi
    [[ -f $dir/port ]] || free_port >"$dir/port"
    port=$(cat "$dir/port")
    rm -f "$dir/mysqld.sock" "$dir/pid"
    setsid /usr/sbin/mariadbd --no-defaults --user="$(id -un)" --datadir="$dir/data" \
      --socket="$dir/mysqld.sock" --pid-file="$dir/mysqld.pid" --port="$port" --bind-address=127.0.0.1 \
      --log-error="$dir/error.log" --innodb-buffer-pool-size="${PEDIA_MARIADB_BUFFER_POOL:-256M}" \
      --max-connections=500 "$@" </dev/null >/dev/null 2>&1 &
    echo $! >"$dir/pid"
    for _ in $(seq 1 600); do
      if mariadb-admin --no-defaults --socket="$dir/mysqld.sock" -uroot ping >/dev/null 2>&1; then
        print_env
        exit 0
      fi
      running || break
      sleep 0.05
    done
    echo "mariadbd did not start; see $dir/error.log:" >&2
    tail -20 "$dir/error.log" >&2 || true
    exit 1
    ;;
  stop | kill)
    running || exit 0
    pid=$(cat "$dir/pid")
    kill "-$([[ $cmd == kill ]] && echo KILL || echo TERM)" "$pid"
    for _ in $(seq 1 600); do
      kill -0 "$pid" 2>/dev/null || { rm -f "$dir/pid"; exit 0; }
      sleep 0.05
    done
    echo "mariadbd (pid $pid) did not exit" >&2
    exit 1
    ;;
  env) print_env ;;
  *) echo "usage: mariadb.sh start|stop|kill|env DIR" >&2; exit 2 ;;
esac
