from .base import ChangeLoggedModel
from .changes import ObjectChange
from .preferences import UserPreference
from .tokens import Token
from .users import User

__all__ = ["ChangeLoggedModel", "ObjectChange", "Token", "User", "UserPreference"]
