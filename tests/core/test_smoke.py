from infra.core.models import ObjectChange
from infra.inventory.models import FiberCore

from ..factories import DeviceFactory, FiberLinkFactory, MigrationFactory


def test_factories_build_a_valid_city(db):
    link = FiberLinkFactory()
    assert FiberCore.objects.filter(link=link).count() == 12
    migration = MigrationFactory(device=DeviceFactory())
    assert migration.transitions.count() == 1
    assert ObjectChange.objects.filter(object_repr=link.code, action="create").count() == 1
