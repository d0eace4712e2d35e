"""Moving a server between migration states, with its gates and its record."""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from infra.core.bulk import create_many

from ..choices import (
    MIGRATION_GATED_STATE,
    MIGRATION_ROLLBACKS,
    MIGRATION_TRANSITIONS,
    FiberLinkStatus,
    MigrationState,
)
from ..models import FiberLink, Migration, MigrationTransition

# Which milestone date a move into a state stamps (when it is still empty).
_ACTUAL_DATE_FOR_STATE = {
    MigrationState.MIGRATING: "actual_start",
    MigrationState.CUT_OVER: "actual_cutover",
    MigrationState.ACCEPTED: "actual_acceptance",
    MigrationState.SOURCE_DECOMMISSIONED: "actual_decommission",
}


@dataclass(frozen=True)
class Gate:
    code: str
    label: str
    met: bool


def allowed_states(state: str) -> tuple[str, ...]:
    return MIGRATION_TRANSITIONS.get(state, ())


def gates(migration: Migration) -> list[Gate]:
    """The conditions a server must meet before it starts migrating."""
    site_id = migration.device.site_id
    link_active = (
        FiberLink.objects.filter(status=FiberLinkStatus.ACTIVE).filter(site_a_id=site_id).exists()
        or FiberLink.objects.filter(status=FiberLinkStatus.ACTIVE, site_b_id=site_id).exists()
    )
    return [
        Gate("fiber_link", _("The site's fiber link is active"), link_active),
        Gate(
            "capacity",
            _("A target rack or host is assigned"),
            bool(migration.target_rack_id or migration.target_host_id),
        ),
        Gate("backup", _("A backup is verified"), migration.backup_verified_on is not None),
        Gate("sign_off", _("The owner signed off"), migration.owner_signed_off_on is not None),
    ]


def transition(
    migration: Migration,
    to_state: str,
    *,
    user=None,
    reason: str = "",
    override_reason: str = "",
    at: datetime.datetime | None = None,
) -> MigrationTransition:
    """Move ``migration`` to ``to_state`` if the move is allowed, and record it.

    A move into ``migrating`` past an unmet gate needs ``override_reason``; retaining a server needs
    a justification (``reason`` or the migration's own).
    """
    _check_reasons(reason=reason, override_reason=override_reason)
    from_state = migration.state
    allowed = allowed_states(from_state)
    if to_state not in allowed:
        names = ", ".join(str(MigrationState(s).label) for s in allowed) or _("none (this is a final state)")
        raise ValidationError(
            _("A migration cannot move from %(from)s to %(to)s. Allowed next states: %(allowed)s.")
            % {"from": MigrationState(from_state).label, "to": _state_label(to_state), "allowed": names},
            code="illegal_transition",
        )
    # The gates guard the start of a move; going back to migrating after a failed test passed them already.
    if to_state == MIGRATION_GATED_STATE and (from_state, to_state) not in MIGRATION_ROLLBACKS:
        unmet = [g.label for g in gates(migration) if not g.met]
        if unmet and not override_reason.strip():
            raise ValidationError(
                _("Gates not met: %(gates)s. Give an override reason to move anyway.") % {"gates": "; ".join(unmet)},
                code="gate_not_met",
            )
    else:
        override_reason = ""
    if to_state == MigrationState.RETAINED and not (reason.strip() or migration.retain_justification.strip()):
        raise ValidationError(_("Retaining a server at the OPD needs a justification."), code="retain_justification")

    at = at or timezone.now()
    if migration.state_changed_at and at < migration.state_changed_at:
        # The history is read in time order: a move dated before the current state began would rewrite it.
        raise ValidationError(
            _("This move cannot be dated before %(since)s, when the current state began.")
            % {"since": formats.localize(timezone.localtime(migration.state_changed_at))},
            code="before_current_state",
        )
    with transaction.atomic():
        # Someone else may have moved this server since it was loaded: the move is checked against that.
        current = Migration.objects.select_for_update().values_list("state", flat=True).get(pk=migration.pk)
        if current != from_state:
            raise ValidationError(
                _("This migration was moved to %(state)s meanwhile. Reload it and try again.")
                % {"state": _state_label(current)},
                code="stale_state",
            )
        migration.state = to_state
        migration.state_changed_at = at
        date_field = _ACTUAL_DATE_FOR_STATE.get(to_state)
        if date_field and getattr(migration, date_field) is None:
            setattr(migration, date_field, timezone.localtime(at).date())
        if to_state == MigrationState.RETAINED and not migration.retain_justification:
            migration.retain_justification = reason
        migration.save()
        return MigrationTransition.objects.create(
            migration=migration,
            from_state=from_state,
            to_state=to_state,
            at=at,
            user=user if getattr(user, "pk", None) else None,
            reason=reason,
            override_reason=override_reason,
            is_rollback=(from_state, to_state) in MIGRATION_ROLLBACKS,
        )


def _check_reasons(**texts: str) -> None:
    """The transition's texts within their fields' limits, each message naming its field (the web
    shows them in one line)."""
    errors = {}
    for name, value in texts.items():
        field = MigrationTransition._meta.get_field(name)
        try:
            field.run_validators(value)
        except ValidationError as exc:
            errors[name] = [
                _("%(field)s: %(message)s") % {"field": capfirst(field.verbose_name), "message": message}
                for message in exc.messages
            ]
    if errors:
        raise ValidationError(errors)


def _state_label(state: str) -> str:
    try:
        return str(MigrationState(state).label)
    except ValueError:
        return state


def start_tracking(
    device,
    *,
    at: datetime.datetime | None = None,
    state: str = MigrationState.INVENTORIED,
    imported: bool = False,
    **fields,
) -> Migration:
    """Create a server's migration record with its first transition recorded.

    Tracking starts in the first state; an import may start it in the state the server is in today
    (``imported``): that first transition is marked as an imported starting point, made by nobody, so
    no report counts it as a move made on the day of the import.
    """
    _check_start(state, imported)
    at = at or timezone.now()
    with transaction.atomic():
        migration = Migration.objects.create(device=device, state=state, state_changed_at=at, **fields)
        MigrationTransition.objects.create(**_first_transition(migration, state, at, imported))
    return migration


def start_tracking_many(
    starts: Sequence[tuple[object, str] | tuple[object, str, dict]],
    *,
    at: datetime.datetime | None = None,
    imported: bool = True,
) -> list[Migration]:
    """``start_tracking`` for many servers at once, (device, state) or (device, state, fields) each,
    in a fixed number of queries.

    The migrations are change-logged like any bulk creation (in the caller's change context).
    """
    if not starts:
        return []
    for start in starts:
        _check_start(start[1], imported)
    at = at or timezone.now()
    migrations = [
        Migration(device=start[0], state=start[1], state_changed_at=at, **(start[2] if len(start) > 2 else {}))
        for start in starts
    ]
    with transaction.atomic():
        create_many(Migration, migrations, validate=False)
        MigrationTransition.objects.bulk_create(
            [MigrationTransition(**_first_transition(m, m.state, at, imported)) for m in migrations],
            batch_size=1000,
        )
    return migrations


def _check_start(state: str, imported: bool) -> None:
    if state not in MigrationState.values:
        raise ValueError(f"Unknown migration state {state!r}.")
    if state != MigrationState.INVENTORIED and not imported:
        # Otherwise the state is reached through transitions, each recorded with its user.
        raise ValueError("Only an imported starting point may start past the first state.")


def _first_transition(migration: Migration, state: str, at: datetime.datetime, imported: bool) -> dict:
    return {
        "migration": migration,
        "from_state": "",
        "to_state": state,
        "at": at,
        "reason": _("Imported starting point") if imported else _("Inventoried"),
        "is_imported_start": imported,
    }
