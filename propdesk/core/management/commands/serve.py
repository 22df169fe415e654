"""`propdesk serve [--host H] [--port P] [--workers N] [--no-worker]`: the embedded deployment in
one command.

Starts the job consumer (`propdesk worker`, huey) as a child process unless `--no-worker`, then
runs uvicorn on `propdesk.asgi:application`: in this process, or with `--workers N` (default
`PROPDESK_WEB_WORKERS`, 1) as N web processes behind one socket, so a 2-core machine uses both
cores (one process serves one request's Python code at a time). Several web processes share
the intercom screens' push channel, the rate-limit counters and the cache only through Redis,
so `--workers` above 1 requires `REDIS_URL`. Static files come straight from
the app directories through whitenoise's finders, so no `collectstatic` is needed. On exit —
Ctrl+C (SIGINT), SIGTERM, or uvicorn failing to start — the worker is stopped too.

Host and port default to `PROPDESK_HOST` / `PROPDESK_PORT` (127.0.0.1:8000).
"""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import Any

import uvicorn
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

logger = logging.getLogger(__name__)
WORKER_STOP_SECONDS = 10


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    # Turn SIGTERM into SystemExit so the `finally` below stops the worker. uvicorn installs its
    # own handlers while it serves and re-raises the signal after its graceful shutdown; the
    # re-raised signal lands here.
    raise SystemExit(0)


def _watch(worker: subprocess.Popen[bytes], stopping: threading.Event) -> None:
    code = worker.wait()
    if not stopping.is_set():
        logger.error(
            "the job worker exited (code %s); jobs wait until `propdesk worker` runs", code
        )


class Command(BaseCommand):
    help = "Run the web server (uvicorn) and the job worker (huey) together."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=settings.PROPDESK_HOST)
        parser.add_argument("--port", type=int, default=settings.PROPDESK_PORT)
        parser.add_argument(
            "--workers",
            type=int,
            default=settings.PROPDESK_WEB_WORKERS,
            help="web processes (default PROPDESK_WEB_WORKERS, 1); above 1 needs REDIS_URL",
        )
        parser.add_argument(
            "--no-worker", action="store_true", help="do not start the job consumer"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        host, port = options["host"], options["port"]
        if not 0 < port < 65536:
            raise CommandError(f"--port: {port} is not a TCP port")
        workers = options["workers"]
        if workers < 1:
            raise CommandError(f"--workers: {workers} — at least 1 web process")
        if workers > 1 and not settings.REDIS_URL:
            raise CommandError(
                f"--workers {workers} 需要 REDIS_URL(多个网页进程经 Redis 共享对讲推送、限流计数和缓存)"
                f" / --workers {workers} needs REDIS_URL: several web processes share the intercom"
                " push, rate limits and cache through Redis"
            )
        self._hints(host, port)
        # whitenoise serves from the finders; an existing STATIC_ROOT only keeps it from warning.
        Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
        previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)
        worker: subprocess.Popen[bytes] | None = None
        stopping = threading.Event()
        try:
            if not options["no_worker"]:
                worker = subprocess.Popen([sys.executable, "-m", "propdesk.cli", "worker"])
                self.stdout.write(f"worker (huey consumer) started, pid {worker.pid}")
                self.stdout.flush()
                threading.Thread(target=_watch, args=(worker, stopping), daemon=True).start()
            log_level = logging.getLevelName(logging.getLogger().getEffectiveLevel()).lower()
            if workers == 1:
                config = uvicorn.Config(
                    "propdesk.asgi:application",
                    host=host,
                    port=port,
                    lifespan="off",
                    log_level=log_level,
                )
                uvicorn.Server(config).run()
            else:
                # uvicorn's supervisor: one listening socket, N processes, each restarted if it dies.
                uvicorn.run(
                    "propdesk.asgi:application",
                    host=host,
                    port=port,
                    workers=workers,
                    lifespan="off",
                    log_level=log_level,
                )
        except KeyboardInterrupt:
            pass  # Ctrl+C: uvicorn re-raises SIGINT after its graceful shutdown
        finally:
            stopping.set()
            if worker is not None:
                self._stop(worker)
            signal.signal(signal.SIGTERM, previous)

    def _hints(self, host: str, port: int) -> None:
        shown = "127.0.0.1" if host in {"0.0.0.0", "::"} else host  # noqa: S104 - display only
        self.stdout.write(f"PropDesk: http://{shown}:{port}/   (API docs: /api/v1/docs)")
        try:
            has_users = get_user_model().objects.exists()
        except DatabaseError:
            raise CommandError("the database is not ready; run `propdesk migrate` first") from None
        if has_users:
            self.stdout.write(
                "Log in with your account; the demo logins are listed in README.md "
                "(`propdesk demo` creates them)"
            )
        else:
            self.stdout.write(
                "No logins yet: `propdesk demo` loads demo data and logins, or "
                "`propdesk createuser NAME --project CODE --role cs_staff --superuser`"
            )
        self.stdout.flush()

    def _stop(self, worker: subprocess.Popen[bytes]) -> None:
        if worker.poll() is None:
            # SIGINT is huey's graceful stop (running tasks finish); SIGTERM would cut them off.
            worker.send_signal(signal.SIGINT)
            try:
                worker.wait(timeout=WORKER_STOP_SECONDS)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
        self.stdout.write(f"worker stopped (exit code {worker.returncode})")
        self.stdout.flush()
