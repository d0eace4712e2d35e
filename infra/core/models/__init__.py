from .base import ChangeLoggedModel
from .changes import ObjectChange
from .users import User

__all__ = ["ChangeLoggedModel", "ObjectChange", "User"]
