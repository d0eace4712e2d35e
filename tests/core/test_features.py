"""Model features one at a time: a model gets what it takes from core.models.features and no more.

The models here live in an isolated app registry with tables made for the test, so nothing else
(migrations, the admin, the API) sees them. Creating tables needs a transactional test on SQLite.
"""

from types import SimpleNamespace

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.test.utils import isolate_apps

from infra.core.choices import ChangeAction
from infra.core.models import (
    ChangeLoggedModel,
    ChangeLoggingMixin,
    ConstraintMessagesMixin,
    DisplayMixin,
    ObjectChange,
    TimestampsMixin,
)
from infra.inventory.models import Device

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def kinds():
    """Three models made of features: timestamps only, change logging only, and both."""
    with isolate_apps("infra.core"):

        class FeatureReading(TimestampsMixin):
            value = models.IntegerField()

            class Meta:
                app_label = "core"

        class FeatureNote(ChangeLoggingMixin):
            text = models.CharField(max_length=50)

            class Meta:
                app_label = "core"

            def __str__(self) -> str:
                return self.text

        class FeatureStampedNote(TimestampsMixin, ChangeLoggingMixin):
            text = models.CharField(max_length=50)

            class Meta:
                app_label = "core"

            def __str__(self) -> str:
                return self.text

        made = [FeatureReading, FeatureNote, FeatureStampedNote]
        with connection.schema_editor() as editor:
            for model in made:
                editor.create_model(model)
        try:
            yield SimpleNamespace(reading=FeatureReading, note=FeatureNote, stamped=FeatureStampedNote)
        finally:
            with connection.schema_editor() as editor:
                for model in made:
                    editor.delete_model(model)


def records_of(model) -> list[ObjectChange]:
    ct = ContentType.objects.get_for_model(model)
    return list(ObjectChange.objects.filter(content_type=ct).order_by("id"))


def test_timestamps_alone_give_timestamps_and_no_change_records(kinds):
    reading = kinds.reading.objects.create(value=1)
    assert reading.created is not None and reading.last_updated is not None
    first = reading.last_updated
    reading.value = 2
    reading.save()
    assert reading.last_updated >= first
    reading.delete()
    assert not ObjectChange.objects.exists()
    loaded = kinds.reading.objects.create(value=3)
    assert not hasattr(kinds.reading.objects.get(pk=loaded.pk), "_loaded_values")  # no "before" kept


def test_change_logging_alone_logs_every_write_without_timestamps(kinds):
    note = kinds.note.objects.create(text="a")
    assert not hasattr(note, "created")
    note = kinds.note.objects.get(pk=note.pk)
    note.text = "b"
    note.save()
    note_id = note.pk
    note.delete()
    actions = [(r.action, r.object_id, r.before, r.after) for r in records_of(kinds.note)]
    assert actions == [
        (ChangeAction.CREATE, note_id, None, {"id": note_id, "text": "a"}),
        (ChangeAction.UPDATE, note_id, {"id": note_id, "text": "a"}, {"id": note_id, "text": "b"}),
        (ChangeAction.DELETE, note_id, {"id": note_id, "text": "b"}, None),
    ]


def test_logged_timestamps_stay_out_of_the_log(kinds):
    """Timestamps change on every save: logged, they would make every save a change."""
    note = kinds.stamped.objects.create(text="a")
    note.save()  # nothing changed but last_updated: no record
    (created,) = records_of(kinds.stamped)
    assert created.after == {"id": note.pk, "text": "a"}


def test_the_inventory_base_is_every_feature():
    for feature in (DisplayMixin, ConstraintMessagesMixin, TimestampsMixin, ChangeLoggingMixin):
        assert issubclass(ChangeLoggedModel, feature)
        assert issubclass(Device, feature)
    assert ChangeLoggedModel.changelog_exclude == ("created", "last_updated")


def test_display_and_constraint_messages_without_logging():
    """The features without a table: a page link and a constraint's message on its field."""
    with isolate_apps("infra.core"):

        class FeatureRange(DisplayMixin, ConstraintMessagesMixin):
            low = models.IntegerField()
            high = models.IntegerField()

            class Meta:
                app_label = "core"
                constraints = [
                    models.CheckConstraint(condition=models.Q(high__gte=models.F("low")), name="featurerange_order")
                ]

            constraint_fields = {"featurerange_order": "high"}

        assert not issubclass(FeatureRange, (ChangeLoggingMixin, TimestampsMixin))
        assert FeatureRange(pk=1).get_absolute_url() == ""  # no page named core:featurerange
        with pytest.raises(ValidationError) as raised:
            FeatureRange(low=2, high=1).validate_constraints()
        assert list(raised.value.message_dict) == ["high"]
