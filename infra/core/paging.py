"""Pages of long lists without counting every row, for the web lists, history tabs and the API.

Every page of a list used to run ``SELECT COUNT(*)`` over all the rows its filters match. The cost
grows with the table (the change log holds hundreds of thousands of rows; probe results will hold
hundreds of millions), whatever page is shown. Three ways out were weighed:

- the planner's estimate (PostgreSQL's ``reltuples``): free, but only for a whole table, never for
  a filtered or permission-limited list, and not on SQLite;
- "more" paging (fetch one row past the page): no count at all, but even a list of 12 rows no
  longer says "12";
- a capped count, chosen here: ``SELECT COUNT(*) FROM (SELECT ... LIMIT cap + 1)``. The database
  stops after ``cap + 1`` rows, so the count costs at most what reading 10,001 index entries costs
  (a few milliseconds: bench/web_pages.py and bench/api.py, in the commit message), and a list
  shorter than the cap keeps its exact total, its "page 3 of 7" and its last-page link. Past the
  cap the total is "more than 10,000": the page reads one row more than it shows to know whether
  a next page exists, and no last page is offered.

A filter that matches few rows out of many costs what it cost before (the database still has to
find them); the cap saves the time spent counting the rows it does match. Deep pages still pay for
OFFSET: the API offers keyset pages (``?after_id=``) for reading a long list to its end.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import QuerySet

from .validation import MAX_ID

# Rows counted at most. Counting 10,001 rows takes a few milliseconds on SQLite and PostgreSQL;
# a person does not page through more, and a program reads the API's keyset pages.
COUNT_CAP = 10_000


def capped_count(rows: QuerySet | Sequence, cap: int) -> int:
    """How many rows there are, counting no further than ``cap + 1``: ``min(total, cap + 1)``.

    A list in memory (the API's ``as_of`` rows) is counted exactly: its length costs nothing.
    """
    if isinstance(rows, QuerySet):
        # Django counts a sliced query as COUNT(*) over a subquery with its LIMIT, without the
        # selected columns or joins; the ordering goes, it only slows the subquery down.
        return rows.order_by()[: cap + 1].count()
    return len(rows)


class CappedPaginator(Paginator):
    """Django's Paginator with a count that stops at ``cap``; past it the total is unknown and a
    page looks one row ahead for its "next" link. ``count_rows`` is what to count when
    ``object_list`` is not a query (django-tables2 passes its rows: the table's query is counted).
    """

    def __init__(
        self,
        object_list,
        per_page: int,
        orphans: int = 0,
        allow_empty_first_page: bool = True,
        *,
        cap: int | None = None,
        count_rows: QuerySet | Sequence | None = None,
    ) -> None:
        super().__init__(object_list, per_page, orphans, allow_empty_first_page)
        self.cap = COUNT_CAP if cap is None else cap
        self._count_rows = object_list if count_rows is None else count_rows

    @cached_property
    def count(self) -> int:
        """The number of rows, or ``cap + 1`` when there are more than ``cap`` (then ``total_unknown``)."""
        return capped_count(self._count_rows, self.cap)

    @property
    def total_unknown(self) -> bool:
        """True when there are more rows than the cap: ``count`` and ``num_pages`` are then lower bounds."""
        return self.count > self.cap

    def validate_number(self, number) -> int:
        """A page number; past the counted rows any page may exist, up to what a database can skip."""
        if not self.total_unknown:
            return super().validate_number(number)
        try:
            if isinstance(number, float) and not number.is_integer():
                raise ValueError
            number = int(number)
        except (TypeError, ValueError) as exc:
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from exc
        if number < 1:
            raise EmptyPage(self.error_messages["min_page"])
        if (number - 1) * self.per_page > MAX_ID:
            raise EmptyPage(self.error_messages["no_results"])
        return number

    def page(self, number) -> Page:
        number = self.validate_number(number)
        if not self.total_unknown:
            return super().page(number)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])
        if not rows and number > 1:
            raise EmptyPage(self.error_messages["no_results"])
        return LookAheadPage(rows[: self.per_page], number, self, has_more=len(rows) > self.per_page)


class LookAheadPage(Page):
    """A page of a list whose total is unknown: whether another page follows was read, not counted."""

    def __init__(self, object_list, number: int, paginator: CappedPaginator, *, has_more: bool) -> None:
        super().__init__(object_list, number, paginator)
        self.has_more = has_more

    def has_next(self) -> bool:
        return self.has_more

    def end_index(self) -> int:
        return (self.number - 1) * self.paginator.per_page + len(self.object_list)
