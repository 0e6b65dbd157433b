"""Milestone detection rules: which transitions two reads of an edition make, and which they never make."""

from __future__ import annotations

from datetime import date

from hypothesis import assume, given
from hypothesis import strategies as st

from bookbridge.domain.milestones import (
    OUT_OF_PRINT_STATUSES,
    MilestoneEvent,
    Transition,
    catalogue_transitions,
    edition_transitions,
)
from bookbridge.domain.model import Edition, Milestones
from strategies import PUBLISHING_STATUSES, editions, title_families

# Consonance's metadata status gives locked (IN_REVIEW, APPROVED) and approved (APPROVED); a set actual
# publication date gives "confirmed". Any combination can come from a source.
milestones = st.builds(Milestones, metadata_locked=st.booleans(), final_approval=st.booleans(),
                       publication_date_confirmed=st.booleans())
statuses = st.sampled_from(PUBLISHING_STATUSES) | st.none()
dates = st.none() | st.dates(date(2020, 1, 1), date(2030, 12, 31))


@st.composite
def edition_pairs(draw: st.DrawFn) -> tuple[Edition, Edition]:
    """The same ISBN read twice, with the workflow fields changed (or not) in between."""
    before = draw(editions()).model_copy(update={"milestones": draw(milestones), "publication_date": draw(dates)})
    after = before.model_copy(update={
        "milestones": draw(milestones),
        "publication_date": draw(st.just(before.publication_date) | dates),
        "publishing_status": draw(st.just(before.publishing_status) | statuses),
    })
    return before, after


def _kinds(events: list[MilestoneEvent]) -> set[Transition]:
    return {e.transition for e in events}


@given(editions())
def test_an_edition_seen_for_the_first_time_or_unchanged_makes_no_transition(edition):
    assert edition_transitions(None, edition) == []
    assert edition_transitions(edition, edition) == []


@given(edition_pairs())
def test_a_flag_transition_fires_exactly_when_the_flag_turns_on(pair):
    before, after = pair
    kinds = _kinds(edition_transitions(before, after))
    flags = {
        Transition.METADATA_LOCKED: (before.milestones.metadata_locked, after.milestones.metadata_locked),
        Transition.FINAL_APPROVAL: (before.milestones.final_approval, after.milestones.final_approval),
        Transition.DATE_CONFIRMED: (before.milestones.publication_date_confirmed,
                                    after.milestones.publication_date_confirmed),
    }
    for transition, (was, now) in flags.items():
        assert (transition in kinds) == (now and not was), transition


@given(edition_pairs())
def test_a_date_change_fires_only_between_two_different_dates(pair):
    before, after = pair
    changed = Transition.DATE_CHANGED in _kinds(edition_transitions(before, after))
    assert changed == (before.publication_date is not None and after.publication_date is not None
                       and before.publication_date != after.publication_date)


def _class(status: str | None) -> Transition | None:
    return {"02": Transition.FORTHCOMING, "04": Transition.ACTIVE}.get(
        status or "", Transition.OUT_OF_PRINT if status in OUT_OF_PRINT_STATUSES else None)


@given(edition_pairs())
def test_a_status_transition_fires_on_entering_forthcoming_active_or_out_of_print(pair):
    before, after = pair
    kinds = _kinds(edition_transitions(before, after)) & {Transition.FORTHCOMING, Transition.ACTIVE,
                                                           Transition.OUT_OF_PRINT}
    into = _class(after.publishing_status)
    expected = {into} if into is not None and into is not _class(before.publishing_status) else set()
    assert kinds == expected


@given(edition_pairs())
def test_every_event_names_the_edition_and_at_most_one_of_each_kind(pair):
    before, after = pair
    events = edition_transitions(before, after)
    assert all(e.isbn == str(after.isbn) for e in events)
    assert len(events) == len(_kinds(events))


def test_the_recorded_values_say_what_changed():
    base = Edition(isbn="9780306406157", family_id="F", format="hardback", title="T", publishing_status="02",
                   publication_date=date(2027, 3, 1))
    later = base.model_copy(update={"publishing_status": "04", "publication_date": date(2027, 4, 1),
                                    "milestones": Milestones(publication_date_confirmed=True)})
    assert edition_transitions(base, later) == [
        MilestoneEvent("9780306406157", Transition.DATE_CONFIRMED, "no", "2027-04-01"),
        MilestoneEvent("9780306406157", Transition.DATE_CHANGED, "2027-03-01", "2027-04-01"),
        MilestoneEvent("9780306406157", Transition.ACTIVE, "02", "04"),
    ]
    # 07 out of print to 08 inactive stays out of print: no new transition.
    gone = base.model_copy(update={"publishing_status": "07"})
    assert [e.transition for e in edition_transitions(base, gone)] == [Transition.OUT_OF_PRINT]
    assert edition_transitions(gone, gone.model_copy(update={"publishing_status": "08"})) == []


@given(st.lists(title_families(), min_size=1, max_size=3, unique_by=lambda f: f.id))
def test_catalogue_transitions_are_the_union_over_editions_and_new_families_are_a_baseline(families):
    before = {f.id: f for f in families}
    locked = {f.id: f.model_copy(update={"editions": tuple(
        e.model_copy(update={"milestones": Milestones(metadata_locked=True)}) for e in f.editions)})
        for f in families}
    isbns = [str(e.isbn) for f in families for e in f.editions]
    assume(len(set(isbns)) == len(isbns))  # an ISBN is one edition: a catalogue never holds it twice
    events = catalogue_transitions(before, locked)
    assert {e.isbn for e in events} == set(isbns)
    assert {e.transition for e in events} == {Transition.METADATA_LOCKED}
    assert catalogue_transitions({}, locked) == []
