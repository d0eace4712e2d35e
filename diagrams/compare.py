"""Two dates of one view in one diagram: what was added, what was removed, what changed.

Both topologies come from the same view and filters at two moments (built from the change log or read
from stored snapshots). Identity is the id of each node, edge and group: a server has the same id at
both dates, so its move from the OPD's room to the data center is a change of group, not a removal and
an addition. What only the later date has is marked "added", what only the earlier date has is kept and
marked "removed" (drawn as such, so the reader sees what went away), what both have with another
status, label, group (or, for an edge, other ends) is marked "changed" with lines saying from what to
what. The renderers draw the marks; the legend names the marks that occur.

This package has no translations: the caller passes the legend's labels and the templates of the
"from what to what" lines in the reader's language (``labels``); English defaults stand in for any
key it leaves out.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping

from .model import Group, LegendEntry, Node, TitleBlock, Topology

ADDED = "added"
REMOVED = "removed"
CHANGED = "changed"
CHANGES = (ADDED, REMOVED, CHANGED)

DEFAULT_LABELS: dict[str, str] = {
    "change:added": "Added",
    "change:removed": "Removed",
    "change:changed": "Changed",
    # The lines that say what changed, with {before} and {after} in them.
    "changed:status": "{before} → {after}",
    "changed:label": "{before} → {after}",
    "changed:group": "{before} → {after}",
    "changed:ends": "{before} → {after}",
    # What an empty value reads as in those lines.
    "none": "—",
}


def change_key(change: str) -> str:
    """The legend's style key of a change mark ("change:added")."""
    return f"change:{change}"


def compare(
    before: Topology,
    after: Topology,
    *,
    title: TitleBlock,
    labels: Mapping[str, str] | None = None,
) -> Topology:
    """One topology showing ``before`` and ``after`` at once, each element marked with its change.

    Layout and direction are the later date's; a removed node keeps its pinned position (geographic
    views), so it is drawn where it was.
    """
    text = {**DEFAULT_LABELS, **(labels or {})}
    names = _legend_names(after.legend, before.legend)
    before_groups = {g.id: g for g in before.groups}
    after_groups = {g.id: g for g in after.groups}
    before_nodes = {n.id: n for n in before.nodes}
    after_nodes = {n.id: n for n in after.nodes}

    def status_texts(old: str, new: str) -> tuple[str, str]:
        """A status may combine keys ("fiber:active deployment:duct"): the keys that differ, named."""
        old_keys, new_keys = old.split(), new.split()
        gone = [names.get(k, k) for k in old_keys if k not in new_keys]
        came = [names.get(k, k) for k in new_keys if k not in old_keys]
        return " · ".join(gone) or text["none"], " · ".join(came) or text["none"]

    def group_text(group_id: str | None, groups: Mapping[str, Group]) -> str:
        if group_id is None:
            return text["none"]
        group = groups.get(group_id)
        return group.label if group is not None else group_id

    def node_text(node_id: str, nodes: Mapping[str, Node]) -> str:
        node = nodes.get(node_id)
        return node.label if node is not None else node_id

    groups = _merge(
        before.groups,
        after.groups,
        lambda old, new: [
            *_line(text, "status", *status_texts(old.status, new.status)),
            *_line(text, "label", old.label, new.label),
            *_line(text, "group", group_text(old.parent, before_groups), group_text(new.parent, after_groups)),
        ],
        lambda group, lines: dataclasses.replace(group, details=(*group.details, *lines)),
    )
    nodes = _merge(
        before.nodes,
        after.nodes,
        lambda old, new: [
            *_line(text, "status", *status_texts(old.status, new.status)),
            *_line(text, "label", old.label, new.label),
            *_line(text, "group", group_text(old.group, before_groups), group_text(new.group, after_groups)),
        ],
        lambda node, lines: dataclasses.replace(
            node, details=(*node.details, *lines), tooltip=_joined(node.tooltip, lines)
        ),
    )
    edges = _merge(
        before.edges,
        after.edges,
        lambda old, new: [
            *_line(text, "status", *status_texts(old.status, new.status)),
            *_line(text, "label", old.label, new.label),
            *_line(
                text,
                "ends",
                f"{node_text(old.source, before_nodes)} – {node_text(old.target, before_nodes)}",
                f"{node_text(new.source, after_nodes)} – {node_text(new.target, after_nodes)}",
            ),
        ],
        lambda edge, lines: dataclasses.replace(edge, tooltip=_joined(edge.tooltip, lines)),
    )
    used = {item.change for item in (*groups, *nodes, *edges)}
    legend = [LegendEntry(key, label) for key, label in names.items() if not key.startswith("change:")]
    legend += [LegendEntry(change_key(c), text[change_key(c)]) for c in CHANGES if c in used]
    return Topology(
        title=title,
        nodes=nodes,
        groups=groups,
        edges=edges,
        legend=legend,
        layout=after.layout,
        direction=after.direction,
        spread=after.spread,
    )


def _merge(old_items, new_items, differences, mark_changed) -> list:
    """The later date's items in their order, each marked, then the removed ones in the earlier order."""
    old_by_id = {item.id: item for item in old_items}
    new_ids = {item.id for item in new_items}
    merged = []
    for item in new_items:
        old = old_by_id.get(item.id)
        if old is None:
            merged.append(dataclasses.replace(item, change=ADDED))
            continue
        lines = differences(old, item)
        if lines:
            merged.append(dataclasses.replace(mark_changed(item, lines), change=CHANGED))
        else:
            merged.append(dataclasses.replace(item, change=""))
    merged += [dataclasses.replace(item, change=REMOVED) for item in old_items if item.id not in new_ids]
    return merged


def _line(text: Mapping[str, str], what: str, before: str, after: str) -> list[str]:
    """The line saying ``what`` went from ``before`` to ``after``, or none when it did not change."""
    if before == after:
        return []
    template = text.get(f"changed:{what}", DEFAULT_LABELS[f"changed:{what}"])
    try:
        return [template.format(before=before, after=after)]
    except (KeyError, IndexError, ValueError):  # a translated template with a stray brace: say it plainly
        return [DEFAULT_LABELS[f"changed:{what}"].format(before=before, after=after)]


def _joined(tooltip: str, lines: Iterable[str]) -> str:
    return "\n".join([tooltip, *lines] if tooltip else lines)


def _legend_names(*legends: Iterable[LegendEntry]) -> dict[str, str]:
    """Every style key of the legends with its label: the first legend's entries in its order, then the
    keys only a later one has (a status that no longer occurs is still named for the removed items)."""
    names: dict[str, str] = {}
    for legend in legends:
        for entry in legend:
            names.setdefault(entry.key, entry.label)
    return names


__all__ = ["ADDED", "CHANGED", "CHANGES", "DEFAULT_LABELS", "REMOVED", "change_key", "compare"]
