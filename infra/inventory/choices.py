"""Every choice list of the inventory, in one place."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionKind(models.TextChoices):
    PROVINCE = "province", _("Province")
    CITY = "city", _("City (kota)")
    REGENCY = "regency", _("Regency (kabupaten)")
    DISTRICT = "district", _("District (kecamatan)")
    URBAN_VILLAGE = "urban_village", _("Urban village (kelurahan)")
    VILLAGE = "village", _("Village (desa)")


# Which kind of region may sit under which: the tree's one rule.
REGION_PARENT_KINDS: dict[str, set[str | None]] = {
    RegionKind.PROVINCE: {None},
    RegionKind.CITY: {None, RegionKind.PROVINCE},
    RegionKind.REGENCY: {None, RegionKind.PROVINCE},
    RegionKind.DISTRICT: {RegionKind.CITY, RegionKind.REGENCY},
    RegionKind.URBAN_VILLAGE: {RegionKind.DISTRICT},
    RegionKind.VILLAGE: {RegionKind.DISTRICT},
}


class OrganizationKind(models.TextChoices):
    SECRETARIAT = "sekretariat", _("Secretariat")
    AGENCY = "dinas", _("Agency (dinas)")
    BOARD = "badan", _("Board (badan)")
    DISTRICT = "kecamatan", _("District office (kecamatan)")
    URBAN_VILLAGE = "kelurahan", _("Urban village office (kelurahan)")
    HOSPITAL = "rsud", _("Regional hospital (RSUD)")
    INSPECTORATE = "inspektorat", _("Inspectorate")
    OTHER = "other", _("Other")


class SiteKind(models.TextChoices):
    DATA_CENTER = "data_center", _("Data center")
    OPD_OFFICE = "opd_office", _("OPD office")
    DISTRICT_OFFICE = "district_office", _("District office")
    VILLAGE_OFFICE = "village_office", _("Urban village office")
    COMMAND_CENTER = "command_center", _("Command center")
    MPP = "mpp", _("Public service mall (MPP)")
    POP = "pop", _("POP / ODC cabinet")
    OTHER = "other", _("Other")


class SiteStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    ACTIVE = "active", _("Active")
    DECOMMISSIONED = "decommissioned", _("Decommissioned")


class DeviceKind(models.TextChoices):
    SERVER = "server", _("Physical server")
    VIRTUAL_MACHINE = "virtual_machine", _("Virtual machine")
    SWITCH = "switch", _("Switch")
    ROUTER = "router", _("Router")
    FIREWALL = "firewall", _("Firewall")
    OLT = "olt", _("OLT")
    ONT = "ont", _("ONT")
    ACCESS_POINT = "access_point", _("Access point")
    STORAGE = "storage", _("Storage")
    UPS = "ups", _("UPS")
    OTHER = "other", _("Other")


SERVER_KINDS = {DeviceKind.SERVER, DeviceKind.VIRTUAL_MACHINE}


class DeviceStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    ACTIVE = "active", _("Active")
    OFFLINE = "offline", _("Offline")
    DECOMMISSIONED = "decommissioned", _("Decommissioned")


class FundingSource(models.TextChoices):
    """Where the money for an asset came from, as the regional asset (BMD) register records it."""

    APBD = "apbd", _("APBD (regional budget)")
    APBN = "apbn", _("APBN (national budget)")
    DAK = "dak", _("DAK (special allocation fund)")
    GRANT = "grant", _("Grant (hibah)")
    BLUD = "blud", _("BLUD (public service agency)")
    OTHER = "other", _("Other")


class InterfaceKind(models.TextChoices):
    VIRTUAL = "virtual", _("Virtual")
    COPPER_1G = "1000base-t", _("1000BASE-T (copper)")
    COPPER_10G = "10gbase-t", _("10GBASE-T (copper)")
    SFP = "1000base-x-sfp", _("SFP (1G)")
    SFP_PLUS = "10gbase-x-sfpp", _("SFP+ (10G)")
    SFP28 = "25gbase-x-sfp28", _("SFP28 (25G)")
    QSFP = "40gbase-x-qsfpp", _("QSFP+ (40G)")
    GPON = "gpon", _("GPON")
    WIRELESS = "wireless", _("Wireless")
    OTHER = "other", _("Other")


class IPAddressStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    RESERVED = "reserved", _("Reserved")
    DEPRECATED = "deprecated", _("Deprecated")


class Criticality(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class ApplicationStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    DEVELOPMENT = "development", _("In development")
    PRODUCTION = "production", _("In production")
    RETIRED = "retired", _("Retired")


class IntegrationStatus(models.TextChoices):
    NONE = "none", _("Not integrated")
    PLANNED = "planned", _("Planned")
    API_GATEWAY = "api_gateway", _("Via API gateway")
    SERVICE_BUS = "service_bus", _("Via service bus (SPLP)")
    INTEGRATED = "integrated", _("Integrated")


class CableType(models.TextChoices):
    G652D = "G.652D", _("G.652D single-mode")
    G655 = "G.655", _("G.655 single-mode")
    G657A1 = "G.657A1", _("G.657A1 single-mode")
    G657A2 = "G.657A2", _("G.657A2 single-mode")
    OM3 = "OM3", _("OM3 multi-mode")
    OM4 = "OM4", _("OM4 multi-mode")


class Deployment(models.TextChoices):
    AERIAL = "aerial_adss", _("Aerial (ADSS)")
    DUCT = "duct", _("Underground duct")
    DIRECT_BURIED = "direct_buried", _("Direct-buried")
    INDOOR = "indoor", _("Indoor")


class TerminationKind(models.TextChoices):
    OTB = "otb", _("OTB / ODF")
    ODC = "odc", _("ODC")
    ODP = "odp", _("ODP")
    JOINT_CLOSURE = "joint_closure", _("Joint closure")
    DEVICE_PORT = "device_port", _("Device port")


class FiberLinkStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    UNDER_CONSTRUCTION = "under_construction", _("Under construction")
    ACTIVE = "active", _("Active")
    FAULTY = "faulty", _("Faulty")
    DECOMMISSIONED = "decommissioned", _("Decommissioned")


class ContractStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    ACTIVE = "active", _("Under way")
    COMPLETED = "completed", _("Handed over")
    TERMINATED = "terminated", _("Terminated")


# Standard cable sizes (number of cores).
CORE_COUNTS = (2, 4, 6, 8, 12, 24, 36, 48, 72, 96, 144, 288)


class Wavelength(models.IntegerChoices):
    NM_1310 = 1310, "1310 nm"
    NM_1550 = 1550, "1550 nm"


class CoreState(models.TextChoices):
    SPARE = "spare", _("Spare")
    IN_USE = "in_use", _("In use")
    RESERVED = "reserved", _("Reserved")
    BROKEN = "broken", _("Broken")


class CoreColor(models.TextChoices):
    """TIA-598 colour code, in order: core 1 is blue, core 12 aqua."""

    BLUE = "blue", _("Blue")
    ORANGE = "orange", _("Orange")
    GREEN = "green", _("Green")
    BROWN = "brown", _("Brown")
    SLATE = "slate", _("Slate")
    WHITE = "white", _("White")
    RED = "red", _("Red")
    BLACK = "black", _("Black")
    YELLOW = "yellow", _("Yellow")
    VIOLET = "violet", _("Violet")
    ROSE = "rose", _("Rose")
    AQUA = "aqua", _("Aqua")


class WaveStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")


class Readiness(models.TextChoices):
    UNKNOWN = "unknown", _("Unknown")
    READY = "ready", _("Ready")
    READY_WITH_CONDITIONS = "ready_with_conditions", _("Ready with conditions")
    NOT_READY = "not_ready", _("Not ready")


class Disposition(models.TextChoices):
    UNDECIDED = "undecided", _("Undecided")
    REHOST = "rehost", _("Rehost as a VM")
    MOVE_HARDWARE = "move_hardware", _("Move the hardware")
    REBUILD = "rebuild", _("Rebuild")
    RETIRE = "retire", _("Retire")
    RETAIN = "retain", _("Retain at the OPD")


class BlockerCategory(models.TextChoices):
    FIBER_LINK = "fiber_link", _("Fiber link not in service")
    CAPACITY = "capacity", _("Data-center capacity")
    ADDRESS_PLAN = "address_plan", _("Address plan")
    BACKUP = "backup", _("Backup not verified")
    SIGN_OFF = "sign_off", _("Owner sign-off")
    BUDGET = "budget", _("Budget")
    VENDOR = "vendor", _("Vendor")
    OTHER = "other", _("Other")


class MigrationState(models.TextChoices):
    INVENTORIED = "inventoried", _("Inventoried")
    ASSESSED = "assessed", _("Assessed")
    SCHEDULED = "scheduled", _("Scheduled")
    MIGRATING = "migrating", _("Migrating")
    TESTING = "testing", _("Testing")
    CUT_OVER = "cut_over", _("Cut over")
    ACCEPTED = "accepted", _("Accepted")
    SOURCE_DECOMMISSIONED = "source_decommissioned", _("Source decommissioned")
    RETIRED = "retired", _("Retired")
    RETAINED = "retained", _("Retained at the OPD")


_S = MigrationState
# The one list of allowed moves. Backward moves are the real ones: an aborted move goes back to
# scheduling, a failed test back to migrating, a rollback after cut-over back to testing.
MIGRATION_TRANSITIONS: dict[str, tuple[str, ...]] = {
    _S.INVENTORIED: (_S.ASSESSED, _S.RETIRED, _S.RETAINED),
    _S.ASSESSED: (_S.SCHEDULED, _S.RETIRED, _S.RETAINED),
    _S.SCHEDULED: (_S.MIGRATING, _S.ASSESSED, _S.RETIRED, _S.RETAINED),
    _S.MIGRATING: (_S.TESTING, _S.SCHEDULED),
    _S.TESTING: (_S.CUT_OVER, _S.MIGRATING),
    _S.CUT_OVER: (_S.ACCEPTED, _S.TESTING),
    _S.ACCEPTED: (_S.SOURCE_DECOMMISSIONED,),
    _S.SOURCE_DECOMMISSIONED: (),
    _S.RETIRED: (),
    _S.RETAINED: (_S.ASSESSED,),
}
# Moves that undo progress (shown as rollbacks in the history).
MIGRATION_ROLLBACKS = {
    (_S.SCHEDULED, _S.ASSESSED),
    (_S.MIGRATING, _S.SCHEDULED),
    (_S.TESTING, _S.MIGRATING),
    (_S.CUT_OVER, _S.TESTING),
}
# The server runs in the data center from cut-over on.
MIGRATION_MOVED_STATES = (_S.CUT_OVER, _S.ACCEPTED, _S.SOURCE_DECOMMISSIONED)
# Nothing more to do for these: moved, or decided not to move.
MIGRATION_DONE_STATES = (*MIGRATION_MOVED_STATES, _S.RETIRED, _S.RETAINED)
# A move into this state must pass the gates (fiber, capacity, backup, sign-off).
MIGRATION_GATED_STATE = _S.MIGRATING


class Health(models.TextChoices):
    """A migration's health: derived from blockers and dates, never typed in."""

    ON_TRACK = "on_track", _("On track")
    AT_RISK = "at_risk", _("At risk")
    BLOCKED = "blocked", _("Blocked")


class ImportStatus(models.TextChoices):
    """Where a spreadsheet import stands. The file's bytes are kept only while they are needed:
    checking, staged (waiting for confirmation) and importing."""

    CHECKING = "checking", _("Being checked")
    STAGED = "staged", _("Checked, waiting for confirmation")
    INVALID = "invalid", _("Has problems")
    IMPORTING = "importing", _("Being imported")
    IMPORTED = "imported", _("Imported")
    FAILED = "failed", _("Failed")
    EXPIRED = "expired", _("Expired")


class ImportPhase(models.TextChoices):
    """What a checking or importing job is doing now, for its progress bar."""

    WAITING = "waiting", _("Waiting for the background worker")
    READING = "reading", _("Reading the file")
    CHECKING = "checking", _("Checking the rows")
    SAVING = "saving", _("Saving")
