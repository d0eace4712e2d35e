from django.contrib import admin
from django.contrib.admin.utils import NestedObjects
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import router
from django.utils.translation import gettext_lazy as _

from .deletion import protection_reasons
from .models import ObjectChange, User


class ProtectionReasonsMixin:
    """The admin's delete page says why the records that prevent a delete are kept (their model's
    ``protect_reason``), above Django's list of them."""

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        if protected:
            collector = NestedObjects(using=router.db_for_write(self.model))
            collector.collect(list(objs))
            protected = [*protection_reasons(collector.protected), *protected]
        return deleted, counts, perms_needed, protected


@admin.register(User)
class UserAdmin(ProtectionReasonsMixin, DjangoUserAdmin):
    list_display = ("username", "get_full_name", "role", "organization", "is_active", "last_login")
    list_filter = ("role", "is_active", "organization")
    fieldsets = (
        *DjangoUserAdmin.fieldsets[:2],
        (_("Role"), {"fields": ("role", "organization")}),
        (_("Status"), {"fields": ("is_active", "last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "password1", "password2", "role", "organization")}),
    )


@admin.register(ObjectChange)
class ObjectChangeAdmin(admin.ModelAdmin):
    """Read-only: the change log is evidence."""

    list_display = ("time", "user_name", "source", "action", "content_type", "object_repr", "request_id")
    list_filter = ("action", "source", "content_type")
    search_fields = ("object_repr", "user_name", "request_id")
    date_hierarchy = "time"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
