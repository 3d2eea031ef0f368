#!/usr/bin/env bash
# Hostile input: schemathesis against the OpenAPI schema, every check, on a live gunicorn over
# PostgreSQL with the demo city loaded. Zero server errors and zero schema violations, or fail.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
DB_SERVER=${SCHEMATHESIS_DB_SERVER:-postgres://postgres@127.0.0.1:5432}
export DATABASE_URL="$DB_SERVER/coresponder_schemathesis"
export CELERY_BROKER_URL=${SCHEMATHESIS_BROKER_URL:-redis://127.0.0.1:6379/13}
export SECRET_KEY=schemathesis-only-secret-key-0123456789abcdefghijklmnop DEBUG=0 ALLOWED_HOSTS=127.0.0.1
export SECURE_SSL_REDIRECT=0 SECURE_COOKIES=0 VAR_DIR=$(mktemp -d)
# Thousands of requests a minute from one token: the rate limits (tests/test_rate_limits.py) off.
export API_RATE=off API_RATE_INTAKE=off
PORT=${PORT:-8765}

$BIN/python - <<'PY'
import os, psycopg
server, name = os.environ["DATABASE_URL"].rsplit("/", 1)
with psycopg.connect(server + "/postgres", autocommit=True) as conn:
    conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
    conn.execute(f'CREATE DATABASE "{name}"')
PY
$BIN/python manage.py migrate -v0
$BIN/python manage.py collectstatic --no-input -v0  # as in production: error pages need the manifest
$BIN/python manage.py seed_demo --allow-production >/dev/null
# One login with every role, so that every operation's code is reached.
for role in supervisor dispatcher clinician intake counselor; do
  TOKEN=$($BIN/python manage.py issue_token fuzzer --role "$role" 2>/dev/null | tail -n 1)
done
$BIN/gunicorn coresponder.wsgi:application --bind "127.0.0.1:$PORT" --workers 2 --log-level warning &
WEB=$!
trap 'kill $WEB 2>/dev/null; wait $WEB 2>/dev/null' EXIT
# Up when it answers at all: no beat runs here, so /healthz itself says 503 (beat down).
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$PORT/healthz" && break; sleep 0.2; done

$BIN/schemathesis run "http://127.0.0.1:$PORT/api/schema/" \
  --checks all \
  --header "Authorization: Token $TOKEN" \
  --max-examples "${SCHEMATHESIS_EXAMPLES:-25}" \
  --request-timeout 20 \
  --seed 2026 \
  --suppress-health-check all \
  "$@"
