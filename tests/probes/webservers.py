"""Local web servers for tests and benchmarks: HTTP and HTTPS on loopback, and a test CA.

``WebServers`` runs an asyncio loop in a thread of its own and serves any number of sites from it,
each on its own address and port (all of 127.0.0.0/8 is on ``lo`` under Linux, and ``::1``): a site
is a table of routes (path -> ``Reply``, or a function of the ``Request`` giving one). Replies can
wait before their headers (``delay``), between headers and body (``body_delay``), or never come
(``hang``). ``silent`` listens without ever accepting: the connection is made by the kernel, and
nothing answers. Each site counts its connections, the most open at once, and the requests it saw
(with their headers and time), so tests can check politeness and the User-Agent; ``WebServers.peak``
is the most connections open at once over all its sites.

``LocalCA`` makes a certificate authority and server certificates (valid, expired, not yet valid,
for other names) with ``cryptography``; ``self_signed`` makes one no authority vouches for. Nothing
here contacts anything outside loopback.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

UTC = datetime.UTC


@dataclass(frozen=True)
class Request:
    method: str
    target: str  # path and query, as sent
    headers: Mapping[str, str]  # names in lower case
    at: float = 0.0  # time.monotonic() when it came

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes | str = b""
    headers: Sequence[tuple[str, str]] = ()
    content_type: str = "text/html; charset=utf-8"
    delay: float = 0.0  # seconds before the status line and headers
    body_delay: float = 0.0  # seconds between the headers and the body
    hang: bool = False  # read the request, then never answer
    drop: bool = False  # read the request, then close the connection without a word


Route = Reply | Callable[[Request], Reply]
NOT_FOUND = Reply(404, "<html><body>not found</body></html>")
REASONS = {
    200: "OK",
    301: "Moved Permanently",
    302: "Found",
    303: "See Other",
    307: "Temporary Redirect",
    308: "Permanent Redirect",
    404: "Not Found",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


def redirect(location: str, status: int = 302) -> Reply:
    return Reply(status, b"", headers=(("Location", location),))


@dataclass
class Site:
    """One listening address: what it serves and what it saw."""

    host: str
    port: int
    scheme: str
    routes: dict[str, Route]
    requests: list[Request] = field(default_factory=list)
    connections: int = 0
    active: int = 0
    peak: int = 0  # most connections open at once
    server: Any = None

    def url(self, path: str = "/", host: str | None = None) -> str:
        name = host or self.host
        if ":" in name:
            name = f"[{name}]"
        return f"{self.scheme}://{name}:{self.port}{path}"


class WebServers:
    """Sites served from a background thread's event loop; a context manager that stops them all."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.loop.set_exception_handler(self._quiet)
        self.thread = threading.Thread(target=self.loop.run_forever, name="webservers", daemon=True)
        self.servers: list[asyncio.Server] = []
        self.sockets: list[socket.socket] = []
        self.tasks: set[asyncio.Task[Any]] = set()
        self.active = 0  # connections open now on all its sites
        self.peak = 0  # ... and the most at once

    def __enter__(self) -> WebServers:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @staticmethod
    def _quiet(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        """Handshakes the client refuses (bad certificates, on purpose) are not worth a traceback."""
        error = context.get("exception")
        if isinstance(error, ssl.SSLError | ConnectionError | OSError | asyncio.CancelledError):
            return
        loop.default_exception_handler(context)

    def _call(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=30)

    def site(
        self,
        routes: Mapping[str, Route] | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        tls: ssl.SSLContext | None = None,
    ) -> Site:
        """Serve ``routes`` at host:port (0: any free port), over TLS when given a server context."""
        site = Site(host, port, "https" if tls else "http", dict(routes or {}))

        async def start() -> asyncio.Server:
            return await asyncio.start_server(
                lambda r, w: self._handle(site, r, w), host, port, ssl=tls, backlog=1024, reuse_address=True
            )

        server = self._call(start())
        site.port = server.sockets[0].getsockname()[1]
        site.server = server
        self.servers.append(server)
        return site

    def silent(self, host: str = "127.0.0.1", port: int = 0) -> Site:
        """An address that accepts connections (the kernel does) and never answers anything."""
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        listener = socket.socket(family, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, port))
        listener.listen(1024)
        self.sockets.append(listener)
        return Site(host, listener.getsockname()[1], "http", {})

    async def _handle(self, site: Site, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self.tasks.add(task)
        site.connections += 1
        site.active += 1
        site.peak = max(site.peak, site.active)
        self.active += 1
        self.peak = max(self.peak, self.active)
        try:
            first = await reader.readexactly(1)
            if first == b"\x16":  # a TLS ClientHello to a plain server: answer as nginx does
                writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                await writer.drain()
                return
            head = first + await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, target, _ = [*lines[0].split(" ", 2), "", ""][:3]
            headers = {}
            for line in lines[1:]:
                if ":" in line:
                    name, value = line.split(":", 1)
                    headers[name.strip().lower()] = value.strip()
            request = Request(method, target, headers, time.monotonic())
            site.requests.append(request)
            route = site.routes.get(target, site.routes.get(request.path, NOT_FOUND))
            reply = route(request) if callable(route) else route
            if reply.hang:
                await asyncio.sleep(3600)
            if reply.drop:
                return
            if reply.delay:
                await asyncio.sleep(reply.delay)
            body = reply.body.encode() if isinstance(reply.body, str) else reply.body
            out = [f"HTTP/1.1 {reply.status} {REASONS.get(reply.status, 'Status')}"]
            out += [f"Content-Type: {reply.content_type}", f"Content-Length: {len(body)}", "Connection: close"]
            out += [f"{k}: {v}" for k, v in reply.headers]
            writer.write(("\r\n".join(out) + "\r\n\r\n").encode("latin-1"))
            await writer.drain()
            if reply.body_delay:
                await asyncio.sleep(reply.body_delay)
            if method != "HEAD":
                writer.write(body)
                await writer.drain()
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError, ssl.SSLError, OSError):
            pass
        finally:
            site.active -= 1
            self.active -= 1
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
            if task is not None:
                self.tasks.discard(task)

    def close(self) -> None:
        if not self.thread.is_alive():
            return

        async def stop() -> None:
            for server in self.servers:
                server.close()
            for task in list(self.tasks):
                task.cancel()
            await asyncio.sleep(0)

        with contextlib.suppress(Exception):
            self._call(stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        for listener in self.sockets:
            listener.close()
        self.loop.close()


def closed_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on at ``host`` (bound, then let go): connecting to it is refused."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


# --- certificates -------------------------------------------------------------------------------


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Simpul tests"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _alt_names(names: Sequence[str]) -> x509.SubjectAlternativeName:
    entries: list[x509.GeneralName] = []
    for name in names:
        try:
            entries.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            entries.append(x509.DNSName(name))
    return x509.SubjectAlternativeName(entries)


def _write(
    directory: Path, stem: str, certificate: x509.Certificate, key: ec.EllipticCurvePrivateKey
) -> tuple[Path, Path]:
    cert_file, key_file = directory / f"{stem}.crt", directory / f"{stem}.key"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_file, key_file


def server_context(cert_file: Path, key_file: Path) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    return context


class LocalCA:
    """A certificate authority made for a test run, and the server certificates it signs."""

    def __init__(self, directory: Path, name: str = "Simpul Test CA") -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.datetime.now(UTC)
        self.name = _name(name)
        self.certificate = (
            x509.CertificateBuilder()
            .subject_name(self.name)
            .issuer_name(self.name)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=365))
            .not_valid_after(now + datetime.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(self.key.public_key()), critical=False)
            .sign(self.key, hashes.SHA256())
        )
        self.ca_file, _ = _write(self.directory, "ca", self.certificate, self.key)
        self._count = 0

    def issue(
        self,
        names: Sequence[str],
        *,
        not_before: datetime.datetime | None = None,
        not_after: datetime.datetime | None = None,
    ) -> tuple[Path, Path]:
        """A server certificate for ``names`` (DNS names or IP addresses): (certificate file, key file).
        Valid from a day ago for 90 days unless told otherwise."""
        now = datetime.datetime.now(UTC)
        key = ec.generate_private_key(ec.SECP256R1())
        certificate = (
            x509.CertificateBuilder()
            .subject_name(_name(names[0]))
            .issuer_name(self.name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before or now - datetime.timedelta(days=1))
            .not_valid_after(not_after or now + datetime.timedelta(days=90))
            .add_extension(_alt_names(names), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()), critical=False)
            .sign(self.key, hashes.SHA256())
        )
        self._count += 1
        return _write(self.directory, f"server-{self._count}", certificate, key)

    def context(self, names: Sequence[str], **validity: datetime.datetime) -> ssl.SSLContext:
        """A server TLS context with a certificate for ``names`` (see ``issue``)."""
        return server_context(*self.issue(names, **validity))


def self_signed(directory: Path, names: Sequence[str], stem: str = "self-signed") -> tuple[Path, Path]:
    """A certificate that signs itself: no authority vouches for it."""
    now = datetime.datetime.now(UTC)
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name(names[0])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=90))
        .add_extension(_alt_names(names), critical=False)
        .sign(key, hashes.SHA256())
    )
    return _write(Path(directory), stem, certificate, key)
