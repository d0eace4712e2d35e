from .snapshots import DiagramSnapshot, SnapshotTrigger

__all__ = ["DiagramSnapshot", "SnapshotTrigger"]
