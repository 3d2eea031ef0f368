#!/usr/bin/env bash
# Start the web server, a Celery worker and beat; Ctrl-C (or SIGTERM) stops all three.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
PORT=${PORT:-8000}
VAR_DIR=${VAR_DIR:-var}
mkdir -p "$VAR_DIR"

pids=()
stop() {
  trap - INT TERM EXIT
  echo "Stopping…"
  kill -TERM "${pids[@]}" 2>/dev/null
  wait "${pids[@]}" 2>/dev/null
  exit 0
}
trap stop INT TERM EXIT

$BIN/python manage.py runserver "127.0.0.1:$PORT" --noreload &
pids+=($!)
$BIN/celery -A coresponder worker --loglevel=INFO --concurrency=2 --hostname="worker@%h" &
pids+=($!)
$BIN/celery -A coresponder beat --loglevel=INFO --schedule="$VAR_DIR/celerybeat-schedule" &
pids+=($!)
if [ "${SIMULATE:-1}" != "0" ]; then
  # The living city: calls arrive and units work them (SIMULATE=0 for a quiet board).
  $BIN/python manage.py simulate --speed "${SIMULATE_SPEED:-10}" --keep-demo-roster &
  pids+=($!)
fi

cat <<TXT

  Co-responder dispatch is starting on http://127.0.0.1:$PORT/
  Demo logins (username / password): supervisor / demo-supervisor, dispatcher / demo-dispatcher,
  clinician / demo-clinician, officer / demo-officer, intake / demo-intake, counselor / demo-counselor
  (the crisis line's page; DISPATCH_INTAKE_MODE=triage make run sends new calls there first).
  Ctrl-C stops the web server, the worker, beat and the simulator (SIMULATE=0 turns it off).

TXT
# If any of the three dies, stop the others rather than run half a system.
wait -n "${pids[@]}"
echo "A process of the stack exited; stopping the rest."
stop
