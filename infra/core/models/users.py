"""Users, each with one role; an OPD operator also belongs to one organization."""

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.contrib.auth.password_validation import validate_password
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..choices import Role
from .features import ChangeLoggingMixin, ChangeLoggingQuerySet


class UserManager(DjangoUserManager.from_queryset(ChangeLoggingQuerySet)):
    """Django's user manager (create_user, natural keys) over the queryset that logs deletes and
    updates, whose ``create_user``/``create_superuser`` apply the password policy.

    ``manage.py createsuperuser`` lets the person at the keyboard bypass the policy, and takes
    ``DJANGO_SUPERUSER_PASSWORD`` unchecked with ``--noinput``; both pass through here, so the
    policy holds for them too (a refusal is a CommandError naming the rule).
    """

    use_in_migrations = True

    def _create_user_object(self, username, email, password, **extra_fields):
        user = super()._create_user_object(username, email, password, **extra_fields)
        if password is not None:
            validate_password(password, user)
        return user


class User(ChangeLoggingMixin, AbstractUser):
    """A person who signs in. The role decides what they may do (see core.permissions).

    Every change to a user (role, organization, active, superuser, groups, permissions, password) is
    in the change log, from the admin or anywhere else; the password hash only as a redacted marker
    that changes when it does. Signing in is not a change of the user: ``last_login`` is left out
    (sign-ins are audited separately).
    """

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.AUDITOR)
    organization = models.ForeignKey(
        "inventory.Organization",
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        help_text=_("Required for OPD operators: the organization whose records they edit."),
    )
    must_change_password = models.BooleanField(
        _("must change password"),
        default=False,
        help_text=_("Set when an administrator sets the password: the user chooses their own at the next sign-in."),
    )

    objects = UserManager()

    changelog_exclude = ("last_login",)
    changelog_redact = ("password",)

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(role=Role.OPD_OPERATOR) | models.Q(organization__isnull=False),
                name="user_operator_has_organization",
                violation_error_message=_("An OPD operator must belong to an organization."),
            )
        ]

    def save(self, *args, **kwargs):
        # Superusers are administrators, and only administrators reach Django's admin.
        if self.is_superuser:
            self.role = Role.ADMINISTRATOR
        self.is_staff = self.role == Role.ADMINISTRATOR
        super().save(*args, **kwargs)
