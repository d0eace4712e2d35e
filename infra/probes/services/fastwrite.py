"""The two writes of every chunk, in raw SQL for speed: raw results in, status rows changed.

Measured (bench/probes_store.py, PostgreSQL): bulk_create and an executemany UPDATE spent most of a
chunk's time preparing values field by field; these take plain tuples. On PostgreSQL the rows go
through COPY into a temporary table, then one INSERT ... ON CONFLICT DO NOTHING (the results) or one
UPDATE ... FROM (the statuses); on SQLite one executemany each. tests/probes/test_fastwrite.py pins
both to what the ORM writes and reads."""

from collections.abc import Sequence

from django.db import connections

from ..models import CheckStatus, Result

RESULT_COLUMNS = (
    "check_id",
    "time",
    "outcome",
    "sent",
    "received",
    "prober_id",
    "rtt_min",
    "rtt_avg",
    "rtt_max",
    "jitter",
)
# The status columns a chunk changes, after the key.
STATUS_COLUMNS = (
    "state",
    "since",
    "failures",
    "successes",
    "history",
    "flapping",
    "last_at",
    "last_outcome",
    "last_rtt",
    "last_loss",
    "sys_name",
    "sys_descr",
    "sys_uptime",
    "uptime_at",
)
_DATETIME_COLUMNS = {"time", "since", "last_at", "uptime_at"}


def _adapt(connection, columns: Sequence[str], rows: Sequence[Sequence]) -> list[list]:
    """Values as the database driver takes them: only datetimes need the backend's hand (SQLite)."""
    positions = [i for i, c in enumerate(columns) if c in _DATETIME_COLUMNS]
    if connection.vendor == "postgresql" or not positions:
        return [list(r) for r in rows]
    adapt = connection.ops.adapt_datetimefield_value
    out = []
    for row in rows:
        row = list(row)
        for i in positions:
            row[i] = adapt(row[i])
        out.append(row)
    return out


def _copy_into_temp(cursor, connection, table: str, temp: str, columns: Sequence[str], rows) -> None:
    quote = connection.ops.quote_name
    # Emptied before each use (not ON COMMIT DELETE ROWS: outside a transaction, each statement
    # commits, and the rows would be gone before the INSERT or UPDATE that reads them).
    cursor.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {quote(temp)} (LIKE {quote(table)} INCLUDING DEFAULTS)")
    cursor.execute(f"TRUNCATE {quote(temp)}")
    names = ", ".join(quote(c) for c in columns)
    with connection.wrap_database_errors, cursor.cursor.copy(f"COPY {quote(temp)} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def insert_results(rows: Sequence[Sequence], using: str = "default") -> None:
    """Insert raw results (tuples in RESULT_COLUMNS order); a (check, time) already stored is left as it is."""
    if not rows:
        return
    connection = connections[using]
    quote = connection.ops.quote_name
    table = Result._meta.db_table
    names = ", ".join(quote(c) for c in RESULT_COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _copy_into_temp(cursor, connection, table, f"{table}_incoming", RESULT_COLUMNS, rows)
            cursor.execute(
                f"INSERT INTO {quote(table)} ({names}) SELECT {names} FROM {quote(table + '_incoming')} "
                "ON CONFLICT DO NOTHING"
            )
        else:
            marks = ", ".join(["%s"] * len(RESULT_COLUMNS))
            cursor.executemany(
                f"INSERT INTO {quote(table)} ({names}) VALUES ({marks}) ON CONFLICT DO NOTHING",
                _adapt(connection, RESULT_COLUMNS, rows),
            )


def update_statuses(rows: Sequence[Sequence], using: str = "default") -> None:
    """Write status rows: tuples of (check id, *STATUS_COLUMNS)."""
    if not rows:
        return
    connection = connections[using]
    quote = connection.ops.quote_name
    table = CheckStatus._meta.db_table
    key = CheckStatus._meta.pk.column
    columns = (key, *STATUS_COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            temp = f"{table}_incoming"
            _copy_into_temp(cursor, connection, table, temp, columns, rows)
            assignments = ", ".join(f"{quote(c)} = i.{quote(c)}" for c in STATUS_COLUMNS)
            cursor.execute(
                f"UPDATE {quote(table)} AS s SET {assignments} FROM {quote(temp)} AS i "
                f"WHERE s.{quote(key)} = i.{quote(key)}"
            )
        else:
            assignments = ", ".join(f"{quote(c)} = %s" for c in STATUS_COLUMNS)
            adapted = _adapt(connection, columns, rows)
            cursor.executemany(
                f"UPDATE {quote(table)} SET {assignments} WHERE {quote(key)} = %s", [[*r[1:], r[0]] for r in adapted]
            )
