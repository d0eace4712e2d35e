from .base import ChangeLoggedModel
from .changes import ObjectChange
from .features import ChangeLoggingMixin, ChangeLoggingQuerySet, ConstraintMessagesMixin, DisplayMixin, TimestampsMixin
from .preferences import UserPreference
from .tokens import Token
from .users import User

__all__ = [
    "ChangeLoggedModel",
    "ChangeLoggingMixin",
    "ChangeLoggingQuerySet",
    "ConstraintMessagesMixin",
    "DisplayMixin",
    "ObjectChange",
    "TimestampsMixin",
    "Token",
    "User",
    "UserPreference",
]
