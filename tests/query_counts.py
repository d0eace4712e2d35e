"""The exact number of SQL queries of each page and API endpoint, pinned in ``tests/query_counts.json``.

A test that measures a page calls ``query_counts.check("web/list/devices", n)``: a count that differs
from the pinned one fails the test, one query more (an N+1 waiting for data) or one less (then pin the
better figure). Changing a figure is deliberate: run the tests that measure it with
``--update-query-counts`` on SQLite and on PostgreSQL, and commit the file with the change that
explains it. A figure is one number when both databases agree, ``{"sqlite": n, "postgresql": m}``
when they do not.

Updating is safe under pytest-xdist: each worker rewrites the file under an exclusive lock.
"""

import fcntl
import json
from pathlib import Path

from django.db import connection

BASELINE = Path(__file__).with_name("query_counts.json")
VENDORS = ("sqlite", "postgresql")
HOW_TO_UPDATE = (
    "If the change is deliberate, pin the new figure: rerun these tests with `pytest --update-query-counts` "
    "(on SQLite, and with DATABASE_URL on PostgreSQL) and commit tests/query_counts.json."
)

Pinned = int | dict[str, int]


def _merged(old: Pinned | None, vendor: str, count: int) -> Pinned:
    """``old`` with this vendor's figure set to ``count``; one number again once every vendor agrees."""
    if old is None:
        return count  # the other database's pass splits it if it disagrees
    figures = dict(old) if isinstance(old, dict) else dict.fromkeys(VENDORS, old)
    figures[vendor] = count
    return count if len(set(figures.values())) == 1 else dict(sorted(figures.items()))


class QueryCounts:
    """Checks measured counts against the baseline file, or rewrites it (``update``)."""

    def __init__(self, path: Path = BASELINE, *, update: bool = False) -> None:
        self.path = path
        self.update = update
        self._pinned: dict[str, Pinned] | None = None

    def pinned(self) -> dict[str, Pinned]:
        if self._pinned is None:
            self._pinned = json.loads(self.path.read_text()) if self.path.exists() else {}
        return self._pinned

    def check(self, name: str, count: int) -> None:
        """Fail unless ``count`` is the figure pinned for ``name`` on this database (or pin it)."""
        vendor = connection.vendor
        if self.update:
            self._record(name, vendor, count)
            return
        pinned = self.pinned().get(name)
        expected = pinned.get(vendor) if isinstance(pinned, dict) else pinned
        assert expected is not None, f"{name}: {count} queries on {vendor}, and no figure pinned. {HOW_TO_UPDATE}"
        assert count == expected, (
            f"{name}: {count} queries on {vendor}, {expected} pinned in tests/query_counts.json. {HOW_TO_UPDATE}"
        )

    def _record(self, name: str, vendor: str, count: int) -> None:
        with self.path.open("a+", encoding="utf-8") as f:
            fcntl.flock(f, fcntl.LOCK_EX)  # xdist workers update the same file
            f.seek(0)
            text = f.read()
            figures = json.loads(text) if text.strip() else {}
            figures[name] = _merged(figures.get(name), vendor, count)
            f.seek(0)
            f.truncate()
            f.write(json.dumps(dict(sorted(figures.items())), indent=1) + "\n")
        self._pinned = None
