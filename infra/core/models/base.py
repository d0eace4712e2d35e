"""The base every inventory model shares: all the features of features.py in one class."""

from .features import (
    ChangeLoggingMixin,
    ConstraintMessagesMixin,
    DisplayMixin,
    TimestampsMixin,
)


class ChangeLoggedModel(DisplayMixin, ConstraintMessagesMixin, TimestampsMixin, ChangeLoggingMixin):
    """An inventory record: shown by name with its page, constraint messages on their fields,
    timestamps, and every create, update and delete in the change log."""

    class Meta:
        abstract = True
