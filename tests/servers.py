"""Servers a test starts for itself on a free port, so that it may stop, fill or flush them.

The machine's PostgreSQL and Redis are shared with other test sessions and with people
working on the project: a test never stops, restarts or flushes them.
"""

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import service_missing


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


class RedisServer:
    """A redis-server of our own, in memory only, which a test may stop and start again."""

    def __init__(self, binary: str, port: int):
        self.binary, self.port = binary, port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )
        wait_until(lambda: _accepts(self.port), 10, "redis-server")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@contextmanager
def redis_server():
    """Starts a RedisServer on a free port; yields it."""
    binary = shutil.which("redis-server")
    if not binary:
        service_missing("redis-server is not installed")
    server = RedisServer(binary, free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _accepts(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        return True
    except OSError:
        return False


def _postgres_bin() -> Path | None:
    """The directory of initdb, pg_ctl and createdb (Debian keeps them out of PATH)."""
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if versions:
        return versions[-1].parent
    found = shutil.which("initdb")
    return Path(found).resolve().parent if found else None


class PostgresCluster:
    """A PostgreSQL cluster of our own in a temporary directory, which a test may stop."""

    def __init__(self, bin_dir: Path, directory: Path, port: int):
        self.bin_dir, self.directory, self.port = bin_dir, directory, port
        self.url = f"postgres://postgres@127.0.0.1:{port}/postgres"

    def _as_owner(self, *command: str) -> subprocess.CompletedProcess:
        # initdb and postgres refuse to run as root; run them as the postgres user then.
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        return subprocess.run(
            [*prefix, *command], check=True, capture_output=True, text=True, timeout=120
        )

    def start(self) -> None:
        self._as_owner(
            str(self.bin_dir / "pg_ctl"),
            "start",
            "--wait",
            "--silent",
            "-D",
            str(self.directory / "data"),
            "-l",
            str(self.directory / "log"),
            "-o",
            f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off",
        )

    def stop(self) -> None:
        self._as_owner(
            str(self.bin_dir / "pg_ctl"),
            "stop",
            "--wait",
            "-m",
            "fast",
            "-D",
            str(self.directory / "data"),
        )

    def database_url(self, name: str) -> str:
        """Creates the database `name` and returns its URL."""
        subprocess.run(
            [
                str(self.bin_dir / "createdb"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                name,
            ],
            check=True,
            capture_output=True,
        )
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"


@contextmanager
def postgres_cluster():
    """Starts a throwaway PostgreSQL on a free port; yields a PostgresCluster."""
    bin_dir = _postgres_bin()
    if bin_dir is None:
        service_missing("PostgreSQL's server binaries (initdb, pg_ctl) are not installed")
    directory = Path(tempfile.mkdtemp(prefix="test-pg-"))
    os.chmod(directory, 0o777)  # the postgres user writes its socket and log here
    cluster = PostgresCluster(bin_dir, directory, free_port())
    try:
        cluster._as_owner(
            str(bin_dir / "initdb"), "-D", str(directory / "data"), "-U", "postgres", "--auth=trust"
        )
        cluster.start()
        yield cluster
    finally:
        # Not running if initdb failed or the test left it stopped.
        with contextlib.suppress(subprocess.CalledProcessError):
            cluster.stop()
        shutil.rmtree(directory, ignore_errors=True)
