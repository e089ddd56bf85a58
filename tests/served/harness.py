"""The machinery of the served tests: the app under gunicorn, its mail, its workers.

Everything here talks to 127.0.0.1 only, and every wait is bounded: a server that does
not come up, a mail that never leaves or a thread that never returns fails the test
with what it saw, instead of hanging it.
"""
from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from email import message_from_bytes, policy
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: Every process started here gets these, so it imports this checkout's code.
BASE_ENV = {"PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1"}
#: Settings of the machine's environment the served app must not inherit.
NOT_INHERITED = ("DATABASE_URL", "REDIS_URL", "MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS",
                 "MAIL_USERNAME", "MAIL_PASSWORD", "YOUTH_APP_ENV", "SECRET_KEY", "PUBLIC_URL",
                 "FLASK_APP", "FLASK_DEBUG")


class HarnessError(AssertionError):
    """The harness itself could not do its part (a server did not start, a wait ran out)."""


def wait_until(condition, timeout: float, what: str, every: float = 0.1):
    """Poll ``condition`` until it returns something true; fail with ``what`` after
    ``timeout`` seconds. Returns the true value."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise HarnessError(f"gave up after {timeout:.0f} s waiting for {what}")
        time.sleep(every)


def free_port(host: str = "127.0.0.1") -> int:
    """A port free now on ``host`` (the server that gets it binds a moment later)."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def process_env(**settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
    env.update(BASE_ENV)
    env.update({k: str(v) for k, v in settings.items()})
    return env


def log_tail(path: Path, lines: int = 60) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


# --- processes --------------------------------------------------------------------------

def children_of(pid: int) -> list[int]:
    """Direct children of ``pid``, read from /proc (no ps needed)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(entry.name))
    return found


def descendants_of(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        for child in children_of(todo.pop()):
            found.append(child)
            todo.append(child)
    return found


def kill_now(pids) -> None:
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


class Service:
    """A process started in its own session, logged to a file, stopped with its whole tree."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], log: Path):
        self.name, self.command, self.env, self.log = name, command, env, log
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        with open(self.log, "ab") as out:
            self.process = subprocess.Popen(self.command, cwd=ROOT, env=self.env, stdout=out,
                                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                            start_new_session=True)

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def check_alive(self) -> None:
        if not self.alive():
            raise HarnessError(f"{self.name} exited ({self.process.returncode}):\n"
                               f"{log_tail(self.log)}")

    def stop(self, grace: float = 10) -> None:
        """SIGTERM to the process group, then SIGKILL to whatever of the tree is left
        (an RQ work horse sits in a process group of its own)."""
        if self.process is None:
            return
        tree = descendants_of(self.pid)
        if self.alive():
            try:
                os.killpg(self.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.process.wait(grace)
            except subprocess.TimeoutExpired:
                pass
        kill_now([self.pid] + tree + descendants_of(self.pid))
        self.process.wait(10)
        self.process = None


class Gunicorn(Service):
    """``gunicorn wsgi:app`` over TLS with sync workers, as production runs it."""

    def __init__(self, env, log, certificate, port: int, workers: int = 4,
                 host: str = "127.0.0.1", prefix: tuple[str, ...] = ()):
        self.port, self.host = port, host
        self.workers_wanted = workers
        command = [*prefix, sys.executable, "-m", "gunicorn", "wsgi:app",
                   "--bind", f"{host}:{self.port}", "--workers", str(workers),
                   "--worker-class", "sync", "--timeout", "60", "--graceful-timeout", "5",
                   "--certfile", str(certificate.cert), "--keyfile", str(certificate.key)]
        super().__init__("gunicorn", command, env, log)

    @property
    def url(self) -> str:
        return f"https://{self.host}:{self.port}"

    def workers(self) -> list[int]:
        return children_of(self.pid)

    def wait_for_workers(self, timeout: float = 60, without: int | None = None) -> list[int]:
        """Every worker up (and, after a kill, the killed one replaced)."""
        def ready():
            self.check_alive()
            pids = self.workers()
            return pids if len(pids) == self.workers_wanted and without not in pids else None
        return wait_until(ready, timeout, f"{self.workers_wanted} gunicorn workers")

    def kill_one_worker(self) -> int:
        victim = self.workers()[0]
        os.kill(victim, signal.SIGKILL)
        return victim


class RqWorker(Service):
    """``rq worker allocation mail``: a real worker that forks a work horse per job, for
    allocation runs and for the mail outbox (as production runs it, README)."""

    def __init__(self, env, log, redis_url: str, *, name: str = "rq worker",
                 prefix: tuple[str, ...] = (), served_redis_url: str | None = None,
                 worker_name: str | None = None):
        """``redis_url``: Redis as the test reaches it (to see the worker registered);
        ``served_redis_url``: as the worker reaches it (another network namespace);
        ``worker_name``: RQ's name of it (a job records the name of its worker)."""
        self.redis_url, self.worker_name = redis_url, worker_name
        command = [*prefix, sys.executable, "-m", "rq.cli", "worker", "allocation", "mail",
                   "--url", served_redis_url or redis_url, "--logging_level", "WARNING"]
        if worker_name:
            command += ["--name", worker_name]
        super().__init__(name, command, env, log)

    def start(self) -> None:
        super().start()
        wait_until(self._registered, 60, "the RQ worker to register")

    def _registered(self) -> bool:
        from redis import Redis
        from rq import Worker

        self.check_alive()
        with Redis.from_url(self.redis_url) as redis:
            return any(w.pid == self.pid for w in Worker.all(connection=redis))

    def horses(self) -> list[int]:
        return children_of(self.pid)

    def kill_with_horse(self) -> list[int]:
        """SIGKILL the worker and its work horse at once, as an OOM killer or a crash
        of the machine would: neither gets to write anything."""
        victims = self.horses() + [self.pid]
        kill_now(victims)
        self.process.wait(10)
        self.process = None
        return victims


# --- TLS --------------------------------------------------------------------------------

class Certificate:
    """A throw-away self-signed certificate for 127.0.0.1. Clients verify against it
    (``verify=cert``), so TLS is checked for real and nothing else is trusted."""

    def __init__(self, folder: Path, addresses: tuple[str, ...] = ("127.0.0.1",)):
        self.cert, self.key = folder / "cert.pem", folder / "key.pem"
        names = ",".join(f"IP:{address}" for address in addresses)
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                        "-keyout", str(self.key), "-out", str(self.cert), "-days", "2",
                        "-subj", f"/CN={addresses[0]}", "-addext", f"subjectAltName={names}"],
                       check=True, capture_output=True, timeout=60)


# --- mail -------------------------------------------------------------------------------

class MailBox:
    """A real SMTP server on loopback (aiosmtpd) that keeps every message it accepts."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.port = free_port()
        self._lock = threading.Lock()
        self._messages: list = []
        self._arrivals: list[float] = []  #: time.monotonic() of each message's arrival
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self._lock:
            self._messages.append(message)
            self._arrivals.append(time.monotonic())
        return "250 OK"

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()

    def messages(self) -> list:
        with self._lock:
            return list(self._messages)

    def count(self) -> int:
        with self._lock:
            return len(self._messages)

    def arrivals(self) -> list[float]:
        """When each message arrived (``time.monotonic()``), in the order of ``messages``."""
        with self._lock:
            return list(self._arrivals)


# --- a TCP proxy in front of PostgreSQL --------------------------------------------------

class TcpProxy:
    """Forwards 127.0.0.1:<port> to the database. ``stop`` closes the listening socket
    and every forwarded connection, as a network outage or a database restart would;
    ``start`` listens on the same port again."""

    def __init__(self, target: tuple[str, int], listen: str = "127.0.0.1"):
        self.target, self.listen = target, listen
        self.port = free_port(listen)
        self._listener: socket.socket | None = None
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((self.listen, self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True,
                         name="db-proxy").start()

    def stop(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            _close(listener)
        with self._lock:
            sockets, self._sockets = self._sockets, set()
        for sock in sockets:
            _close(sock)

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # stopped
            try:
                upstream = socket.create_connection(self.target, timeout=10)
                upstream.settimeout(None)
            except OSError:
                _close(client)
                continue
            with self._lock:
                if self._listener is not listener:
                    _close(client), _close(upstream)
                    return
                self._sockets.update((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        _close(source), _close(sink)
        with self._lock:
            self._sockets.discard(source), self._sockets.discard(sink)


def _close(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()


# --- databases --------------------------------------------------------------------------

def create_database(server_url: str) -> str:
    """A new, empty database on the test server; returns its URL."""
    import sqlalchemy as sa

    name = f"served_{secrets.token_hex(6)}"
    engine = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return str(sa.make_url(server_url).set(database=name).render_as_string(hide_password=False))


def drop_database(server_url: str, url: str) -> None:
    import sqlalchemy as sa

    name = sa.make_url(url).database
    assert name.startswith("served_"), name  # never anything but our own
    engine = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        engine.dispose()


def flask_command(env: dict[str, str], *args: str) -> str:
    """A ``flask --app wsgi`` command, as the clock (cron) runs it in production."""
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    if done.returncode:
        raise HarnessError(f"flask {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def migrate(env: dict[str, str]) -> None:
    """The schema from the real migrations, as production builds it."""
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    if done.returncode:
        raise HarnessError(f"flask db upgrade failed:\n{done.stdout}\n{done.stderr}")
