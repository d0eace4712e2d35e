"""What the probes found: each check's current state, its events and downtimes, interfaces seen by
SNMP, the probers (consumers) and the chunks they ran. Written by the probes' services only."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from ..choices import CheckState, EventKind, RunStatus


class Prober(models.Model):
    """A consumer that runs probes, with the reference target it checks itself against."""

    id = models.SmallAutoField(primary_key=True)
    name = models.CharField(_("name"), max_length=200, unique=True)
    reference = models.CharField(_("reference target"), max_length=255, blank=True)
    reference_ok = models.BooleanField(_("reference answers"), null=True)
    reference_at = models.DateTimeField(_("reference checked at"), null=True)
    last_seen = models.DateTimeField(_("last seen"), null=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("prober")
        verbose_name_plural = _("probers")

    def __str__(self) -> str:
        return self.name


class CheckStatus(models.Model):
    """A check's state now and what the schedule and the state rules need to carry on."""

    probe_check = models.OneToOneField(
        "probes.Check", verbose_name=_("check"), on_delete=models.CASCADE, primary_key=True, related_name="status"
    )
    state = models.CharField(_("state"), max_length=10, choices=CheckState.choices, default=CheckState.UNKNOWN)
    since = models.DateTimeField(_("since"), null=True)
    failures = models.PositiveSmallIntegerField(_("failures in a row"), default=0)
    successes = models.PositiveSmallIntegerField(_("successes in a row"), default=0)
    history = models.CharField(_("recent results"), max_length=64, blank=True)
    flapping = models.BooleanField(_("flapping"), default=False)
    last_at = models.DateTimeField(_("last result"), null=True)
    last_outcome = models.SmallIntegerField(_("last outcome"), null=True)
    last_rtt = models.FloatField(_("last RTT (ms)"), null=True)
    last_loss = models.FloatField(_("last loss (%)"), null=True)
    next_due = models.DateTimeField(_("next probe"), null=True, db_index=True)
    lease_until = models.DateTimeField(_("claimed until"), null=True)
    # SNMP: what the agent said last.
    sys_name = models.CharField(_("sysName"), max_length=255, blank=True)
    sys_descr = models.CharField(_("sysDescr"), max_length=1000, blank=True)
    sys_uptime = models.BigIntegerField(_("sysUpTime"), null=True)
    uptime_at = models.DateTimeField(_("sysUpTime read at"), null=True)

    class Meta:
        verbose_name = _("check status")
        verbose_name_plural = _("check statuses")

    def __str__(self) -> str:
        return f"{self.probe_check_id}: {self.state}"


class CheckEvent(models.Model):
    """A state change, flapping start or end, reboot or interface change, with the result that caused it."""

    probe_check = models.ForeignKey(
        "probes.Check", verbose_name=_("check"), on_delete=models.CASCADE, related_name="events"
    )
    at = models.DateTimeField(_("time"))
    kind = models.CharField(_("kind"), max_length=12, choices=EventKind.choices)
    old_state = models.CharField(_("from"), max_length=10, choices=CheckState.choices, blank=True)
    new_state = models.CharField(_("to"), max_length=10, choices=CheckState.choices, blank=True)
    outcome = models.SmallIntegerField(_("outcome"), null=True)
    held = models.BooleanField(
        _("alert held"), default=False, help_text=_("Flapping, in maintenance or behind a down site.")
    )
    root_cause = models.ForeignKey(
        "inventory.Site",
        verbose_name=_("behind"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The down site this check's site is reached through."),
    )
    detail = models.CharField(_("detail"), max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        indexes = [
            models.Index(fields=["probe_check", "at"], name="checkevent_check_at"),
            # the alert dispatcher's minute-by-minute question (settled, undecided events) and the
            # city-wide report's month of events are asked by time alone
            models.Index(fields=["at"], name="checkevent_at"),
        ]
        constraints = [
            # A state change is recorded once, whichever consumer applies the result (idempotence).
            models.UniqueConstraint(fields=["probe_check", "at", "kind"], name="checkevent_once"),
        ]

    def __str__(self) -> str:
        return f"{self.probe_check_id} {self.kind} {self.at:%Y-%m-%d %H:%M:%S}"


class Downtime(models.Model):
    """A period a check was down: opened by its down change, closed by the change that ended it."""

    probe_check = models.ForeignKey(
        "probes.Check", verbose_name=_("check"), on_delete=models.CASCADE, related_name="downtimes"
    )
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"), null=True, blank=True)
    cause = models.SmallIntegerField(_("cause"), null=True, help_text=_("The outcome of the probe that took it down."))
    root_cause = models.ForeignKey(
        "inventory.Site", verbose_name=_("behind"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-start", "-id"]
        verbose_name = _("downtime")
        verbose_name_plural = _("downtimes")
        indexes = [models.Index(fields=["probe_check", "start"], name="downtime_check_start")]
        constraints = [models.UniqueConstraint(fields=["probe_check", "start"], name="downtime_once")]

    def __str__(self) -> str:
        return f"{self.probe_check_id} {self.start:%Y-%m-%d %H:%M}"

    @property
    def duration(self):
        return None if self.end is None else self.end - self.start


class InterfaceStatus(models.Model):
    """An interface as its device's SNMP agent last reported it (the ends of fiber links)."""

    interface = models.OneToOneField(
        "inventory.Interface",
        verbose_name=_("interface"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="probe_status",
    )
    oper_status = models.SmallIntegerField(_("operational status"), null=True)
    admin_status = models.SmallIntegerField(_("administrative status"), null=True)
    in_octets = models.BigIntegerField(_("octets in"), null=True)
    out_octets = models.BigIntegerField(_("octets out"), null=True)
    at = models.DateTimeField(_("read at"), null=True)
    since = models.DateTimeField(_("status since"), null=True)

    class Meta:
        verbose_name = _("interface status")
        verbose_name_plural = _("interface statuses")

    def __str__(self) -> str:
        return f"{self.interface_id}: {self.oper_status}"


class ProbeRun(models.Model):
    """A chunk of checks enqueued for one schedule slot: who ran it and when, so a late or lost one shows."""

    created = models.DateTimeField(_("enqueued"), auto_now_add=True)
    due = models.DateTimeField(_("due"))
    kind = models.CharField(_("kind"), max_length=10)
    checks = models.JSONField(_("checks"), default=list)
    status = models.CharField(_("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    prober = models.ForeignKey(
        Prober, verbose_name=_("prober"), on_delete=models.SET_NULL, null=True, related_name="runs"
    )
    started = models.DateTimeField(_("started"), null=True)
    finished = models.DateTimeField(_("finished"), null=True)
    results = models.PositiveIntegerField(_("results"), default=0)
    late = models.BooleanField(_("late"), default=False)

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name = _("probe run")
        verbose_name_plural = _("probe runs")
        indexes = [models.Index(fields=["status", "created"], name="proberun_status_created")]

    def __str__(self) -> str:
        return f"{self.kind} {self.due:%Y-%m-%d %H:%M} ({self.status})"


class ProbeMarker(models.Model):
    """A named tick or watermark: the last minute (or hour) a periodic job ran and who ran it; how far
    roll-ups have come."""

    name = models.CharField(_("name"), max_length=50, primary_key=True)
    owner = models.CharField(_("owner"), max_length=200, blank=True)
    at = models.DateTimeField(_("time"), null=True)

    class Meta:
        verbose_name = _("probe marker")
        verbose_name_plural = _("probe markers")

    def __str__(self) -> str:
        return self.name
