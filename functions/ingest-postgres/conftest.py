"""Offers a real, throwaway PostgreSQL server (Debian's binaries under /usr/lib/postgresql) to the tests that need one; those tests
are skipped when no server is installed. The integration tests (test/ingest-sources.test.ts) never skip."""

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

import pytest



@dataclass(frozen=True)
class LivePostgres:
    """A running server: the function's role logs in over TCP with ``password``; ``admin()`` is the superuser."""

    host: str
    port: int
    database: str
    user: str
    password: str
    socket_dir: str

    def env(self) -> dict:
        return {"PGHOST": self.host, "PGPORT": str(self.port), "PGDATABASE": self.database, "PGUSER": self.user}

    def admin(self):
        import psycopg

        return psycopg.connect(host=self.socket_dir, port=self.port, dbname=self.database, user="postgres", autocommit=True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def live_postgres():
    """One PostgreSQL cluster for the session, in a temporary folder; stopped and removed afterwards."""
    import psycopg

    servers = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"), key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0)
    if not servers:
        pytest.skip("no PostgreSQL server under /usr/lib/postgresql (apt-get install postgresql)")
    bin_dir = os.path.dirname(servers[-1])
    # initdb refuses root: run the server as the postgres system user then.
    ids = {}
    if os.geteuid() == 0:
        entry = pwd.getpwnam("postgres")
        ids = {"user": entry.pw_uid, "group": entry.pw_gid}
    root = tempfile.mkdtemp(prefix="baton-pytest-postgres-")
    socket_dir = os.path.join(root, "socket")
    os.mkdir(socket_dir)
    if ids:
        for path in (root, socket_dir):
            os.chown(path, ids["user"], ids["group"])
    server = None
    try:
        data_dir = os.path.join(root, "data")
        subprocess.run(
            [os.path.join(bin_dir, "initdb"), "-D", data_dir, "-U", "postgres", "--auth-local=trust", "--auth-host=scram-sha-256", "--locale=C", "--encoding=UTF8", "--no-sync"],
            check=True, capture_output=True, cwd=root, **ids,
        )
        port = _free_port()
        settings = ["listen_addresses=127.0.0.1", f"port={port}", f"unix_socket_directories={socket_dir}", "fsync=off", "max_connections=20"]
        server = subprocess.Popen(
            [os.path.join(bin_dir, "postgres"), "-D", data_dir, *[arg for s in settings for arg in ("-c", s)]],
            cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True, **ids,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                with psycopg.connect(host=socket_dir, port=port, dbname="postgres", user="postgres", autocommit=True) as admin:
                    admin.execute("CREATE ROLE baton LOGIN PASSWORD 'pw-Secret-42'")
                    admin.execute("CREATE DATABASE baton OWNER baton")
                break
            except psycopg.OperationalError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield LivePostgres("127.0.0.1", port, "baton", "baton", "pw-Secret-42", socket_dir)
    finally:
        if server is not None:
            server.send_signal(signal.SIGINT)  # fast shutdown
            try:
                server.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
        shutil.rmtree(root, ignore_errors=True)
