"""Two machines on one: each "host" a network namespace of its own (``ip netns``), joined
to this one by a veth pair, running a gunicorn web server and an RQ worker, all against
one PostgreSQL database, one Redis and one SMTP server.

Inside a namespace, 127.0.0.1 is that namespace's own loopback: PostgreSQL, Redis and
the SMTP server (which listen on this namespace's 127.0.0.1) are reached through
forwarders on this side of the host's veth pair, as another machine would reach them
over the network. The test reaches each web server at the host's own address.

Namespaces need root (CAP_NET_ADMIN) and the ``ip`` command. Without them the two hosts
are two sets of processes on 127.0.0.1, on ports of their own (``Hosts.isolated`` says
which it was, and the test prints it); ``SERVED_NO_NETNS=1`` asks for that.
"""
from __future__ import annotations

import os
import secrets
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import requests

from .clients import Account, Person
from .harness import (Certificate, Gunicorn, HarnessError, RqWorker, Service, TcpProxy,
                      free_port, log_tail, process_env, wait_until)
from .site import Site, _host_port

#: The port each web server listens on inside its namespace (a namespace of its own has
#: every port free).
WEB_PORT = 8443


@dataclass
class Host:
    """One machine: its name, the address the test reaches it at, and what runs on it."""
    name: str
    address: str
    namespace: str | None = None  #: None: a set of processes on 127.0.0.1
    gateway: str = "127.0.0.1"  #: where it reaches PostgreSQL, Redis and SMTP
    web: Gunicorn | None = None
    worker: RqWorker | None = None
    proxies: list[TcpProxy] = field(default_factory=list)

    @property
    def prefix(self) -> tuple[str, ...]:
        return ("ip", "netns", "exec", self.namespace) if self.namespace else ()

    @property
    def url(self) -> str:
        return self.web.url

    def services(self) -> list[Service]:
        return [s for s in (self.worker, self.web) if s is not None]


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=30)


def make_namespaces(count: int) -> tuple[list[Host], str]:
    """``count`` namespaces with a veth pair each; ([], why not) when this machine
    cannot make them."""
    if os.environ.get("SERVED_NO_NETNS") == "1":
        return [], "SERVED_NO_NETNS=1"
    if os.geteuid() != 0 or shutil.which("ip") is None:
        return [], "not root, or no ip command"
    tag = secrets.token_hex(2)
    subnet = 200 + secrets.randbelow(50)  # 10.<subnet>.<n>.0/30, unlikely to clash
    hosts: list[Host] = []
    try:
        for number in range(1, count + 1):
            namespace, outside, inside = f"yam{tag}{number}", f"yv{tag}{number}o", f"yv{tag}{number}i"
            gateway, address = f"10.{subnet}.{number}.1", f"10.{subnet}.{number}.2"
            _ip("netns", "add", namespace)
            hosts.append(Host(f"host {'AB'[number - 1]}", address, namespace, gateway))
            _ip("link", "add", outside, "type", "veth", "peer", "name", inside)
            _ip("link", "set", inside, "netns", namespace)
            _ip("addr", "add", f"{gateway}/30", "dev", outside)
            _ip("link", "set", outside, "up")
            for args in (("addr", "add", f"{address}/30", "dev", inside),
                         ("link", "set", inside, "up"), ("link", "set", "lo", "up")):
                _ip("netns", "exec", namespace, "ip", *args)
    except (subprocess.CalledProcessError, OSError) as error:
        remove_namespaces(hosts)
        detail = getattr(error, "stderr", b"") or b""
        return [], f"ip netns failed: {error} {detail.decode(errors='replace').strip()}"
    return hosts, ""


def remove_namespaces(hosts: list[Host]) -> None:
    """Deleting a namespace deletes its end of the veth pair, and with it the pair."""
    for host in hosts:
        if host.namespace:
            subprocess.run(["ip", "netns", "delete", host.namespace], capture_output=True,
                           timeout=30)


class Hosts(Site):
    """The ``serve`` fixture's :class:`Site`, on two hosts. ``site.url`` (and
    ``site.person``) is host A; ``on(host, account)`` is a browser on either. Both have
    the same ``SECRET_KEY`` and settings, and ``PUBLIC_URL`` is host A's, as one public
    address in front of both would be. ``PROXY_X_FOR=1``: each browser sends the
    ``X-Forwarded-For`` a load balancer in front of both hosts would add."""

    def __init__(self, server_url: str, certificate, folder: Path, *, redis_url: str,
                 web_workers: int = 2, settings: dict | None = None):
        super().__init__(server_url, certificate, folder, workers=web_workers,
                         redis_url=redis_url, settings=settings)
        self.hosts: list[Host] = []
        self.isolated = ""  #: how the hosts are kept apart, for the test's output

    def start(self) -> "Hosts":
        namespaces, why_not = make_namespaces(2)
        if namespaces:
            self.hosts = namespaces
            self.isolated = "two network namespaces joined by veth pairs"
        else:
            self.hosts = [Host("host A", "127.0.0.1"), Host("host B", "127.0.0.1")]
            self.isolated = f"two port sets on 127.0.0.1 ({why_not})"
        addresses = tuple(dict.fromkeys(["127.0.0.1"] + [h.address for h in self.hosts]))
        self.certificate = Certificate(self.folder, addresses)
        super().start()  # database, mail, migrations, in-process app; then _start_gunicorn
        for host in self.hosts:
            host.worker = self._worker_on(host)
            host.worker.start()
        return self

    def _start_gunicorn(self) -> None:
        """Both web servers (``Site.start`` calls this); ``self.gunicorn`` is host A's."""
        ports = [WEB_PORT if h.namespace else free_port() for h in self.hosts]
        public_url = f"https://{self.hosts[0].address}:{ports[0]}"
        for host, port in zip(self.hosts, ports):
            env = self._env_on(host, public_url)
            host.web = Gunicorn(env, self._log(host, "gunicorn"), self.certificate, port,
                                self.workers, host=host.address, prefix=host.prefix)
        for host in self.hosts:
            host.web.start()
        self.gunicorn = self.hosts[0].web
        for host in self.hosts:
            self._wait_until_host_serves(host)

    def _env_on(self, host: Host, public_url: str) -> dict[str, str]:
        """The production settings, with PostgreSQL, Redis and SMTP as ``host`` reaches
        them: directly on 127.0.0.1, or through forwarders at its gateway."""
        database_url, redis_url = self.database_url, self.redis_url
        smtp = ("127.0.0.1", self.mail.port)
        if host.namespace:
            to_database = self._forward(host, _host_port(self.database_url))
            redis = _redis_host_port(self.redis_url)
            to_redis = self._forward(host, redis)
            smtp = (host.gateway, self._forward(host, smtp))
            database_url = _with_host_port(self.database_url, host.gateway, to_database)
            redis_url = self.redis_url.replace(f"{redis[0]}:{redis[1]}",
                                               f"{host.gateway}:{to_redis}", 1)
        settings = self._production(database_url, public_url)
        settings.update({
            "REDIS_URL": redis_url, "MAIL_SERVER": smtp[0], "MAIL_PORT": str(smtp[1]),
            "TRUSTED_HOSTS": ",".join(dict.fromkeys(h.address for h in self.hosts)),
            "PROXY_X_FOR": "1", **self.settings})
        return process_env(**settings)

    def _forward(self, host: Host, target: tuple[str, int]) -> int:
        proxy = TcpProxy(target, listen=host.gateway)
        proxy.start()
        host.proxies.append(proxy)
        return proxy.port

    def _worker_on(self, host: Host) -> RqWorker:
        env = host.web.env
        return RqWorker(env, self._log(host, "rq"), self.redis_url,
                        name=f"rq worker on {host.name}", prefix=host.prefix,
                        served_redis_url=env["REDIS_URL"],
                        worker_name=f"{host.name.replace(' ', '-')}-{secrets.token_hex(3)}")

    def _log(self, host: Host, what: str) -> Path:
        return self.folder / f"{what}-{host.name.replace(' ', '-')}.log"

    def _wait_until_host_serves(self, host: Host) -> None:
        probe = Person(host.url, self.certificate)

        def answers() -> bool:
            host.web.check_alive()
            try:
                return probe.get("/healthz", timeout=5).status_code == 200
            except requests.RequestException:
                return False
        try:
            wait_until(answers, 120, f"gunicorn on {host.name} to answer", every=0.25)
        except HarnessError as error:
            raise HarnessError(f"{error}\n{self.log_tail()}") from None
        finally:
            probe.close()
        host.web.wait_for_workers()

    # --- people -----------------------------------------------------------------------

    def on(self, host: Host, account: Account | None = None,
           address: str = "198.51.100.10") -> Person:
        """A browser on ``host``, coming from ``address`` (the X-Forwarded-For)."""
        made = Person(host.url, self.certificate, account)
        made.http.headers["X-Forwarded-For"] = address
        self._people.append(made)
        return made

    def moved(self, person: Person, host: Host) -> Person:
        """The same browser, its next requests sent to ``host`` (as a load balancer
        may): the same cookies (session, CSRF) and the same address."""
        other = self.on(host, person.account, person.http.headers["X-Forwarded-For"])
        domain = host.address
        for cookie in person.http.cookies:
            other.http.cookies.set(cookie.name, cookie.value, domain=domain,
                                   path=cookie.path, secure=cookie.secure)
        return other

    # --- stop -------------------------------------------------------------------------

    def close(self) -> None:
        steps = [person.close for person in self._people]
        steps += [service.stop for host in self.hosts for service in host.services()]
        steps += [proxy.stop for host in self.hosts for proxy in host.proxies]
        steps += [lambda: remove_namespaces(self.hosts)]
        self.gunicorn = self.worker = None  # stopped above
        self._people = []
        failed = []
        for step in steps:
            try:
                step()
            except Exception as error:  # noqa: BLE001 - the rest must still run
                failed.append(error)
        try:
            super().close()  # mail, the in-process app, Redis, the database
        except Exception as error:  # noqa: BLE001
            failed.append(error)
        if failed:
            raise failed[0]

    def log_tail(self, lines: int = 60) -> str:
        parts = []
        for host in self.hosts:
            for what in ("gunicorn", "rq"):
                parts.append(f"--- {what} on {host.name} ---\n"
                             f"{log_tail(self._log(host, what), lines)}")
        return "\n".join(parts)


def _redis_host_port(url: str) -> tuple[str, int]:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or 6379


def _with_host_port(url: str, host: str, port: int) -> str:
    import sqlalchemy as sa

    return sa.make_url(url).set(host=host, port=port).render_as_string(hide_password=False)
