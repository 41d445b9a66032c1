# shellcheck shell=bash
# Sourced by run.sh (and the fault suite): ``supervise NAME MODULE:CLASS`` runs one
# nameko service in a loop that starts it again when it exits (a crash, a kill -9),
# after a jittered exponential backoff (1 s doubling to 30 s; back to 1 s after a
# minute of good running), logging every restart to the console and
# $SUPERVISOR_LOG (var/log/supervisor.log). The service's pid is kept in
# $RUN_DIR/NAME.pid. Services also reconnect to the broker and the store by
# themselves; this is the second line of defence. NAMEKO (default: nameko) and
# NAMEKO_CONFIG (deploy/nameko.yaml) may be overridden.
supervise() { # supervise NAME MODULE:CLASS
  local svc=$1 target=$2 delay=1 started code child= workers
  trap '[ -n "$child" ] && kill "$child" 2>/dev/null; wait "$child" 2>/dev/null; exit 0' TERM INT
  while true; do
    started=$SECONDS
    workers=${MAX_WORKERS:-10}  # the gateway waits on RPCs (each bounded): it gets more workers
    [ "$svc" = gateway ] && workers=${GATEWAY_MAX_WORKERS:-50}
    # the read model needs a worker for every message its handlers hold, and the reads (services/reporting/writer.py)
    [ "$svc" = reporting ] && workers=${REPORTING_MAX_WORKERS:-40}
    MAX_WORKERS=$workers "${NAMEKO:-nameko}" run --config "${NAMEKO_CONFIG:-deploy/nameko.yaml}" \
      "services.$svc.service:$target" >>"${LOG_DIR:-var/log}/$svc.log" 2>&1 &
    child=$!
    echo "$child" >"${RUN_DIR:-var/run}/$svc.pid"
    code=0; wait "$child" || code=$?
    child=
    (( SECONDS - started > 60 )) && delay=1
    echo "[run] $(date -u +%FT%TZ) $svc exited (status $code); restarting in ${delay}s" | tee -a "${SUPERVISOR_LOG:-var/log/supervisor.log}"
    sleep "$delay.$((RANDOM % 10))" & wait $! 2>/dev/null  # in the background, so a stop is not delayed
    delay=$(( delay * 2 > 30 ? 30 : delay * 2 ))
  done
}

