"""What each contract bought against what the registry holds under it: the auditors' question.

For a contract (procurement package) the registry's side is:

- fiber km: the sum of the route lengths (``length_km``) of the fiber links that point at it;
- fiber links: how many links point at it;
- sites: how many distinct sites are at either end of those links, or hold a device that points
  at it (a site counted once however many links end there or devices stand there);
- devices: how many devices point at it.

Each figure is compared with the contracted quantity when the contract states one (a blank
quantity is "not bought", not zero: nothing to compare). Counts must match exactly; the fiber
length may differ by ``KM_TOLERANCE`` (1 %) of the contracted length, or ``KM_TOLERANCE_MIN``
(10 m) for short routes, since measured routes and contract drawings never agree to the metre.

``with_reconciliation`` annotates a queryset of contracts with every figure as subqueries, so a
list of contracts costs one query whatever its length; ``has_mismatch`` filters on the result.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    BooleanField,
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Abs, Coalesce, Greatest, Round
from django.utils.translation import gettext_lazy as _

from .models import Contract, Device, FiberLink, Site

KM_TOLERANCE = Decimal("0.01")  # 1 % of the contracted length
KM_TOLERANCE_MIN = Decimal("0.010")  # 10 m

_KM = DecimalField(max_digits=12, decimal_places=3)
_ZERO_KM = Value(Decimal("0.000"), output_field=_KM)


def _count(queryset: QuerySet, group: str) -> Coalesce:
    rows = queryset.order_by().values(group).annotate(n=Count("pk", distinct=True)).values("n")
    return Coalesce(Subquery(rows), 0)


def _sites_of_contract() -> QuerySet:
    """The distinct sites of the contract in the outer query: at its links' ends, or holding its devices."""
    contract = OuterRef(OuterRef("pk"))
    return Site.objects.filter(
        Q(pk__in=FiberLink.objects.filter(contract=contract).values("site_a"))
        | Q(pk__in=FiberLink.objects.filter(contract=contract).values("site_b"))
        | Q(pk__in=Device.objects.filter(contract=contract).values("site"))
    )


def with_reconciliation(queryset: QuerySet) -> QuerySet:
    """``queryset`` of contracts, each annotated with the registry's figures, the differences
    (registry minus contract, None where the contract states no quantity) and ``has_mismatch``."""
    links = FiberLink.objects.filter(contract=OuterRef("pk")).order_by().values("contract")
    # One site subquery per contract row: the Count() groups on a constant, so the sites are counted
    # whatever the grouping column, which must not come from the site rows themselves.
    sites = (
        _sites_of_contract()
        .order_by()
        .annotate(one=Value(1))
        .values("one")
        .annotate(n=Count("pk", distinct=True))
        .values("n")
    )
    queryset = queryset.annotate(
        registry_km=Round(
            Coalesce(Subquery(links.annotate(km=Sum("length_km")).values("km")), _ZERO_KM), 3, output_field=_KM
        ),
        registry_links=_count(FiberLink.objects.filter(contract=OuterRef("pk")), "contract"),
        registry_devices=_count(Device.objects.filter(contract=OuterRef("pk")), "contract"),
        registry_sites=Coalesce(Subquery(sites), 0),
    )
    queryset = queryset.annotate(
        # Rounded to the metre: SQLite computes decimals in floating point.
        km_difference=Round(F("registry_km") - F("contracted_km"), 3, output_field=_KM),
        links_difference=F("registry_links") - F("contracted_links"),
        sites_difference=F("registry_sites") - F("contracted_sites"),
        devices_difference=F("registry_devices") - F("contracted_devices"),
        km_gap=Abs(Round(F("registry_km") - F("contracted_km"), 3), output_field=_KM),
        km_allowed=Greatest(
            ExpressionWrapper(F("contracted_km") * Value(KM_TOLERANCE), output_field=_KM),
            Value(KM_TOLERANCE_MIN, output_field=_KM),
            output_field=_KM,
        ),
    )
    queryset = queryset.annotate(
        km_mismatch=Case(
            When(Q(contracted_km__isnull=False) & Q(km_gap__gt=F("km_allowed")), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )
    mismatch = (
        Q(km_mismatch=True)
        | (Q(contracted_links__isnull=False) & ~Q(links_difference=0))
        | (Q(contracted_sites__isnull=False) & ~Q(sites_difference=0))
        | (Q(contracted_devices__isnull=False) & ~Q(devices_difference=0))
    )
    return queryset.annotate(
        has_mismatch=Case(When(mismatch, then=Value(True)), default=Value(False), output_field=BooleanField())
    )


@dataclass(frozen=True)
class Line:
    """One row of a contract's reconciliation table."""

    label: str
    contracted: object
    registry: object
    difference: object
    mismatch: bool


def lines(contract: Contract) -> list[Line]:
    """The reconciliation table of a contract annotated by ``with_reconciliation``."""
    c = contract
    return [
        Line(str(_("Fiber (km)")), c.contracted_km, c.registry_km, c.km_difference, bool(c.km_mismatch)),
        Line(
            str(_("Fiber links")),
            c.contracted_links,
            c.registry_links,
            c.links_difference,
            c.contracted_links is not None and c.links_difference != 0,
        ),
        Line(
            str(_("Sites")),
            c.contracted_sites,
            c.registry_sites,
            c.sites_difference,
            c.contracted_sites is not None and c.sites_difference != 0,
        ),
        Line(
            str(_("Devices")),
            c.contracted_devices,
            c.registry_devices,
            c.devices_difference,
            c.contracted_devices is not None and c.devices_difference != 0,
        ),
    ]
