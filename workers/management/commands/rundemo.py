import signal
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the embedded default: a Celery worker (with its scheduler) beside the web server."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args, **options):
        worker = subprocess.Popen(  # noqa: S603 - fixed argv, our own interpreter
            [
                sys.executable, "-m", "celery", "-A", "audit_prep", "worker", "--beat",
                "--pool=solo", "--queues=files,light", "--loglevel=INFO",
                f"--schedule={settings.DATA_DIR / 'celerybeat-schedule'}",
            ]
        )
        self.stdout.write(f"Celery worker started (pid {worker.pid}).")
        # The reminder job is idempotent: running it once at start prints today's digests
        # below without waiting for its schedule.
        from audit_prep.celery import app

        app.tasks["workers.send_reminders"].apply_async()
        # Stopped by SIGTERM (kill, a process manager) as by Ctrl-C: leave through `finally`,
        # so that the worker does not outlive the server.
        signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(0))
        try:
            call_command("runserver", options["addrport"], use_reloader=False)
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=15)
            except subprocess.TimeoutExpired:
                worker.kill()
