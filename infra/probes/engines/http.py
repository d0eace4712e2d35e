"""The HTTP(S) engine: is a website up, how fast, is its certificate sound, and does it carry its text.

Plain Python (no ORM, no Django settings: everything comes in as arguments), on aiohttp's asyncio
client. ``check`` takes a batch of targets and returns one ``HttpResult`` per target, in the same
order; it runs its own event loop (``base.run_coroutine``), so a huey worker thread can call it, and so
can a thread that already runs one.

One check is one GET of the target's URL, with its redirects followed here (not by aiohttp) so that
every hop is recorded and every hop's address passes the network fence (``allowed``). Besides it, and
only when needed: an unverified TLS handshake to read a certificate that failed verification (so its
issuer and expiry are known even then); a GET of ``https://host/`` when the URL is plain ``http://``
(is HTTPS offered at all?); and when ``target.freshness``, the few GETs ``freshness.discover`` asks for,
on the same site only.

Politeness: at most ``per_host`` requests to one host name at a time, ``concurrency`` in all. A
target waiting for its host does not hold one of the ``concurrency`` slots. Each request opens its own
connection (no keep-alive), so that the time to first byte always includes connecting and the TLS
handshake, as a visitor's first visit does.

Times: ``ttfb_ms`` runs from the start of the first request of the chain to the headers of the final
answer, ``total_ms`` to the end of its body (read up to ``BODY_CAP``). ``target.timeout`` bounds the
whole chain (all redirects and the body), not each hop.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import errno
import html
import ipaddress
import os
import re
import socket
import ssl
import sys
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from http.cookies import CookieError, SimpleCookie
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from cryptography import x509
from cryptography.x509.oid import ExtensionOID
from yarl import URL

from .base import Outcome, run_coroutine

if TYPE_CHECKING:
    from .. import freshness

DEFAULT_USER_AGENT = "Simpul/1.0 (website check of the city's Diskominfo)"
BODY_CAP = 2 * 1024 * 1024  # bytes of a page read at most (the rest is not fetched)
MIXED_CONTENT_MAX = 50  # http:// resources listed at most per page
MIXED_CONTENT_CHARS = 512_000  # of a page read for its resources
# Seconds one call may queue targets for (under a probe run's limit, services/scheduling.RUN_LIMIT).
RUN_BUDGET = 240.0
# A host of numbers only (decimal, octal or hex parts): no top-level domain is numeric.
_NUMERIC_HOST = re.compile(r"(?:0[xX][0-9a-fA-F]*|[0-9]+)(?:\.(?:0[xX][0-9a-fA-F]*|[0-9]+))*\.?")
HTTPS_PORT = 443
# Freshness: each of its GETs waits at most this long, and all of them together at most this long.
FRESHNESS_FETCH_TIMEOUT = 5.0
FRESHNESS_BUDGET = 30.0
FRESHNESS_MAX_FETCHES = 20
FRESHNESS_MAX_REDIRECTS = 5
_NEEDS_CLEANUP_CLOSED = sys.version_info < (3, 12, 8) or (3, 13, 0) <= sys.version_info < (3, 13, 1)
_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

# OpenSSL's X509_V_ERR_* codes (ssl.SSLCertVerificationError.verify_code) and what they mean here.
_TLS_VERIFY_OUTCOMES = {
    9: Outcome.TLS_EXPIRED,  # certificate is not yet valid
    10: Outcome.TLS_EXPIRED,  # certificate has expired
    62: Outcome.TLS_WRONG_NAME,  # hostname mismatch
    64: Outcome.TLS_WRONG_NAME,  # IP address mismatch
    2: Outcome.TLS_UNTRUSTED,  # unable to get issuer certificate
    18: Outcome.TLS_UNTRUSTED,  # self-signed certificate
    19: Outcome.TLS_UNTRUSTED,  # self-signed certificate in certificate chain
    20: Outcome.TLS_UNTRUSTED,  # unable to get local issuer certificate
    21: Outcome.TLS_UNTRUSTED,  # unable to verify the first certificate
    27: Outcome.TLS_UNTRUSTED,  # certificate not trusted
}
_ERRNO_OUTCOMES = {
    errno.ECONNREFUSED: Outcome.CONNECTION_REFUSED,
    errno.EHOSTUNREACH: Outcome.HOST_UNREACHABLE,
    errno.ENETUNREACH: Outcome.NETWORK_UNREACHABLE,
    errno.ETIMEDOUT: Outcome.TIMEOUT,
}


@dataclass(frozen=True)
class HttpTarget:
    key: int
    url: str
    timeout: float = 10.0
    expect_text: str = ""
    freshness: bool = False  # also run freshness.discover on the home page (feeds, sitemap ...)


@dataclass
class HttpResult:
    key: int
    outcome: Outcome
    started: datetime
    detail: str = ""
    status_code: int | None = None
    ttfb_ms: float | None = None
    total_ms: float | None = None
    final_url: str = ""
    redirects: list[tuple[int, str]] = field(default_factory=list)
    tls_version: str = ""
    tls_issuer: str = ""
    tls_subject: str = ""
    tls_expires: datetime | None = None
    hsts: bool | None = None
    plain_http_only: bool | None = None
    mixed_content: list[str] = field(default_factory=list)
    content_found: bool | None = None
    finding: freshness.Finding | None = None  # when target.freshness and a page came


Discover = Callable[[Any, Any, date], Awaitable[Any]]


def check(
    targets: Sequence[HttpTarget],
    *,
    concurrency: int = 200,
    per_host: int = 2,
    user_agent: str = DEFAULT_USER_AGENT,
    ca_file: str = "",
    allowed: Callable[[str], str] | None = None,
    max_redirects: int = 10,
    https_port: int = HTTPS_PORT,
    hosts: Mapping[str, Sequence[str]] | None = None,
    today: date | None = None,
    discover: Discover | None = None,
    budget: float = RUN_BUDGET,
) -> list[HttpResult]:
    """Check every target once; one result per target, in order.

    ``allowed(ip)`` returns "" when the address may be contacted, else why not: it is asked for every
    address a name resolves to and every IP literal, on every hop (refused: ``Outcome.LOCAL_ERROR``).
    ``ca_file`` adds trusted authorities to the system's. ``https_port`` is where HTTPS is looked for
    when a URL is plain http (443). ``hosts``, when given, is the only name table used (no DNS at all:
    tests and benchmarks). ``today`` is the local date freshness reads pages with (default: this
    machine's). ``discover`` replaces ``freshness.discover`` (tests).
    """
    if not targets:
        return []
    options = _Options(
        concurrency=max(1, concurrency),
        per_host=max(1, per_host),
        user_agent=user_agent,
        ca_file=ca_file,
        allowed=allowed,
        max_redirects=max(0, max_redirects),
        https_port=https_port,
        hosts=hosts,
        today=today or datetime.now().astimezone().date(),
        discover=discover,
        budget=budget,
    )
    return run_coroutine(_check(list(targets), options))


@dataclass
class _Options:
    concurrency: int
    per_host: int
    user_agent: str
    ca_file: str
    allowed: Callable[[str], str] | None
    max_redirects: int
    https_port: int
    hosts: Mapping[str, Sequence[str]] | None
    today: date
    discover: Discover | None
    budget: float = RUN_BUDGET


class _OutOfTime(TimeoutError):
    """The call's time ran out before a slot came free (many checks of one host, or of all)."""


class _Refused(OSError):
    """The network fence refused every address of a host (the reason is the message)."""


class _HopError(Exception):
    """A chain ended without a usable answer (too many redirects, a redirect to a non-web address)."""


class _TableResolver(AbstractResolver):
    """Names from a fixed table only (tests, benchmarks): nothing reaches a DNS server."""

    def __init__(self, table: Mapping[str, Sequence[str]]) -> None:
        self.table = {k.lower().rstrip("."): list(v) for k, v in table.items()}

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        addresses = self.table.get(host.lower().rstrip("."))
        if not addresses:
            raise socket.gaierror(socket.EAI_NONAME, f"{host} is not in the name table")
        found: list[ResolveResult] = []
        for address in addresses:
            v6 = ":" in address
            if family not in (socket.AF_UNSPEC, socket.AF_INET6 if v6 else socket.AF_INET):
                continue
            fam = socket.AF_INET6 if v6 else socket.AF_INET
            found.append({"hostname": host, "host": address, "port": port, "family": fam, "proto": 0, "flags": 0})
        if not found:
            raise socket.gaierror(socket.EAI_NONAME, f"{host} has no address of that family")
        return found

    async def close(self) -> None:
        return None


class _FencedResolver(AbstractResolver):
    """Resolves through another resolver and keeps only the addresses ``allowed`` lets through."""

    def __init__(self, inner: AbstractResolver, allowed: Callable[[str], str] | None) -> None:
        self.inner = inner
        self.allowed = allowed

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        found = await self.inner.resolve(host, port, family)
        if self.allowed is None:
            return found
        reasons = [self.allowed(r["host"]) for r in found]
        kept = [r for r, reason in zip(found, reasons, strict=True) if not reason]
        if not kept:
            raise _Refused(next((r for r in reasons if r), f"{host}: no address may be contacted"))
        return kept

    async def close(self) -> None:
        await self.inner.close()


@dataclass
class _Page:
    """One answer: its headers, its body (capped) and when each came."""

    url: URL
    status: int
    reason: str
    headers: Mapping[str, str]
    body: bytes
    charset: str | None
    headers_at: float  # perf_counter() when the headers came
    done_at: float  # ... and when the body was read
    tls: tuple[str, bytes] | None  # (TLS version, peer certificate DER) on HTTPS


class _Clock:
    """A chain's time limit: it starts with its first request, once that holds its slots."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self.deadline: float | None = None
        self.t0 = 0.0
        self.started: datetime | None = None

    def start(self) -> None:
        if self.deadline is None:
            self.deadline = asyncio.get_running_loop().time() + self.timeout
            self.t0 = time.perf_counter()
            self.started = datetime.now(UTC)


@dataclass
class _Tls:
    version: str = ""
    issuer: str = ""
    subject: str = ""
    expires: datetime | None = None


class _Run:
    """One call of ``check``: the session, the slots, and the options every target shares."""

    def __init__(self, options: _Options, session: aiohttp.ClientSession, resolver: _FencedResolver) -> None:
        self.options = options
        self.session = session
        self.resolver = resolver
        self.slots = asyncio.Semaphore(options.concurrency)
        self.unverified = _unverified_context()
        self.host_slots: defaultdict[str, asyncio.Semaphore] = defaultdict(lambda: asyncio.Semaphore(options.per_host))
        self.deadline = time.monotonic() + options.budget

    @contextlib.asynccontextmanager
    async def slot(self, host: str) -> AsyncIterator[None]:
        """The host's slot first, then one of all: a target queued behind a busy host holds none. No
        wait goes past the call's budget (a chunk must end within its run's limit)."""
        host_slot = self.host_slots[host.lower()]
        try:
            async with asyncio.timeout(max(self.deadline - time.monotonic(), 0.0)):
                await host_slot.acquire()
                try:
                    await self.slots.acquire()
                except BaseException:
                    host_slot.release()
                    raise
        except TimeoutError:
            raise _OutOfTime from None
        try:
            yield
        finally:
            self.slots.release()
            host_slot.release()

    def refusal(self, host: str) -> str:
        """Why an IP-literal host may not be contacted ("" for names: the resolver fences those)."""
        if self.options.allowed is None:
            return ""
        try:
            ipaddress.ip_address(host)
        except ValueError:
            if _NUMERIC_HOST.fullmatch(host):
                # 2130706433, 0177.0.0.1, 127.1: an address to some clients, no name to a resolver.
                return f"{host} is not written as an IP address or a host name"
            return ""
        return self.options.allowed(host)

    async def get(self, url: URL, cookies: dict[str, dict[str, str]], clock: _Clock) -> _Page:
        """One GET (no redirect followed), its body read up to ``BODY_CAP``, all before the clock's
        deadline (which starts with the chain's first request, once its slots are held)."""
        host = url.host or ""
        reason = self.refusal(host)
        if reason:
            raise _Refused(reason)
        headers = {}
        jar = cookies.get(host.lower())
        if jar:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in jar.items())
        async with self.slot(host):
            clock.start()
            async with asyncio.timeout_at(clock.deadline):
                response = await self.session.get(url, allow_redirects=False, headers=headers)
                try:
                    headers_at = time.perf_counter()
                    tls = response.tls if isinstance(response, _Response) else None
                    _keep_cookies(response, cookies, host.lower())
                    body = await _read_capped(response)
                    done_at = time.perf_counter()
                finally:
                    response.close()
        return _Page(
            url=url,
            status=response.status,
            reason=response.reason or "",
            headers=response.headers,
            body=body,
            charset=response.charset,
            headers_at=headers_at,
            done_at=done_at,
            tls=tls,
        )

    async def inspect_tls(self, host: str, port: int, timeout: float) -> _Tls | None:
        """Read a server's certificate through an unverified handshake (after verification failed)."""
        context = self.unverified
        try:
            if self.refusal(host):
                return None
            try:
                ipaddress.ip_address(host)
                address = host
            except ValueError:
                found = await self.resolver.resolve(host, port, socket.AF_UNSPEC)
                address = found[0]["host"]
            async with self.slot(host), asyncio.timeout(timeout):
                _, stream = await asyncio.open_connection(address, port, ssl=context, server_hostname=host)
                try:
                    ssl_object = stream.get_extra_info("ssl_object")
                    der = ssl_object.getpeercert(binary_form=True) if ssl_object else None
                    version = ssl_object.version() if ssl_object else ""
                finally:
                    stream.transport.abort()  # no TLS goodbye: nothing more is wanted from this server
        except (OSError, TimeoutError, ssl.SSLError, ValueError):
            return None
        return _describe_certificate(version or "", der) if der else _Tls(version=version or "")

    async def check_one(self, target: HttpTarget) -> HttpResult:
        result = HttpResult(key=target.key, outcome=Outcome.ERROR, started=datetime.now(UTC))
        try:
            await self._check(target, result)
        except Exception as error:  # a bug here must not lose the batch: report it on the target
            result.outcome = Outcome.ERROR
            result.detail = f"engine error: {type(error).__name__}: {error}"[:500]
        return result

    async def _check(self, target: HttpTarget, result: HttpResult) -> None:
        try:
            url = URL(target.url)
        except (ValueError, TypeError):
            url = None
        if url is None or url.scheme not in ("http", "https") or not url.host:
            result.outcome = Outcome.LOCAL_ERROR
            result.detail = f"not an http(s) URL: {target.url[:200]}"
            return
        if url.scheme == "https":
            result.plain_http_only = False
        cookies: dict[str, dict[str, str]] = {}
        clock = _Clock(target.timeout)
        tls: _Tls | None = None
        page: _Page | None = None
        answered = False
        current = url
        try:
            for hop in range(self.options.max_redirects + 1):
                page = await self.get(current, cookies, clock)
                if page.tls is not None:
                    tls = _describe_certificate(*page.tls)
                location = page.headers.get("Location") if 300 <= page.status < 400 else None
                if not location:
                    answered = True
                    break
                following = _redirect_target(current, location)
                result.redirects.append((page.status, str(following) if following else location[:500]))
                if following is None:
                    raise _HopError(f"redirect to an address that is not a web page: {location[:200]}")
                if hop == self.options.max_redirects:
                    raise _HopError(f"too many redirects (more than {self.options.max_redirects})")
                current = following
        except _OutOfTime:
            result.outcome = Outcome.TIMEOUT
            result.detail = f"not reached within this run's {self.options.budget:g} s (too many checks of {url.host})"
        except TimeoutError:
            result.outcome = Outcome.TIMEOUT
            result.detail = f"no answer within {target.timeout:g} s" + (f" from {current}" if current != url else "")
        except _Refused as error:
            result.outcome, result.detail = Outcome.LOCAL_ERROR, str(error)
        except _HopError as error:
            result.outcome, result.detail = Outcome.HTTP_ERROR, str(error)
            result.status_code = page.status if page else None
        except aiohttp.ClientConnectorCertificateError as error:
            result.outcome, result.detail = _certificate_outcome(error.certificate_error)
            tls = await self.inspect_tls(current.host or "", current.port or HTTPS_PORT, target.timeout)
        except aiohttp.ClientConnectorDNSError as error:
            if isinstance(error.os_error, _Refused):
                result.outcome, result.detail = Outcome.LOCAL_ERROR, str(error.os_error)
            else:
                result.outcome = Outcome.NAME_NOT_RESOLVED
                result.detail = f"{current.host} does not resolve: {error.os_error.strerror or error.os_error}"
        except (aiohttp.ClientConnectorSSLError, ssl.SSLError) as error:
            result.outcome = Outcome.TLS_ERROR
            result.detail = f"TLS handshake failed: {getattr(error, 'reason', None) or error}"[:500]
            tls = await self.inspect_tls(current.host or "", current.port or HTTPS_PORT, target.timeout)
        except aiohttp.ClientConnectorError as error:
            number = error.os_error.errno or 0
            result.outcome = _ERRNO_OUTCOMES.get(number, Outcome.ERROR)
            why = os.strerror(number).lower() if number else str(error)
            result.detail = f"cannot connect to {current.host} port {current.port}: {why}"
        except (aiohttp.ClientError, OSError, ValueError) as error:
            # A malformed answer, a connection closed without one, an invalid redirect address ...
            result.outcome = Outcome.ERROR
            result.detail = f"{type(error).__name__}: {error}"[:500]
        if clock.started is not None:
            result.started = clock.started
        if tls is not None:
            result.tls_version, result.tls_issuer = tls.version, tls.issuer
            result.tls_subject, result.tls_expires = tls.subject, tls.expires
        if not answered or page is None:
            return
        self._answered(target, result, page, clock)
        text = _decode(page.body, page.charset) if page.url.scheme == "https" and page.body else ""
        if text and _is_html(page.headers, text):
            # Parsed in a thread: a big or hostile page must not hold up the other sites' timings.
            result.mixed_content = await asyncio.to_thread(mixed_content, text, str(page.url))
        await self._plain_http(url, result, page, target)
        if target.freshness and page.status < 400:
            result.finding = await self._freshness(url, page)

    def _answered(self, target: HttpTarget, result: HttpResult, page: _Page, clock: _Clock) -> None:
        """Outcome and page facts of a chain that ended in an answer."""
        result.status_code = page.status
        result.final_url = str(page.url)
        result.ttfb_ms = round((page.headers_at - clock.t0) * 1000, 3)
        result.total_ms = round((page.done_at - clock.t0) * 1000, 3)
        text = _decode(page.body, page.charset) if page.body else ""
        if page.url.scheme == "https":
            result.hsts = _hsts(page.headers.get("Strict-Transport-Security", ""))
        if target.expect_text:
            result.content_found = contains_text(text, target.expect_text)
        if page.status >= 400:
            result.outcome = Outcome.HTTP_ERROR
            result.detail = f"HTTP {page.status} {page.reason}".strip()
        elif target.expect_text and not result.content_found:
            result.outcome = Outcome.CONTENT_MISSING
            result.detail = f"the page does not contain {target.expect_text[:100]!r}"
        else:
            result.outcome = Outcome.OK
            result.detail = ""

    async def _plain_http(self, url: URL, result: HttpResult, page: _Page, target: HttpTarget) -> None:
        """For an http:// URL that answered: does the same host answer with a page over HTTPS too?"""
        if url.scheme == "https":
            return
        if page.url.scheme == "https" or any(loc.startswith("https://") for _, loc in result.redirects):
            result.plain_http_only = False
            return
        secure = URL.build(scheme="https", host=url.host or "", port=self.options.https_port, path="/")
        try:
            answer = await self.get(secure, {}, _Clock(target.timeout))
        except (TimeoutError, OSError, aiohttp.ClientError, ValueError):
            result.plain_http_only = True
            return
        location = answer.headers.get("Location") if 300 <= answer.status < 400 else None
        following = _redirect_target(secure, location) if location else None
        downgraded = bool(location) and (following is None or following.scheme != "https")
        result.plain_http_only = answer.status >= 400 or downgraded

    async def _freshness(self, url: URL, page: _Page) -> Any:
        """Run freshness.discover on the home page, with a fetch kept to the site and to a budget."""
        from .. import freshness as fresh_module

        discover = self.options.discover or fresh_module.discover
        site_hosts = {(url.host or "").lower(), (page.url.host or "").lower()}
        loop = asyncio.get_running_loop()
        budget_end = loop.time() + FRESHNESS_BUDGET
        fetches = 0

        async def fetch(address: str) -> Any:
            nonlocal fetches
            if fetches >= FRESHNESS_MAX_FETCHES or loop.time() >= budget_end:
                return None
            fetches += 1
            try:
                current = URL(address)
                cookies: dict[str, dict[str, str]] = {}
                for _ in range(FRESHNESS_MAX_REDIRECTS + 1):
                    if current.scheme not in ("http", "https") or (current.host or "").lower() not in site_hosts:
                        return None
                    clock = _Clock(min(FRESHNESS_FETCH_TIMEOUT, budget_end - loop.time()))
                    answer = await self.get(current, cookies, clock)
                    location = answer.headers.get("Location") if 300 <= answer.status < 400 else None
                    if not location:
                        if answer.status >= 400:
                            return None
                        return fresh_module.FetchedDoc(
                            url=str(answer.url), status=answer.status, headers=answer.headers, body=answer.body
                        )
                    following = _redirect_target(current, location)
                    if following is None:
                        return None
                    current = following
            except (TimeoutError, OSError, aiohttp.ClientError, ValueError, _Refused):
                return None
            return None

        home = fresh_module.FetchedDoc(url=str(page.url), status=page.status, headers=page.headers, body=page.body)
        try:
            return await discover(fetch, home, self.options.today)
        except Exception:  # freshness is extra: a failure there must not spoil the check
            return None


async def _check(targets: list[HttpTarget], options: _Options) -> list[HttpResult]:
    context = ssl.create_default_context()
    if options.ca_file:
        context.load_verify_locations(options.ca_file)
    inner: AbstractResolver = _TableResolver(options.hosts) if options.hosts is not None else aiohttp.ThreadedResolver()
    resolver = _FencedResolver(inner, options.allowed)
    connector = aiohttp.TCPConnector(
        limit=0,  # the engine's own slots bound it (per host first, then in all)
        force_close=True,
        # Before Python 3.12.8 a closed TLS connection can linger unclosed; aiohttp aborts those (and
        # warns that the switch is useless on later versions, hence the condition).
        enable_cleanup_closed=_NEEDS_CLEANUP_CLOSED,
        resolver=resolver,
        ssl=context,
        family=socket.AF_UNSPEC,
        ttl_dns_cache=60,
    )
    async with aiohttp.ClientSession(
        connector=connector,
        cookie_jar=aiohttp.DummyCookieJar(),
        headers={"User-Agent": options.user_agent, "Accept": _ACCEPT, "Accept-Language": "id,en;q=0.8"},
        timeout=aiohttp.ClientTimeout(total=None, sock_connect=None, sock_read=None),
        trust_env=False,
        response_class=_Response,
        max_line_size=16384,
        max_field_size=16384,
        max_headers=256,
    ) as session:
        run = _Run(options, session, resolver)
        return list(await asyncio.gather(*(run.check_one(t) for t in targets)))


async def _read_capped(response: aiohttp.ClientResponse) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while size < BODY_CAP:
        chunk = await response.content.read(min(65536, BODY_CAP - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _unverified_context() -> ssl.SSLContext:
    """For reading a certificate that failed verification: no checks, and no CA store to load (loading
    the system's takes milliseconds; one context serves a whole run)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with contextlib.suppress(ssl.SSLError, ValueError):  # let old servers show their version too
        context.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
        context.set_ciphers("DEFAULT:@SECLEVEL=0")
    return context


class _Response(aiohttp.ClientResponse):
    """A response that notes its connection's TLS version and peer certificate as it starts: by the
    time the caller looks, a short body has been read and the connection is already gone."""

    tls: tuple[str, bytes] | None = None

    async def start(self, connection: Any) -> aiohttp.ClientResponse:
        transport = connection.transport
        ssl_object = transport.get_extra_info("ssl_object") if transport is not None else None
        if ssl_object is not None:
            self.tls = (ssl_object.version() or "", ssl_object.getpeercert(binary_form=True) or b"")
        return await super().start(connection)


def _keep_cookies(response: aiohttp.ClientResponse, cookies: dict[str, dict[str, str]], host: str) -> None:
    """Cookies set by a hop go back to the same host on later hops of this check only (a site that
    redirects to itself after setting a cookie must not look like a redirect loop)."""
    for value in response.headers.getall("Set-Cookie", ()):
        jar = SimpleCookie()
        with contextlib.suppress(CookieError):
            jar.load(value)
        for name, morsel in jar.items():
            cookies.setdefault(host, {})[name] = morsel.value


def _redirect_target(current: URL, location: str) -> URL | None:
    """The absolute URL a Location header leads to, or None when it is not an http(s) address."""
    try:
        following = current.join(URL(location.strip()))
    except (ValueError, TypeError):
        return None
    if following.scheme not in ("http", "https") or not following.host:
        return None
    return following


def _certificate_outcome(error: Exception) -> tuple[Outcome, str]:
    code = getattr(error, "verify_code", None)
    message = getattr(error, "verify_message", None) or str(error)
    outcome = _TLS_VERIFY_OUTCOMES.get(code, Outcome.TLS_ERROR) if code is not None else Outcome.TLS_ERROR
    return outcome, f"certificate: {message}"[:500]


def _describe_certificate(version: str, der: bytes) -> _Tls:
    """The TLS version and the certificate's issuer, subject and expiry, for people to read."""
    if not der:
        return _Tls(version=version)
    try:
        certificate = x509.load_der_x509_certificate(der)
    except ValueError:
        return _Tls(version=version)
    subject = certificate.subject.rfc4514_string()
    if not subject:  # modern certificates may name their hosts only in the SAN extension
        with contextlib.suppress(x509.ExtensionNotFound):
            names = certificate.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_ALTERNATIVE_NAME).value
            subject = ", ".join(
                [*names.get_values_for_type(x509.DNSName), *map(str, names.get_values_for_type(x509.IPAddress))]
            )
    return _Tls(
        version=version,
        issuer=certificate.issuer.rfc4514_string()[:500],
        subject=subject[:500],
        expires=certificate.not_valid_after_utc,
    )


def _hsts(value: str) -> bool:
    """An HSTS header that asks for something: max-age above zero."""
    match = re.search(r"max-age\s*=\s*\"?(\d+)", value, re.IGNORECASE)
    return bool(match and int(match.group(1)) > 0)


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.IGNORECASE)


def _decode(body: bytes, charset: str | None) -> str:
    """A page's text: the charset its Content-Type names, else its <meta charset>, else UTF-8."""
    if body.startswith(codecs.BOM_UTF8):
        return body[3:].decode("utf-8", errors="replace")
    candidates = [charset] if charset else []
    match = _META_CHARSET.search(body[:4096])
    if match:
        candidates.append(match.group(1).decode("ascii", errors="ignore"))
    for name in candidates:
        try:
            return body.decode(name, errors="replace")
        except LookupError:
            continue
    return body.decode("utf-8", errors="replace")


def _is_html(headers: Mapping[str, str], text: str) -> bool:
    kind = headers.get("Content-Type", "").lower()
    return "html" in kind or (not kind and "<html" in text[:2048].lower())


def contains_text(page: str, expected: str) -> bool:
    """Does the page carry the text? Case and runs of white space do not matter, and HTML entities
    are read as the characters they stand for (``&amp;`` is ``&``)."""

    def norm(value: str) -> str:
        return " ".join(value.split()).casefold()

    wanted = norm(expected)
    if not wanted:
        return True
    return wanted in norm(page) or wanted in norm(html.unescape(page))


_RESOURCE_ATTRIBUTES = {
    "script": ("src",),
    "img": ("src", "srcset"),
    "iframe": ("src",),
    "source": ("src", "srcset"),
    "video": ("src", "poster"),
    "audio": ("src",),
    "link": ("href",),  # stylesheets only (checked below)
}


class _Resources(HTMLParser):
    """The addresses of the resources a page loads by itself (scripts, images, styles, frames, media)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.base: str | None = None
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v for k, v in attrs if v is not None}
        if tag == "base" and self.base is None and values.get("href"):
            self.base = values["href"].strip()
            return
        names = _RESOURCE_ATTRIBUTES.get(tag)
        if not names:
            return
        if tag == "link" and "stylesheet" not in values.get("rel", "").lower().split():
            return
        for name in names:
            value = values.get(name, "").strip()
            if not value:
                continue
            if name == "srcset":
                self.found.extend(part.split()[0] for part in value.split(",") if part.split())
            else:
                self.found.append(value)


def mixed_content(page: str, page_url: str) -> list[str]:
    """The http:// resources an https page loads (scripts, images, stylesheets, frames, media):
    what browsers block or flag as mixed content. At most ``MIXED_CONTENT_MAX``, in page order."""
    from ..freshness import defused

    parser = _Resources()
    with contextlib.suppress(Exception):  # html.parser is lenient; a page it chokes on shows what it read
        # Defused first: html.parser takes quadratic time over unterminated tags ("<a<a<a...").
        parser.feed(defused(page[:MIXED_CONTENT_CHARS]))
        parser.close()
    base = urljoin(page_url, parser.base) if parser.base else page_url
    found: list[str] = []
    for value in parser.found:
        try:
            absolute = urljoin(base, value)
        except ValueError:
            continue
        if urlsplit(absolute).scheme.lower() == "http" and absolute not in found:
            found.append(absolute)
            if len(found) >= MIXED_CONTENT_MAX:
                break
    return found
