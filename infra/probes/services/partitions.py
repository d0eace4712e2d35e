"""PostgreSQL only: the raw results table is partitioned by UTC day, so that dropping a day of results
is dropping a table (instantly, leaving no dead rows), not deleting millions of rows.

Each day's partition is made ahead of time (the scheduler calls :func:`ensure` each minute, and the
migration that partitions the table makes the first ones); a DEFAULT partition catches anything
outside them so that a write never fails, and pruning deletes from it by rows."""

import datetime

from django.db import connections, transaction

TABLE = "probes_result"
DAYS_AHEAD = 3


def supported(using: str = "default") -> bool:
    return connections[using].vendor == "postgresql"


def name_for(day: datetime.date) -> str:
    return f"{TABLE}_p{day:%Y%m%d}"


def existing(using: str = "default") -> dict[datetime.date, str]:
    """{first day: partition name} of the day partitions (the default partition left out)."""
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = %s",
            [TABLE],
        )
        names = [row[0] for row in cursor.fetchall()]
    days = {}
    for name in names:
        suffix = name.removeprefix(f"{TABLE}_p")
        if suffix != name and suffix.isdigit():
            days[datetime.datetime.strptime(suffix, "%Y%m%d").date()] = name
    return days


def ensure(today: datetime.date | None = None, days_ahead: int = DAYS_AHEAD, using: str = "default") -> list[str]:
    """Make the partitions of today and the next ``days_ahead`` days that are missing."""
    if not supported(using):
        return []
    today = today or datetime.datetime.now(datetime.UTC).date()
    made = []
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        # One maker at a time (the scheduler, the hourly task and `probe rollup` may meet here).
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"simpul:{TABLE}:partitions"])
        have = existing(using)
        for offset in range(days_ahead + 1):
            day = today + datetime.timedelta(days=offset)
            if day in have:
                continue
            name = name_for(day)
            start = datetime.datetime.combine(day, datetime.time(), datetime.UTC)
            end = start + datetime.timedelta(days=1)
            # Rows of that day already in the default partition (written before the day's partition
            # existed) are moved into the new one, or creating it would fail.
            cursor.execute(f'CREATE TABLE "{name}" (LIKE "{TABLE}" INCLUDING DEFAULTS INCLUDING CONSTRAINTS)')
            cursor.execute(
                f'WITH moved AS (DELETE FROM "{TABLE}_default" WHERE "time" >= %s AND "time" < %s RETURNING *) '
                f'INSERT INTO "{name}" SELECT * FROM moved',
                [start, end],
            )
            cursor.execute(
                f'ALTER TABLE "{TABLE}" ATTACH PARTITION "{name}" FOR VALUES FROM (%s) TO (%s)', [start, end]
            )
            made.append(name)
    return made


def compact(before: datetime.date | None = None, using: str = "default") -> list[str]:
    """Rebuild the primary-key index of each finished day's partition, packed full.

    While a day is written, each sweep inserts one entry per check into every part of the
    (check, time) index, which leaves its pages about two-thirds full (measured: 44 bytes per entry
    against 28 packed). Once the day is over it gets almost no writes (a late chunk at most), so its
    index is rebuilt with fillfactor 100, concurrently (reads and writes go on). A day is compacted
    once: its index's fillfactor says it was."""
    if not supported(using):
        return []
    before = before or datetime.datetime.now(datetime.UTC).date()
    connection = connections[using]
    done = []
    for day, name in sorted(existing(using).items()):
        if day >= before:
            continue
        index = f"{name}_pkey"
        with connection.cursor() as cursor:
            cursor.execute("SELECT reloptions FROM pg_class WHERE relname = %s", [index])
            row = cursor.fetchone()
            if row is None or (row[0] and "fillfactor=100" in row[0]):
                continue
            cursor.execute(f'ALTER INDEX "{index}" SET (fillfactor = 100)')
        # REINDEX CONCURRENTLY cannot run in a transaction block: only from autocommit.
        if connection.in_atomic_block:
            with connection.cursor() as cursor:
                cursor.execute(f'REINDEX INDEX "{index}"')
        else:
            with connection.cursor() as cursor:
                cursor.execute(f'REINDEX INDEX CONCURRENTLY "{index}"')
        done.append(name)
    return done


def delete_from_default_before(moment: datetime.datetime, using: str = "default") -> int:
    """Delete the default partition's rows older than ``moment`` (rows written before their day's
    partition existed); the day partitions are only ever dropped whole."""
    with connections[using].cursor() as cursor:
        cursor.execute(f'DELETE FROM "{TABLE}_default" WHERE "time" < %s', [moment])
        return cursor.rowcount


def drop_before(day: datetime.date, using: str = "default") -> list[str]:
    """Drop the partitions of the days before ``day``; returns their names."""
    if not supported(using):
        return []
    dropped = []
    with connections[using].cursor() as cursor:
        for first_day, name in sorted(existing(using).items()):
            if first_day < day:
                cursor.execute(f'DROP TABLE "{name}"')
                dropped.append(name)
    return dropped
