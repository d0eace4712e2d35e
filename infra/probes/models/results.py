"""Raw probe results and their hourly and daily roll-ups.

A raw result is the most numerous row of the database (20,000 checks each minute is 29 million rows a
day), so it is narrow: a 4-byte check id, the scheduled time, small integers and 4-byte floats, no
null (a round-trip time is 0 when nothing was received: ``received`` tells), and a composite primary
key (check, time) that is also what makes writing a chunk twice harmless. On PostgreSQL the table is
partitioned by day (migration 0002), so pruning drops partitions (``services.retention``).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


def delete_with_check(collector, field, sub_objs, using) -> None:
    """``on_delete`` of the rows a check has by the million: deleted with the check, in its delete's
    transaction, by one DELETE per batch of checks (Django's fast delete), never loaded or signalled."""
    collector.fast_deletes.append(sub_objs)


delete_with_check.lazy_sub_objs = True  # Django then hands the rows over unevaluated


class RealField(models.FloatField):
    """A 4-byte float (``real``): round-trip times in milliseconds need no more."""

    def db_type(self, connection) -> str:
        return "real"


class Result(models.Model):
    """One probe of one check at one scheduled time."""

    pk = models.CompositePrimaryKey("probe_check_id", "time")
    time = models.DateTimeField(_("time"), help_text=_("When the probe was due (its schedule slot)."))
    # No database constraint (a partitioned table takes no part in per-row cascades): a check's results
    # go with it in one DELETE (delete_with_check).
    probe_check = models.ForeignKey(
        "probes.Check",
        verbose_name=_("check"),
        on_delete=delete_with_check,
        db_constraint=False,
        db_column="check_id",
        related_name="+",
    )
    outcome = models.SmallIntegerField(_("outcome"))
    sent = models.SmallIntegerField(_("sent"))
    received = models.SmallIntegerField(_("received"))
    prober = models.ForeignKey(
        "probes.Prober", verbose_name=_("prober"), on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    rtt_min = RealField(_("RTT min (ms)"), default=0)
    rtt_avg = RealField(_("RTT avg (ms)"), default=0)
    rtt_max = RealField(_("RTT max (ms)"), default=0)
    jitter = RealField(_("jitter (ms)"), default=0)

    class Meta:
        verbose_name = _("result")
        verbose_name_plural = _("results")
        ordering = ["probe_check_id", "time"]

    def __str__(self) -> str:
        return f"{self.probe_check_id} {self.time:%Y-%m-%d %H:%M:%S}"

    @property
    def loss(self) -> float | None:
        return None if not self.sent else round(100.0 * (self.sent - self.received) / self.sent, 2)

    def rtt(self, name: str) -> float | None:
        """A round-trip figure, or None when nothing came back."""
        return getattr(self, name) if self.received else None


class Rollup(models.Model):
    """Figures of one check over one hour or day, computed again from the raw results each time the
    roll-up runs over that bucket (so a rerun never counts twice)."""

    start = models.DateTimeField(_("start"))
    probe_check = models.ForeignKey(
        "probes.Check",
        verbose_name=_("check"),
        on_delete=delete_with_check,
        db_constraint=False,
        db_column="check_id",
        related_name="+",
    )
    count = models.IntegerField(_("probes"))
    answered = models.IntegerField(_("answered"))
    sent = models.IntegerField(_("packets sent"))
    received = models.IntegerField(_("packets received"))
    rtt_avg = RealField(_("RTT avg (ms)"), null=True)
    rtt_p50 = RealField(_("RTT median (ms)"), null=True)
    rtt_p95 = RealField(_("RTT 95th percentile (ms)"), null=True)
    rtt_max = RealField(_("RTT max (ms)"), null=True)

    class Meta:
        abstract = True
        ordering = ["probe_check_id", "start"]

    def __str__(self) -> str:
        return f"{self.probe_check_id} {self.start:%Y-%m-%d %H:%M}"

    @property
    def loss(self) -> float | None:
        return None if not self.sent else round(100.0 * (self.sent - self.received) / self.sent, 2)

    @property
    def answered_percent(self) -> float | None:
        return None if not self.count else round(100.0 * self.answered / self.count, 3)


class HourlyRollup(Rollup):
    pk = models.CompositePrimaryKey("probe_check_id", "start")

    class Meta(Rollup.Meta):
        verbose_name = _("hourly figures")
        verbose_name_plural = _("hourly figures")


class DailyRollup(Rollup):
    pk = models.CompositePrimaryKey("probe_check_id", "start")

    class Meta(Rollup.Meta):
        verbose_name = _("daily figures")
        verbose_name_plural = _("daily figures")
