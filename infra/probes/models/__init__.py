from .alerts import AlertAttempt, AlertChannel, AlertDelivery, AlertEventDecision, AlertRule
from .checks import Check, MaintenanceWindow, SnmpCredential
from .results import DailyRollup, HourlyRollup, Result
from .status import CheckEvent, CheckStatus, Downtime, InterfaceStatus, ProbeMarker, Prober, ProbeRun
from .websites import WebsiteStatus

__all__ = [
    "AlertAttempt",
    "AlertChannel",
    "AlertDelivery",
    "AlertEventDecision",
    "AlertRule",
    "Check",
    "CheckEvent",
    "CheckStatus",
    "DailyRollup",
    "Downtime",
    "HourlyRollup",
    "InterfaceStatus",
    "MaintenanceWindow",
    "ProbeMarker",
    "ProbeRun",
    "Prober",
    "Result",
    "SnmpCredential",
    "WebsiteStatus",
]
