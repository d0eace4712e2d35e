import logging

from django.contrib import admin, messages
from django.contrib.admin.utils import NestedObjects, unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.db import router
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from . import chain
from .choices import Role
from .deletion import protection_reasons
from .models import ObjectChange, User
from .models.changes import entered_later_q
from .permissions import role_of
from .security import one_time_password

log = logging.getLogger(__name__)


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
    """Users, and the password resets administrators do without e-mail.

    A password an administrator sets (on the user's password page, by the one-time password
    action, or when adding the user) must be replaced by the user at their next sign-in
    (``must_change_password``, enforced by core.middleware.PasswordChangeRequiredMiddleware).
    Setting a password ends the user's other sessions (Django ties a session to the password).
    """

    list_display = (
        "username",
        "get_full_name",
        "role",
        "organization",
        "is_active",
        "must_change_password",
        "last_login",
    )
    list_filter = ("role", "is_active", "organization")
    fieldsets = (
        *DjangoUserAdmin.fieldsets[:2],
        (_("Role"), {"fields": ("role", "organization")}),
        (_("Status"), {"fields": ("is_active", "must_change_password", "last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "password1", "password2", "role", "organization")}),
    )
    actions = ("set_one_time_password",)

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.must_change_password = True  # the administrator chose it: the user picks their own
        super().save_model(request, obj, form, change)

    def user_change_password(self, request, id, form_url=""):
        """Django's page; a password set for someone else must be changed by them at next sign-in."""
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            user = self.get_object(request, unquote(id))
            changed = response.url == reverse(f"{self.admin_site.name}:core_user_change", args=[user.pk])
            if changed and user.pk != request.user.pk and user.has_usable_password():
                user.must_change_password = True
                user.save(update_fields=["must_change_password"])
                log.info("Password of user %s set by administrator %s", user.username, request.user.username)
        return response

    @admin.action(description=_("Set a one-time password"))
    def set_one_time_password(self, request, queryset):
        """Give each selected user a random password, shown once on the page that answers, to be
        changed at the next sign-in. The administrator's own account is left alone."""
        chosen = []
        for user in queryset.exclude(pk=request.user.pk).order_by("username"):
            password = one_time_password()
            user.set_password(password)
            user.must_change_password = True
            user.save()
            self.log_change(request, user, gettext("One-time password set."))
            log.info("One-time password of user %s set by administrator %s", user.username, request.user.username)
            chosen.append((user, password))
        if not chosen:
            self.message_user(request, gettext("Choose other users than yourself."), messages.WARNING)
            return None
        self.message_user(
            request,
            ngettext(
                "%(count)d user has a new one-time password.",
                "%(count)d users have a new one-time password.",
                len(chosen),
            )
            % {"count": len(chosen)},
        )
        context = {
            **self.admin_site.each_context(request),
            "title": _("One-time passwords"),
            "opts": self.opts,
            "chosen": chosen,
        }
        response = TemplateResponse(request, "admin/core/user/one_time_passwords.html", context)
        add_never_cache_headers(response)  # the passwords are on it: no copy kept by a browser or proxy
        return response


class EnteredLaterFilter(admin.SimpleListFilter):
    title = _("entered later")
    parameter_name = "entered_later"

    def lookups(self, request, model_admin):
        return (("1", _("Yes")), ("0", _("No")))

    def queryset(self, request, queryset):
        if self.value() == "1":
            return queryset.filter(entered_later_q())
        if self.value() == "0":
            return queryset.exclude(entered_later_q())
        return queryset


@admin.register(ObjectChange)
class ObjectChangeAdmin(admin.ModelAdmin):
    """Read-only: the change log is evidence. Its list marks history entered later; its "Verify
    chain" page (administrators) walks the hash chain."""

    list_display = (
        "time",
        "entered_later_mark",
        "recorded",
        "entered_by",
        "user_name",
        "source",
        "action",
        "content_type",
        "object_repr",
        "request_id",
    )
    list_filter = (EnteredLaterFilter, "action", "source", "content_type")
    search_fields = ("object_repr", "user_name", "request_id")
    date_hierarchy = "time"

    @admin.display(description=_("entered later"), boolean=True)
    def entered_later_mark(self, obj: ObjectChange) -> bool:
        return obj.entered_later

    def get_urls(self):
        verify = self.admin_site.admin_view(self.verify_view)
        return [path("verify/", verify, name="core_objectchange_verify"), *super().get_urls()]

    def verify_view(self, request):
        """Walk the chain (on POST) and say what verify_changelog says: administrators only."""
        if role_of(request.user) != Role.ADMINISTRATOR:
            raise PermissionDenied
        result = chain.verify() if request.method == "POST" else None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Verify the change log's chain"),
            "opts": self.opts,
            "result": result,
            "summary": chain.summary(result) if result else "",
        }
        return TemplateResponse(request, "admin/core/objectchange/verify.html", context)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
