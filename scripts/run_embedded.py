"""Run the embedded default: the web server and one task worker, stopped together.

``make run`` calls this after migrating. Ctrl-C stops both processes.
"""

import os
import signal
import subprocess
import sys

MANAGE = [sys.executable, "manage.py"]


def main() -> int:
    address = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
    worker = subprocess.Popen([*MANAGE, "db_worker", "--queue-name", "*"])  # noqa: S603
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
    try:
        # Whichever stops first (or Ctrl-C) ends both.
        while web.poll() is None and worker.poll() is None:
            try:
                web.wait(timeout=1)
            except subprocess.TimeoutExpired:
                continue
    except KeyboardInterrupt:
        pass
    finally:
        for process in (web, worker):
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        for process in (web, worker):
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
    return web.returncode or 0


if __name__ == "__main__":
    sys.exit(main())
