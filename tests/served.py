"""A real server for the concurrency tests: gunicorn in a child process (several workers, several
threads each) serving the test database, so parallel requests race as they do in production.

SQLite: pytest-django's test database lives in memory, which no other process can open; the rows a
test made are copied (sqlite3's backup) into a file that the server opens as deployed (WAL, IMMEDIATE
transactions, its own connection per request thread). PostgreSQL: the server opens the test database
itself. Either way the test uses ``transactional_db``, so its rows are committed; it reads what the
server stored back through the server.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connections

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database_env(var_dir: Path) -> dict[str, str]:
    connection = connections["default"]
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        target = sqlite3.connect(var_dir / "simpul.sqlite3")
        try:
            connection.connection.backup(target)
        finally:
            target.close()
        return {"DATABASE_URL": ""}
    database = connection.settings_dict
    credentials = urllib.parse.quote(database["USER"] or "")
    if database.get("PASSWORD"):
        credentials += ":" + urllib.parse.quote(database["PASSWORD"])
    host = f"{database.get('HOST') or '127.0.0.1'}:{database.get('PORT') or 5432}"
    return {"DATABASE_URL": f"postgres://{credentials}@{host}/{database['NAME']}"}


def collect_static(var_dir: Path) -> Path:
    """The static files collected as deployed (hashed names, a manifest), for the served pages."""
    env = {**os.environ, "SIMPUL_VAR_DIR": str(var_dir)}
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    return var_dir / "static"


@contextmanager
def gunicorn(var_dir: Path, *, static: Path | None = None, workers: int = 3, threads: int = 4) -> Iterator[str]:
    """Serve the test database with gunicorn on a free port of 127.0.0.1; yields its base URL.
    ``static``: collected static files (``collect_static``), needed only to render pages."""
    var_dir.mkdir(parents=True, exist_ok=True)
    if static is not None:
        (var_dir / "static").symlink_to(static, target_is_directory=True)
    # The test's secret key: sessions the test signs in are valid on the server.
    env = {**os.environ, "SIMPUL_VAR_DIR": str(var_dir), "SECRET_KEY": settings.SECRET_KEY, **_database_env(var_dir)}
    port = free_port()
    log = open(var_dir / "gunicorn.log", "wb")
    command = [sys.executable, "-m", "gunicorn", "infra.wsgi", "--chdir", str(ROOT), "-b", f"127.0.0.1:{port}"]
    command += ["-w", str(workers), "--threads", str(threads), "--log-level", "warning"]
    process = subprocess.Popen(
        command,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError("gunicorn stopped: " + (var_dir / "gunicorn.log").read_text(errors="replace"))
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("gunicorn did not start within 60 s") from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
