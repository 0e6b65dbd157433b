"""Where the catalogue comes from, and the clock every rule takes as an argument."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, runtime_checkable

from bookbridge.domain.isbn import ISBN13
from bookbridge.domain.model import TitleFamily
from bookbridge.domain.problems import Problem


@dataclass(frozen=True)
class SourceRead:
    """What one read of a catalogue source found.

    `delisted` are ISBNs the source withdrew (ONIX NotificationType 05): the application hides them,
    it never destroys products. `cursor` is opaque: pass it to the next `read` for a delta.
    """

    families: tuple[TitleFamily, ...]
    problems: tuple[Problem, ...] = ()
    delisted: tuple[ISBN13, ...] = ()
    cursor: str | None = None
    complete: bool = True  # a full catalogue (not a delta): editions it lacks are no longer in the source


@runtime_checkable
class CatalogSource(Protocol):
    """Where title metadata comes from (Consonance GraphQL, ONIX 3.0 feeds)."""

    name: str

    def read(self, cursor: str | None = None) -> SourceRead:
        """Read the families changed since `cursor` (everything when None). Must not write anything."""
        ...


class SourceUnreadable(Exception):
    """The source as a whole cannot be read: a file that is missing, not XML or not ONIX 3.0, a feed URL that
    fails, an API that refuses the key or stays unavailable. A bad record is not this: it is one of
    `SourceRead.problems`, and the rest of the source is still read. Adapters raise subclasses of it, with a
    message that names the source and the reason. `transient`: the same read may well succeed later as it is
    (the service was unavailable, a download timed out)."""

    transient: bool = False


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware (UTC)."""
        ...


@dataclass
class FixedClock:
    """A clock for tests and simulations: time moves only when told."""

    at: datetime
    history: list[datetime] = field(default_factory=list)

    def now(self) -> datetime:
        return self.at

    def advance_to(self, instant: datetime) -> None:
        self.history.append(self.at)
        self.at = instant
