#!/usr/bin/env bash
# `make run-prod`: the production stack on this machine — gunicorn (several
# workers), the task worker and the scheduler — against the local PostgreSQL
# and Redis, with production settings. Ctrl-C stops all three.
#
# Keys are generated once into var/prod.env (mode 600) and reused: the data
# encrypted with FIELD_ENCRYPTION_KEY cannot be read without it, so keep that
# file (see docs/backup.md). Every default below can be overridden from the
# environment, e.g. DATABASE_URL=postgres://… GUNICORN_BIND=0.0.0.0:8000.
# DEMO=1 also loads the demo data (seed_demo, idempotent).
set -euo pipefail
cd "$(dirname "$0")/.."

PY=.venv/bin/python
VAR_DIR="${GONGZHI_VAR_DIR:-var}"
ENV_FILE="$VAR_DIR/prod.env"
mkdir -p "$VAR_DIR"

if [ ! -f "$ENV_FILE" ]; then
    echo "Generating production keys into $ENV_FILE (kept; back it up apart from the data)"
    (
        umask 077
        {
            echo "SECRET_KEY=$($PY -c 'import secrets; print(secrets.token_urlsafe(64))')"
            echo "FIELD_ENCRYPTION_KEY=$($PY manage.py generate_field_key)"
            echo "BLIND_INDEX_KEY=$($PY manage.py generate_field_key)"
            echo "METRICS_TOKEN=$($PY -c 'import secrets; print(secrets.token_urlsafe(32))')"
        } > "$ENV_FILE.new"
        mv "$ENV_FILE.new" "$ENV_FILE"
    )
fi
chmod 600 "$ENV_FILE"
set -a
# shellcheck disable=SC1090
. "$ENV_FILE"
set +a

export GONGZHI_ENV=production
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/gongzhi}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/0}"
export TASKS_BACKEND="${TASKS_BACKEND:-database}"
export LOG_FORMAT="${LOG_FORMAT:-json}"
export ALLOWED_HOSTS="${ALLOWED_HOSTS:-127.0.0.1,localhost}"
export GUNICORN_BIND="${GUNICORN_BIND:-127.0.0.1:8000}"
# Plain HTTP on this machine; behind the nginx of deploy/ TLS ends at the proxy.
export SECURE_SSL_REDIRECT="${SECURE_SSL_REDIRECT:-false}"
export PROMETHEUS_MULTIPROC_DIR="${PROMETHEUS_MULTIPROC_DIR:-$VAR_DIR/prometheus}"

$PY manage.py ensure_database
$PY manage.py migrate --no-input
$PY manage.py collectstatic --no-input --verbosity 0
if [ "${DEMO:-0}" = "1" ]; then
    $PY manage.py seed_demo
fi

# Each process in a session of its own, so that Ctrl-C reaches only this
# script, which then stops each of them once, gracefully (a second signal
# would make the worker abandon its task).
pids=()
start() { setsid "$@" & pids+=($!); }
stop() {
    trap - INT TERM EXIT
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    wait
}
trap stop INT TERM EXIT

# The worker and scheduler are not gunicorn's children: no shared metrics folder.
start env -u PROMETHEUS_MULTIPROC_DIR $PY manage.py db_worker --queue-name '*' --no-reload
start env -u PROMETHEUS_MULTIPROC_DIR $PY manage.py run_scheduler
start $PY -m gunicorn -c deploy/gunicorn.conf.py

echo "Gongzhi (production settings) on http://$GUNICORN_BIND — /healthz, /readyz;"
echo "metrics: curl -H \"Authorization: Bearer \$METRICS_TOKEN\" http://$GUNICORN_BIND/metrics (token in $ENV_FILE)"
# When any of the three ends, stop the others.
wait -n
