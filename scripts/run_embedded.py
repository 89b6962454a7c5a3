"""Run the embedded default: web server, task worker, lecture sweeper and Wagtail's
scheduled publishing, together.

``make run`` calls this after migrating. Ctrl-C stops them all.
"""

import os
import signal
import subprocess
import sys
import threading

MANAGE = [sys.executable, "manage.py"]
# Wagtail publishes pages whose go-live time has come (and unpublishes expired ones)
# only when ``publish_scheduled`` runs: once a minute, as its docs advise for cron.
PUBLISH_EVERY_SECONDS = 60


def publish_scheduled_every(seconds: int, stop: threading.Event) -> None:
    while not stop.wait(seconds):
        subprocess.run([*MANAGE, "publish_scheduled"], check=False)  # noqa: S603


def main() -> int:
    address = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
    worker = subprocess.Popen([*MANAGE, "db_worker", "--queue-name", "*"])  # noqa: S603
    # Re-queues lectures a dead worker left "processing" (docs/media-pipeline.md).
    sweeper = subprocess.Popen([*MANAGE, "sweep_lectures", "--every", "300"])  # noqa: S603
    # gunicorn, not runserver: the embedded default may well serve a real branch.
    web = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--bind",
            address,
            "--workers",
            "2",
            "--threads",
            "4",
            "--access-logfile",
            "-",
        ]
    )
    stop = threading.Event()
    threading.Thread(
        target=publish_scheduled_every,
        args=(PUBLISH_EVERY_SECONDS, stop),
        daemon=True,
    ).start()
    try:
        # Whichever stops first (or Ctrl-C) ends them all.
        while all(p.poll() is None for p in (web, worker, sweeper)):
            try:
                web.wait(timeout=1)
            except subprocess.TimeoutExpired:
                continue
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        for process in (web, worker, sweeper):
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        for process in (web, worker, sweeper):
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
    return web.returncode or 0


if __name__ == "__main__":
    sys.exit(main())
