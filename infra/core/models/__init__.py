from .base import ChangeLoggedModel
from .changes import ObjectChange
from .features import ChangeLoggingMixin, ConstraintMessagesMixin, DisplayMixin, TimestampsMixin
from .preferences import UserPreference
from .tokens import Token
from .users import User

__all__ = [
    "ChangeLoggedModel",
    "ChangeLoggingMixin",
    "ConstraintMessagesMixin",
    "DisplayMixin",
    "ObjectChange",
    "TimestampsMixin",
    "Token",
    "User",
    "UserPreference",
]
