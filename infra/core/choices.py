"""Choice lists shared by every app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ChangeAction(models.TextChoices):
    CREATE = "create", _("Created")
    UPDATE = "update", _("Updated")
    DELETE = "delete", _("Deleted")


class ChangeSource(models.TextChoices):
    WEB = "web", _("Web")
    API = "api", _("API")
    IMPORT = "import", _("Import")
    COMMAND = "command", _("Command")
    OTHER = "other", _("Other")


class Role(models.TextChoices):
    ADMINISTRATOR = "administrator", _("Administrator")
    ENGINEER = "engineer", _("Engineer")
    OPD_OPERATOR = "opd_operator", _("OPD operator")
    AUDITOR = "auditor", _("Auditor")
