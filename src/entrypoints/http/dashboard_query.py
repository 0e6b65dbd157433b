"""The dashboard's query parameters, read so that a value the page cannot use never costs the page.

A person types these into the address bar or follows an old link: a page number that is not one (`-1`, `abc`), a
message code that names none, an id that is not a number. The API answers such input 422; the dashboard shows
its page anyway, without that parameter, and says so in a note naming the parameter, what it takes and what it
was given (`Query parameter editions_page: must be at least 1; it is -1, so page 1 is shown.`), in the words
of the API's refusals (`problems.why`); a page past its list's last, once the list is known, is noted too
(`past_last_page`). A value is quoted back only when it is a plain word or number: the page
shows no free text from the query string (someone else's link could make it say anything).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, TypeAdapter, ValidationError

from bookbridge.domain.ports import MAX_INTEGER
from bookbridge.entrypoints.http.inputs import LINE_PATTERN
from bookbridge.entrypoints.http.problems import why

MAX_PAGE = 100_000

# The messages an action can leave; the page words them itself.
Done = Literal["resolved", "retried", "retried-sync", "synced"]
_PLAIN = re.compile(r"^[\w.,:+-]{0,40}$", re.ASCII)  # quoted back as it is; anything else is not shown

_PAGE = TypeAdapter(Annotated[int, Field(ge=1, le=MAX_PAGE)])
_ID = TypeAdapter(Annotated[int, Field(ge=1, le=MAX_INTEGER)])
_DONE: TypeAdapter[Done] = TypeAdapter(Done)
_NAME = TypeAdapter(Annotated[str, StringConstraints(max_length=200, pattern=LINE_PATTERN)])
_SEARCH = TypeAdapter(Annotated[str, StringConstraints(max_length=100, pattern=LINE_PATTERN)])


@dataclass
class Query:
    """The parameters the page can use, and a note for each one it could not."""

    done: Done | None = None
    exception: int | None = None
    kind: str | None = None
    where: str | None = None
    storefront: str | None = None
    q: str | None = None
    flips_storefront: str | None = None
    flips_page: int = 1
    editions_page: int = 1
    notes: list[str] = field(default_factory=list)

    def read(self, name: str, raw: str | None, adapter: TypeAdapter[Any], consequence: str) -> None:
        """Set `name` from `raw` when `adapter` takes it; else leave its default and note why, and that
        `consequence` follows."""
        if raw is None or raw == "":
            return
        try:
            setattr(self, name, adapter.validate_python(raw))
        except ValidationError as exc:
            shown = raw if _PLAIN.match(raw) else None
            self.refuse(name, shown, why({**exc.errors(include_url=False)[0], "input": shown}), consequence)

    def refuse(self, name: str, shown: str | None, said: str, consequence: str) -> None:
        """Note that `name` is not used, `said` why: its value `shown`, or None when it is not plain."""
        unshown = "" if shown is not None else " (its value is not shown here)"
        self.notes.append(f"Query parameter {name}{unshown}: {said}, so {consequence}.")


def past_last_page(name: str, page: int, pages: int) -> str:
    """The note of a page number past the last page of its list: the last is shown, as a number that is none is
    noted (`Query.refuse`)."""
    return f"Query parameter {name}: {page} is past the last page ({pages}), so page {pages} is shown."


def read_query(*, done: str | None, exception: str | None, kind: str | None, where: str | None,
               storefront: str | None, q: str | None, flips_storefront: str | None, flips_page: str | None,
               editions_page: str | None, storefronts: Sequence[str]) -> Query:
    """The dashboard's parameters as given in the address, each read on its own; `storefronts`: the names
    `flips_storefront` takes."""
    query = Query()
    query.read("done", done, _DONE, "no message is shown")
    query.read("exception", exception, _ID, "the message names no exception")
    query.read("kind", kind, _NAME, "the Kind filter is not applied")
    query.read("where", where, _NAME, "the Where filter is not applied")
    query.read("storefront", storefront, _NAME, "the Where filter is not applied")
    query.read("q", q, _SEARCH, "the search is not applied")
    query.read("flips_storefront", flips_storefront, _NAME, "every storefront's flips show their first page")
    query.read("flips_page", flips_page, _PAGE, "page 1 is shown")
    query.read("editions_page", editions_page, _PAGE, "page 1 is shown")
    if query.flips_page > 1 and not flips_storefront:  # a page of whose flips: each storefront's has its own
        query.refuse("flips_page", str(query.flips_page), f"{query.flips_page} names no storefront's flips "
                     "(flips_storefront is not given)", "every storefront's flips show page 1")
    if query.flips_storefront and query.flips_storefront not in storefronts:
        plain = query.flips_storefront if _PLAIN.match(query.flips_storefront) else None
        query.refuse("flips_storefront", plain, f"must be {' or '.join(map(repr, storefronts)) or 'a storefront'}"
                     + (f"; it is {plain!r}" if plain is not None else ""), "every storefront's flips show page 1")
        query.flips_storefront = None
    return query
