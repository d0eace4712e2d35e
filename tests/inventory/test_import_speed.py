"""What makes the import fast stays the import's own business: checked against its behaviour."""

import gc

from infra.core.collector import BULK_THRESHOLDS
from infra.inventory import spreadsheets
from infra.inventory.models import Device

from .test_import import DEVICE_HEADER, city, good_device_rows, write_csv  # noqa: F401


def test_the_import_runs_with_fewer_collections_and_puts_the_thresholds_back(city, tmp_path):  # noqa: F811
    path = write_csv(tmp_path / "perangkat.csv", DEVICE_HEADER, good_device_rows())
    before = gc.get_threshold()
    seen = []
    result = spreadsheets.import_file(
        "devices", path, progress=lambda phase, *_: seen.append((phase, gc.get_threshold()))
    )
    assert result.created == 2 and Device.objects.count() == 2
    phases = {phase for phase, _t in seen}
    assert {"checking", "saving"} <= phases, seen
    assert all(t == BULK_THRESHOLDS for phase, t in seen if phase in ("checking", "saving")), seen
    assert gc.get_threshold() == before
