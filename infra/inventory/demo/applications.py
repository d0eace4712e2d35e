"""The demo's applications: entered with the registry, then following their servers through the history."""

from __future__ import annotations

from ..models import Application
from .data import APPLICATIONS
from .websites import APPLICATION_URLS
from .writes import logged_at


class ApplicationsMixin:
    """Applications with the servers they run on, each change dated at the cut-over that caused it."""

    # -- applications -------------------------------------------------------------------------------
    def build_applications(self) -> None:
        for spec in APPLICATIONS:
            owner = self.orgs.get(spec.owner)
            if owner is None:
                continue
            app = Application.objects.create(
                name=spec.name,
                short_name=spec.short_name,
                organization=owner,
                url=APPLICATION_URLS.get(spec.short_name, spec.url),
                criticality=spec.criticality,
                integration_status=spec.integration,
                target_year=spec.target_year,
                status=spec.status,
                description=spec.description,
            )
            # Served from its OPD's servers at first; each rebuilt VM joins at its cut-over and each
            # switched-off server leaves then, so the history shows what ran the service when.
            servers = [self.devices[name] for name in spec.hosts if name in self.devices]
            if servers:
                app.devices.set(servers)
            events = []
            for device in servers:
                if device.pk in self.vm_of:
                    events.append((self.cut_over_at[device.pk], 0, app.devices.add, self.vm_of[device.pk]))
                if device.pk in self.switched_off_at:
                    events.append((self.switched_off_at[device.pk], 1, app.devices.remove, device))
            for at, _order, change, device in sorted(events, key=lambda e: (e[0], e[1], e[3].pk)):
                with logged_at(at):
                    change(device)
