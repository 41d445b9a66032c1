#!/usr/bin/env bash
# Local infrastructure for `make run` and `make test`: RabbitMQ (Debian package,
# management plugin on) and FerretDB v1.24 standing in for MongoDB, on a private
# PostgreSQL cluster under var/postgres (Debian package; FERRETDB_BACKEND=sqlite
# keeps the SQLite files under var/ferretdb instead).
#
#   deploy/scripts/infra.sh up      install if missing, start, wait until both answer
#   deploy/scripts/infra.sh down    stop only what `up` started (by recorded pid)
#   deploy/scripts/infra.sh status
#   deploy/scripts/infra.sh tools   install the Debian tools the tests and the 通报 need (chromium, fonts, LibreOffice)
#
# Idempotent: running `up` twice starts nothing twice. Everything lives under var/.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
VAR="$ROOT/var"
RUN="$VAR/run"
FERRET_BIN="$VAR/bin/cctrack-ferretdb"
FERRET_ADDR="${FERRETDB_LISTEN:-127.0.0.1:27017}"
FERRET_BACKEND="${FERRETDB_BACKEND:-postgresql}"
PG_PORT="${POSTGRES_PORT:-54320}"
PG_DATA="$VAR/postgres/data"
PG_DSN="postgres://postgres@127.0.0.1:$PG_PORT/ferretdb"
RABBIT_PORT="${RABBIT_PORT:-5672}"
RABBIT_API="${RABBIT_API_URI:-http://guest:guest@localhost:15672}"
mkdir -p "$RUN" "$VAR/bin" "$VAR/log"

say() { printf '[infra] %s\n' "$*" >&2; }
port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

wait_for() { # wait_for NAME SECONDS CMD...
  local name=$1 secs=$2; shift 2
  for _ in $(seq 1 "$secs"); do
    if "$@"; then return 0; fi
    sleep 1
  done
  say "$name did not come up within ${secs}s"; return 1
}

rabbit_api_ok() { curl -fsS -o /dev/null "$RABBIT_API/api/overview"; }

apt_install() {
  say "installing Debian packages: $*"
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}

rabbit_up() {
  if port_open 127.0.0.1 "$RABBIT_PORT" && rabbit_api_ok; then
    say "RabbitMQ already answering on :$RABBIT_PORT"; return 0
  fi
  command -v rabbitmq-server >/dev/null || apt_install rabbitmq-server
  command -v curl >/dev/null || apt_install curl
  rabbitmq-plugins --offline enable rabbitmq_management >/dev/null
  if ! port_open 127.0.0.1 "$RABBIT_PORT"; then
    say "starting RabbitMQ"
    rabbitmq-server -detached
    touch "$RUN/rabbitmq.started-by-us"
  fi
  wait_for "RabbitMQ" 90 port_open 127.0.0.1 "$RABBIT_PORT"
  if [ -f "$RUN/rabbitmq.started-by-us" ] && [ ! -s "$RUN/rabbitmq.pid" ]; then
    # -detached writes no pid file; ask the node for its OS pid so `down` stops exactly it
    rabbitmqctl status 2>/dev/null | awk '/OS PID/ {print $3}' >"$RUN/rabbitmq.pid"
  fi
  wait_for "RabbitMQ management API" 90 rabbit_api_ok
  say "RabbitMQ ready"
}

ferret_build() {
  local src="$ROOT/deploy/ferretdb"
  if [ -x "$FERRET_BIN" ] && [ "$FERRET_BIN" -nt "$src/main.go" ] && [ "$FERRET_BIN" -nt "$src/go.sum" ]; then
    return 0
  fi
  command -v go >/dev/null || { say "Go is required to build FerretDB (deploy/ferretdb)"; exit 1; }
  say "building FerretDB launcher (first time takes a few minutes)"
  # built beside and renamed: a store already running from the old binary keeps running
  (cd "$src" && go build -o "$FERRET_BIN.new" .) && mv -f "$FERRET_BIN.new" "$FERRET_BIN"
}

pg_bin() { # directory of Debian's PostgreSQL server binaries (newest major)
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$d" ] && [ -x "$d/initdb" ] && echo "$d"
}

as_pg() { # postgres refuses to run as root: run as the dedicated user then
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_up() {
  if port_open 127.0.0.1 "$PG_PORT"; then
    say "PostgreSQL already answering on :$PG_PORT"; return 0
  fi
  [ -n "$(pg_bin)" ] || apt_install postgresql
  local bin; bin=$(pg_bin)
  mkdir -p "$VAR/postgres/socket"
  [ "$(id -u)" -ne 0 ] || chown -R postgres: "$VAR/postgres"
  if [ ! -s "$PG_DATA/PG_VERSION" ]; then
    say "creating the PostgreSQL cluster in var/postgres"
    as_pg "$bin/initdb" -D "$PG_DATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >>"$VAR/log/postgres.log"
  fi
  say "starting PostgreSQL on 127.0.0.1:$PG_PORT (data in var/postgres)"
  # a stand-in for development and tests: commits are not flushed one by one.
  # force_custom_plan: FerretDB sends the field name as a parameter (_jsonb->$1 @> $2); a generic
  # plan cannot match the GIN expression indexes of shared/pgindex.py, a custom plan can.
  as_pg "$bin/pg_ctl" -D "$PG_DATA" -l "$VAR/postgres/server.log" -w -t 60 start -o \
    "-p $PG_PORT -c listen_addresses=127.0.0.1 -k $VAR/postgres/socket -c synchronous_commit=off -c plan_cache_mode=force_custom_plan -c shared_buffers=256MB -c max_connections=200" \
    >/dev/null
  head -n 1 "$PG_DATA/postmaster.pid" >"$RUN/postgres.pid"
  if ! as_pg "$bin/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -Atqc "SELECT 1 FROM pg_database WHERE datname='ferretdb'" postgres | grep -q 1; then
    as_pg "$bin/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres ferretdb
  fi
  say "PostgreSQL ready"
}

ferret_up() {
  local host=${FERRET_ADDR%:*} port=${FERRET_ADDR##*:}
  if port_open "$host" "$port"; then
    say "store already answering on $FERRET_ADDR"; return 0
  fi
  ferret_build
  local args=(-listen "$FERRET_ADDR" -backend "$FERRET_BACKEND")
  if [ "$FERRET_BACKEND" = postgresql ]; then
    args+=(-postgresql-url "$PG_DSN?pool_max_conns=150")
  else
    args+=(-data "$VAR/ferretdb")
  fi
  say "starting FerretDB ($FERRET_BACKEND) on $FERRET_ADDR"
  # own session: a Ctrl-C that stops `make run` must not stop the store
  setsid nohup "$FERRET_BIN" "${args[@]}" >>"$VAR/log/ferretdb.log" 2>&1 &
  echo $! >"$RUN/ferretdb.pid"
  wait_for "FerretDB" 60 port_open "$host" "$port"
  say "FerretDB ready"
}

stop_pid() { # stop_pid NAME PIDFILE [SIGNAL]
  local pid
  [ -f "$2" ] || return 0
  pid=$(cat "$2")
  if kill -0 "$pid" 2>/dev/null; then
    say "stopping $1 (pid $pid)"
    kill "-${3:-TERM}" "$pid"
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
  fi
  rm -f "$2"
}

down() {
  stop_pid FerretDB "$RUN/ferretdb.pid"
  stop_pid PostgreSQL "$RUN/postgres.pid" INT  # SIGINT: PostgreSQL's fast shutdown
  if [ -f "$RUN/rabbitmq.started-by-us" ]; then
    stop_pid RabbitMQ "$RUN/rabbitmq.pid"
    rm -f "$RUN/rabbitmq.started-by-us"
  fi
}

status() {
  port_open 127.0.0.1 "$RABBIT_PORT" && echo "rabbitmq: up" || echo "rabbitmq: down"
  port_open "${FERRET_ADDR%:*}" "${FERRET_ADDR##*:}" && echo "store: up ($FERRET_ADDR)" || echo "store: down"
  port_open 127.0.0.1 "$PG_PORT" && echo "postgresql: up (:$PG_PORT)" || echo "postgresql: down"
}

tools_up() { # used by tests: compose validation, browser tests (Debian chromium, driven by playwright)
  command -v docker-compose >/dev/null || apt_install docker-compose
  [ -x /usr/bin/chromium ] || apt_install chromium
  # a CJK font, or the pages' Chinese renders as boxes in browser tests and screenshots
  [ -f /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ] || apt_install fonts-wqy-zenhei
  bulletin_tools
}

bulletin_tools() { # the 通报 (services/gateway/bulletins): Word to PDF, its CJK fonts, and pdftotext/pdftoppm for its tests
  command -v soffice >/dev/null || apt_install libreoffice-writer-nogui
  [ -f /usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc ] || apt_install fonts-noto-cjk
  command -v pdftotext >/dev/null && command -v pdftoppm >/dev/null || apt_install poppler-utils
}

case "${1:-}" in
  # PostgreSQL and the launcher even when a store already answers: the store tests
  # (tests/integration/test_store_indexes.py) start their own FerretDB on this cluster
  up) tools_up; rabbit_up; ferret_build; [ "$FERRET_BACKEND" != postgresql ] || pg_up; ferret_up ;;
  down) down ;;
  status) status ;;
  build) ferret_build ;;
  postgres) pg_up ;;
  tools) tools_up ;;
  *) echo "usage: $0 up|down|status|build|postgres|tools" >&2; exit 2 ;;
esac
