#!/usr/bin/env bash
# Web server + Celery worker with embedded beat, all stopped together by Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
pids=()
cleanup() {
  trap - INT TERM EXIT
  echo "Stopping cellflow..."
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup INT TERM EXIT

# One worker process: SQLite allows one writer at a time. -B runs beat inside the worker (the only beat), with
# the schedules administrators edit in the admin (django-celery-beat); beat's start also queues a reminder sweep.
.venv/bin/celery -A config worker -B --scheduler django_celery_beat.schedulers:DatabaseScheduler \
  --concurrency 1 --loglevel INFO &
pids+=($!)
"$PY" manage.py runserver "${CELLFLOW_ADDR:-127.0.0.1:8000}" &
pids+=($!)
echo "cellflow: http://${CELLFLOW_ADDR:-127.0.0.1:8000}/  (Ctrl-C stops the web server, worker and beat)"
wait -n "${pids[@]}"
