"""Per-user settings of the web UI: the columns of each list, its page size."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class UserPreference(models.Model):
    """One remembered setting (for example ``table.DeviceTable``) of one user, as JSON."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="preferences"
    )
    key = models.CharField(_("key"), max_length=100)
    value = models.JSONField(_("value"), default=dict)

    class Meta:
        verbose_name = _("user preference")
        verbose_name_plural = _("user preferences")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="userpreference_unique_key")]

    def __str__(self) -> str:
        return self.key

    @classmethod
    def get(cls, user, key: str) -> dict:
        if not getattr(user, "is_authenticated", False):
            return {}
        row = cls.objects.filter(user=user, key=key).values_list("value", flat=True).first()
        return row or {}

    @classmethod
    def update(cls, user, key: str, **values) -> dict:
        pref, _created = cls.objects.get_or_create(user=user, key=key)
        pref.value = {**pref.value, **values}
        pref.save(update_fields=["value"])
        return pref.value
