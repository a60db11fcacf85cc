#!/bin/sh
# audit-prep container entrypoint. The first argument chooses the role:
#   web      wait for the database, migrate (MIGRATE_ON_START, default true), serve with gunicorn
#            (docker/gunicorn.conf.py; run from the folder that holds docker/, /app in the image)
#   worker   Celery worker on the "files" and "light" queues
#   beat     Celery beat (schedule state in /tmp)
#   manage   python manage.py with the remaining arguments, e.g. `manage createsuperuser`
#   other    executed as given, e.g. `sh` or `python -c ...`
# Extra arguments after web/worker/beat are passed on to gunicorn/celery.
set -eu

export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-audit_prep.settings}"

# Waits until Django can open a database connection: DB_WAIT_TRIES tries (default 30), 2 s apart.
wait_for_db() {
    python - <<'PY'
import os
import sys
import time

import django

django.setup()

from django.db import connection
from django.db.utils import OperationalError

tries = max(1, int(os.environ.get("DB_WAIT_TRIES", "30")))
for attempt in range(1, tries + 1):
    try:
        connection.ensure_connection()
    except OperationalError as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
        print(f"entrypoint: database not ready ({attempt}/{tries}): {first_line}", file=sys.stderr)
        if attempt < tries:
            time.sleep(2)
    else:
        connection.close()
        sys.exit(0)
sys.exit(f"entrypoint: database still unreachable after {tries} tries, giving up.")
PY
}

is_true() {
    case "$1" in
        [Tt][Rr][Uu][Ee] | 1 | [Yy][Ee][Ss] | [Oo][Nn]) return 0 ;;
        *) return 1 ;;
    esac
}

role="${1:-web}"

case "$role" in
    web)
        [ "$#" -gt 0 ] && shift
        if is_true "${MIGRATE_ON_START:-true}"; then
            wait_for_db
            python manage.py migrate --noinput
        fi
        # Bind address, workers and timeout: docker/gunicorn.conf.py (GUNICORN_BIND,
        # WEB_CONCURRENCY, GUNICORN_TIMEOUT); nginx stands in front (docker/README.md).
        exec gunicorn --config docker/gunicorn.conf.py audit_prep.wsgi:application "$@"
        ;;
    worker)
        [ "$#" -gt 0 ] && shift
        exec celery -A audit_prep worker \
            --queues=files,light \
            --loglevel="${LOG_LEVEL:-INFO}" \
            --concurrency="${WORKER_CONCURRENCY:-2}" \
            "$@"
        ;;
    beat)
        [ "$#" -gt 0 ] && shift
        exec celery -A audit_prep beat \
            --loglevel="${LOG_LEVEL:-INFO}" \
            --schedule=/tmp/celerybeat-schedule \
            "$@"
        ;;
    manage)
        shift
        exec python manage.py "$@"
        ;;
    *)
        exec "$@"
        ;;
esac
