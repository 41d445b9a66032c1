#!/usr/bin/env bash
# Start every cctrack service locally (one process each, as in a deployment),
# load the Jinshui 2017 allocation table, print an admin token, and wait.
# Ctrl-C stops the services; `make infra-down` stops RabbitMQ and FerretDB.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
VENV=${VENV:-.venv}
export PATH="$ROOT/$VENV/bin:$PATH"
PORT=${WEB_SERVER_ADDRESS:-0.0.0.0:8000}; PORT=${PORT##*:}
SERVICES=(assignment:AssignmentService milestones:MilestonesService inspections:InspectionsService
          notifications:NotificationsService reporting:ReportingService indicators:IndicatorsService
          gateway:GatewayService)
mkdir -p var/log
pids=()

stop() {
  trap - INT TERM EXIT
  echo
  echo "[run] stopping services…"
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo "[run] stopped. (RabbitMQ and FerretDB keep running; 'make infra-down' stops them.)"
}
trap stop INT TERM EXIT

# The supervisor (deploy/scripts/supervise.sh) starts a service again when it exits.
# shellcheck source=deploy/scripts/supervise.sh
source "$ROOT/deploy/scripts/supervise.sh"

mkdir -p var/run
for entry in "${SERVICES[@]}"; do
  svc=${entry%%:*}
  [ -f "services/$svc/service.py" ] || continue
  supervise "$svc" "${entry#*:}" &
  pids+=($!)
  echo "[run] started $svc under the supervisor (log var/log/$svc.log, pid in var/run/$svc.pid)"
done

echo "[run] waiting for the API on http://localhost:$PORT …"
for _ in $(seq 1 60); do
  curl -fsS -o /dev/null http://127.0.0.1:$PORT/healthz 2>/dev/null && break
  sleep 1
done
curl -fsS http://127.0.0.1:$PORT/healthz || { echo "[run] the API did not become healthy; see var/log/"; exit 1; }
echo

echo "[run] loading the demonstration area tree (Henan: Zhengzhou with Jinshui and Xinmi; Gansu: Lanzhou; Hunan: Yiyang with Ziyang)…"
cctrack areas import services/assignment/data/areas_demo.csv
echo "[run] loading the Jinshui 2017 allocation table into Jinshui district 410105 (idempotent)…"
cctrack import allocation services/assignment/data/jinshui_2017.csv --district 410105
# Registration events create each centre's milestones; the sync repairs any that a
# service missed while it was down (idempotent).
cctrack milestones sync
# The read model (reporting) follows the events; rebuild it from the stores when it is empty
# (a first start, or a store restored from elsewhere).
cctrack reports rebuild --if-empty
# Evidence kept inside documents by an installation from before the object store moves there (idempotent).
cctrack evidence migrate
# The roll-ups of Jinshui, Zhengzhou and Henan (a read model from before areas learns where its offices lie).
cctrack areas rollups

token_ok() { [ -s var/admin-token ] && curl -fs -o /dev/null -H "Authorization: Bearer $(cat var/admin-token)" "http://127.0.0.1:$PORT/api/offices"; }
if ! token_ok; then
  cctrack token create --role admin --label "make run" --quiet > var/admin-token
fi
# The first person's account: login "admin", its temporary password printed only when it is created.
admin_password=$(cctrack users ensure-admin --login admin --quiet)
if [ -n "$admin_password" ]; then
  admin_login="admin / $admin_password   (temporary password, shown once: change it at the first login)"
else
  admin_login="admin   (already exists; forgot the password? cctrack users reset-password admin)"
fi
# The demonstration's accounts: a city bureau, a district bureau and an office (README, "Demonstration").
demo_logins=$(cctrack users ensure zhengzhou --name 郑州市文化广电和旅游局 --role admin --area 4101
              cctrack users ensure jinshui --name 金水区文化广电和旅游局 --role admin --area 410105
              cctrack users ensure fengqinglu --name 丰庆路街道办事处 --role office --office 丰庆路街道)
cat <<MSG

cctrack is running.
  Dashboard:  http://localhost:$PORT/#token=$(cat var/admin-token)
  API:        http://localhost:$PORT/api/offices   (OpenAPI: http://localhost:$PORT/openapi.json)
  Log in:     $admin_login
  Demonstration accounts (city 郑州市, district 金水区, office 丰庆路街道):
$(echo "$demo_logins" | sed 's/^/    /')
  Admin token (also in var/admin-token):
    $(cat var/admin-token)
  Try:        curl -H "Authorization: Bearer \$(cat var/admin-token)" http://localhost:$PORT/api/offices
Press Ctrl-C to stop.
MSG
wait
