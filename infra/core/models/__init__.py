from .base import ChangeLoggedModel
from .changes import ObjectChange
from .preferences import UserPreference
from .users import User

__all__ = ["ChangeLoggedModel", "ObjectChange", "User", "UserPreference"]
