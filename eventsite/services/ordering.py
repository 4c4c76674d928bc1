"""Rows an organizer puts in order with Up / Down buttons (guest categories, feedback questions,
RSVP questions): each has a ``position``, 0 first."""

from collections.abc import Sequence


def move_one(ordered: Sequence, item, step: int) -> bool:
    """Move ``item`` one place up (-1) or down (+1) among ``ordered`` (all rows, in their order)
    and number every row's ``position`` afresh; at an end nothing changes (returns False)."""
    rows = list(ordered)
    i = rows.index(item)
    j = i + step
    if not 0 <= j < len(rows):
        return False
    rows.insert(j, rows.pop(i))
    for position, row in enumerate(rows):
        row.position = position
    return True
