"""The change log's hash chain: each record carries the hash of the one written before it.

The recipe (docs/changelog.md gives it for auditors re-verifying with their own script):

    hash = sha256(canonical_json({...the record's content..., "prev_hash": <previous record's hash>}))

over the fields in :data:`HASHED_FIELDS`; the first record's ``prev_hash`` is :data:`GENESIS`. The
chain follows the order records were written (their id): an append takes the chain's head under a
lock (PostgreSQL: an advisory lock held to the end of the transaction; SQLite: the write lock that
``BEGIN IMMEDIATE`` takes), so concurrent writers cannot fork it, and a unique index on ``prev_hash``
refuses a fork whatever the writer.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import connections, router

GENESIS = "0" * 64
# The advisory lock's key on PostgreSQL: "SIMPULCL" read as an integer (any constant other code does not use).
ADVISORY_LOCK_KEY = 0x53494D50554C434C
# The fields in the hash, by their names in the canonical JSON (the table's column names).
HASHED_FIELDS = (
    "prev_hash",
    "recorded",
    "time",
    "entered_by",
    "user_id",
    "user_name",
    "request_id",
    "source",
    "action",
    "content_type_id",
    "object_id",
    "object_repr",
    "related_content_type_id",
    "related_object_id",
    "before",
    "after",
)


def _number(text: str) -> float | int:
    """A JSON number with a fraction or exponent: an integer when its value is integral (PostgreSQL's
    jsonb writes 1e20 as 100000000000000000000 and keeps 2.0 as 2.0; both hash as integers)."""
    value = float(text)
    return int(value) if value.is_integer() else value


def timestamp(value: datetime.datetime | str | None) -> str | None:
    """A moment in the canonical JSON: UTC, microseconds, "Z" (2024-03-01T08:00:00.000000Z)."""
    if value is None or isinstance(value, str):
        return value
    return value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(content: dict[str, object], *, numbers_normalized: bool = False) -> bytes:
    """The bytes hashed: the record's fields as JSON, keys sorted, no spaces, UTF-8, integral
    numbers as integers (a round trip through the JSON parser does that at C speed, unless the
    values were read so already)."""
    if not numbers_normalized:
        content = json.loads(json.dumps(content, allow_nan=False), parse_float=_number)
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def content_of(row: dict[str, object]) -> dict[str, object]:
    """The hashed content of a record given as {column: value} (as written, or as read back)."""
    content = {name: row.get(name) for name in HASHED_FIELDS}
    content["recorded"] = timestamp(row["recorded"])
    content["time"] = timestamp(row["time"])
    request_id = row.get("request_id")
    if not (isinstance(request_id, str) and len(request_id) == 36):
        content["request_id"] = str(request_id if isinstance(request_id, uuid.UUID) else uuid.UUID(str(request_id)))
    return content


def digest(row: dict[str, object], *, numbers_normalized: bool = False) -> str:
    """The hash of a record (its ``prev_hash`` included)."""
    return hashlib.sha256(canonical(content_of(row), numbers_normalized=numbers_normalized)).hexdigest()


# --- Appending ---------------------------------------------------------------------------------

PG_HEAD_FUNCTION = f"""
CREATE OR REPLACE FUNCTION core_objectchange_head(OUT now timestamptz, OUT head varchar) AS $$
BEGIN
    -- Held to the end of the transaction: one appender at a time. The SELECT below is a statement
    -- of its own, so (read committed) it sees what the writer before us committed.
    PERFORM pg_advisory_xact_lock({ADVISORY_LOCK_KEY});
    now := clock_timestamp();
    SELECT o.hash INTO head FROM core_objectchange o ORDER BY o.id DESC LIMIT 1;
END;
$$ LANGUAGE plpgsql VOLATILE;
"""

SQLITE_NOW = "strftime('%Y-%m-%d %H:%M:%f', 'now')"


def is_sqlite(connection) -> bool:
    """By the engine, not ``vendor`` (which a test may fake to take a generic path)."""
    return connection.settings_dict["ENGINE"].endswith("sqlite3")


@dataclass
class Head:
    """Where the next record goes: the database's time for ``recorded`` and the last record's hash."""

    now: datetime.datetime
    hash: str


def head(using: str | None = None) -> Head:
    """Lock the chain for this transaction and read its head: one query. Call inside an atomic block
    (the lock, and on SQLite the write lock of BEGIN IMMEDIATE, last until it ends)."""
    from .models import ObjectChange

    connection = connections[using or router.db_for_write(ObjectChange)]
    with connection.cursor() as cursor:
        if not is_sqlite(connection):  # PostgreSQL (the two databases Simpul runs on)
            cursor.execute("SELECT now, head FROM core_objectchange_head()")
            now, last = cursor.fetchone()
        else:
            cursor.execute(f"SELECT {SQLITE_NOW}, (SELECT hash FROM core_objectchange ORDER BY id DESC LIMIT 1)")
            text, last = cursor.fetchone()
            now = datetime.datetime.fromisoformat(text).replace(tzinfo=datetime.UTC)
    return Head(now=now, hash=last or GENESIS)


def database_now(using: str | None = None) -> datetime.datetime:
    """The database's clock (a bulk write takes it again for each batch: the database accepts a
    ``recorded`` only seconds old)."""
    from .models import ObjectChange

    connection = connections[using or router.db_for_write(ObjectChange)]
    with connection.cursor() as cursor:
        if not is_sqlite(connection):
            cursor.execute("SELECT clock_timestamp()")
            return cursor.fetchone()[0]
        cursor.execute(f"SELECT {SQLITE_NOW}")
        return datetime.datetime.fromisoformat(cursor.fetchone()[0]).replace(tzinfo=datetime.UTC)


# --- Verifying ---------------------------------------------------------------------------------

VERIFY_COLUMNS = ("id", "hash", *HASHED_FIELDS)


@dataclass
class Break:
    """The first broken link: which record, and what is wrong with it."""

    id: int
    time: datetime.datetime | None
    recorded: datetime.datetime | None
    problem: str


@dataclass
class Result:
    checked: int
    last_hash: str
    last_id: int | None
    broken: Break | None = None
    anchor_found: bool | None = None


def _sqlite_time(text: str | datetime.datetime | None) -> str | None:
    """SQLite's stored UTC moment (its text "2024-03-01 08:00:00[.123456]", or the naive datetime
    Django's declared-type converter makes of it) in the canonical form."""
    if text is None:
        return None
    if isinstance(text, datetime.datetime):
        return text.strftime("%Y-%m-%dT%H:%M:%S.%fZ")  # naive: UTC, as Django stores it
    date, _sep, clock = text.partition(" ")
    if "." not in clock:
        clock += ".000000"
    else:
        whole, fraction = clock.split(".")
        clock = f"{whole}.{fraction.ljust(6, '0')}"
    return f"{date}T{clock}Z"


def rows(using: str | None = None, batch: int = 5000) -> Iterator[dict[str, object]]:
    """Every record in chain order, a batch at a time (constant memory whatever the log's size), its
    values read as plain as the database gives them (the ORM's conversions were most of the walk's
    time): moments and request ids already in their canonical text, JSON with integral numbers as
    integers."""
    from .models import ObjectChange

    connection = connections[using or router.db_for_read(ObjectChange)]
    opts = ObjectChange._meta
    quote = connection.ops.quote_name
    text_cast = "" if is_sqlite(connection) else "::text"
    selected = ", ".join(
        quote(opts.get_field(name).column) + (text_cast if name in ("before", "after") else "")
        if name not in ("user_id", "content_type_id", "related_content_type_id")
        else quote(name)
        for name in VERIFY_COLUMNS
    )
    sql = f"SELECT {selected} FROM {opts.db_table} WHERE id > %s ORDER BY id LIMIT %s"
    sqlite = is_sqlite(connection)
    last = 0
    while True:
        with connection.cursor() as cursor:
            cursor.execute(sql, [last, batch])
            page = cursor.fetchall()
        if not page:
            return
        for values in page:
            row = dict(zip(VERIFY_COLUMNS, values, strict=True))
            for name in ("before", "after"):
                text = row[name]
                row[name] = None if text is None else json.loads(text, parse_float=_number)
            if sqlite:
                row["recorded"] = _sqlite_time(row["recorded"])
                row["time"] = _sqlite_time(row["time"])
                if row["request_id"] is not None and len(row["request_id"]) == 32:
                    row["request_id"] = str(uuid.UUID(row["request_id"]))
            yield row
        last = page[-1][0]


def _moment(value: datetime.datetime | str | None) -> datetime.datetime | None:
    if isinstance(value, str):
        return datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value


def verify(using: str | None = None, anchor: str | None = None) -> Result:
    """Walk the chain from its first record: each must link to the one before and hash to what it
    says. Reports the first broken link; with ``anchor`` (a hash an auditor kept), also whether that
    record is still in the chain."""
    from django.utils.translation import gettext as _

    expected_prev = GENESIS
    checked = 0
    last_id = None
    anchor_found = False if anchor else None
    for row in rows(using):
        checked += 1
        problem = None
        if row["hash"] is None:
            problem = _("the record has no hash: it was written around the chain")
        elif row["prev_hash"] != expected_prev:
            problem = _(
                "it does not follow the record before it (it names %(named)s as its predecessor, the chain "
                "has %(actual)s): a record was removed, inserted or moved before it"
            ) % {"named": (row["prev_hash"] or "-")[:16], "actual": expected_prev[:16]}
        elif digest(row, numbers_normalized=True) != row["hash"]:
            problem = _("its content does not match its hash: the record was altered after it was written")
        if problem:
            return Result(
                checked - 1,
                expected_prev,
                last_id,
                Break(row["id"], _moment(row["time"]), _moment(row["recorded"]), problem),
                anchor_found,
            )
        expected_prev = row["hash"]
        last_id = row["id"]
        if anchor and row["hash"] == anchor:
            anchor_found = True
    return Result(checked, expected_prev, last_id, None, anchor_found)


def summary(result: Result) -> str:
    """The verdict in one or two sentences, the same for the command and the web page."""
    from django.utils import formats, timezone
    from django.utils.translation import gettext as _

    def moment(value: datetime.datetime | None) -> str:
        return formats.localize(timezone.localtime(value)) if value else "-"

    if result.broken is None:
        text = _(
            "The chain is unbroken: %(count)s records, each linked to the one before it and matching its hash."
        ) % {"count": result.checked}
        if result.last_id is not None:
            text += " " + _("Last record: #%(id)s, hash %(hash)s.") % {"id": result.last_id, "hash": result.last_hash}
    else:
        b = result.broken
        text = _(
            "The chain is broken at record #%(id)s (time %(time)s, recorded %(recorded)s): %(problem)s. "
            "The %(count)s records before it are intact."
        ) % {
            "id": b.id,
            "time": moment(b.time),
            "recorded": moment(b.recorded),
            "problem": b.problem,
            "count": result.checked,
        }
    if result.anchor_found is False:
        text += " " + _(
            "The anchor given is not in the intact chain: records were removed or rewritten since it was taken."
        )
    elif result.anchor_found:
        text += " " + _("The anchor given is in the chain.")
    return text
