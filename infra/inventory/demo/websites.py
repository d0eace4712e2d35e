"""The demo city's websites: which OPD website and which public service is served where, and how.

``data/websites.csv`` is the one list: the registry's URLs (an OPD's ``website``, a public service's
``url``) are built from it by the loader, and ``infra.probes.demo_websites`` serves the same rows from
loopback addresses, so that every case of the websites report (fresh and stale by each way of finding
the last update, certificate expiring, expired, wrong name, untrusted, mixed content, plain HTTP only,
down, slow, HTTP error, expected text missing) is true on any day without touching the internet.

Rows whose case is ``public`` keep a public-looking address: their checks are created switched off
(a host outside loopback is checked only when a person switches it on).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from .data import read

# The demo web server's ports, the same on every address (docs/operations.md, "The demo web server").
HTTP_PORT = 8080
HTTPS_PORT = 8443
# The slow site answers after this many seconds: longer than a website check's timeout (10 s).
SLOW_SECONDS = 15.0

# What a site serves (``case``) and how its certificate is made (``tls``).
CASES = (
    "wordpress",  # WordPress-like: RSS feed linked from the page (/feed/, /?feed=rss2)
    "atom",  # an Atom feed linked from the page
    "joomla",  # Joomla-like: an RSS feed at the usual path, not linked
    "sitemap",  # no feed: sitemap.xml (named in robots.txt) with lastmod
    "sitemap_index",  # no feed: a sitemap index and its child sitemaps
    "news",  # no feed, no sitemap: a news list with Indonesian dates
    "last_modified",  # a static page: only its Last-Modified header dates it
    "daily_text",  # text only, a different announcement every day (the fingerprint)
    "clock",  # the same text every day, a clock and a visitor counter (must not look updated)
    "error",  # HTTP 500 (a broken database connection)
    "slow",  # answers after SLOW_SECONDS
    "down",  # nothing listens at its address
    "login",  # a public service's login page
    "maintenance",  # a public service showing a maintenance notice (its expected text missing)
    "queue",  # the MPP's queue display
    "public",  # a public-looking address: not served here, never checked unless switched on
)
TLS_KINDS = ("valid", "expiring", "expired", "wrong_name", "self_signed", "none")
FLAGS = ("hsts", "mixed_content", "home_redirect")
LOOPBACK = ipaddress.ip_network("127.0.0.0/8")


@dataclass(frozen=True)
class DemoSite:
    """One website of the demo: an OPD's (``object`` "opd") or a public service's ("app")."""

    owner: str  # the OPD's short name, or the application's short name
    object: str  # "opd" or "app"
    case: str
    address: str = ""  # a loopback address, distinct per site ("" for a public-looking one)
    scheme: str = "https"  # the scheme of the URL the registry holds
    tls: str = "valid"  # "none": no HTTPS at this address (plain HTTP only)
    age_days: int = 0  # how old the newest item is
    flags: frozenset[str] = frozenset()
    expect_text: str = ""  # the text its check expects on the page
    public_url: str = ""  # the registry's URL of a "public" row

    @property
    def served(self) -> bool:
        """Whether the demo web server answers at this site's address (not for public or down ones)."""
        return self.case not in ("public", "down")

    def url(self, http_port: int = HTTP_PORT, https_port: int = HTTPS_PORT) -> str:
        """The URL the registry holds (an OPD's website, an application's url)."""
        if self.case == "public":
            return self.public_url
        port = https_port if self.scheme == "https" else http_port
        return f"{self.scheme}://{self.address}:{port}/"


def _site(row: dict[str, str]) -> DemoSite:
    site = DemoSite(
        owner=row["owner"],
        object=row["object"],
        case=row["case"],
        address=row["address"],
        scheme=row["scheme"] or "https",
        tls=row["tls"] or "valid",
        age_days=int(row["age_days"] or 0),
        flags=frozenset(row["flags"].split()),
        expect_text=row["expect_text"],
        public_url=row["url"],
    )
    # Checked at import, so a typo in the file fails there and not halfway through a load.
    if site.object not in ("opd", "app") or site.case not in CASES or site.tls not in TLS_KINDS:
        raise ValueError(f"websites.csv: bad object, case or tls in {row}")
    if not site.flags <= set(FLAGS) or site.scheme not in ("http", "https"):
        raise ValueError(f"websites.csv: bad flags or scheme in {row}")
    if site.case == "public":
        if not site.public_url or site.address:
            raise ValueError(f"websites.csv: a public row has a url and no address: {row}")
    elif ipaddress.ip_address(site.address) not in LOOPBACK:
        raise ValueError(f"websites.csv: the demo serves loopback addresses only: {row}")
    if site.scheme == "https" and site.tls == "none":
        raise ValueError(f"websites.csv: an https URL needs a certificate: {row}")
    return site


DEMO_SITES: tuple[DemoSite, ...] = tuple(_site(row) for row in read("websites.csv"))
_addresses = [s.address for s in DEMO_SITES if s.address]
if len(_addresses) != len(set(_addresses)):
    raise ValueError("websites.csv: each site needs its own address")

# What the loader puts in the registry: OPD short name -> website, application short name -> url.
OPD_WEBSITES: dict[str, str] = {s.owner: s.url() for s in DEMO_SITES if s.object == "opd"}
APPLICATION_URLS: dict[str, str] = {s.owner: s.url() for s in DEMO_SITES if s.object == "app"}
