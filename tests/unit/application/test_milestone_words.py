"""Milestones and their actions in the glossary's words: what people read never shows a `[milestones]` code."""

from __future__ import annotations

from bookbridge.application.milestones import MilestoneAction, action_words, transition_words
from bookbridge.domain.milestones import Transition


def test_every_transition_and_action_has_words_without_its_code():
    for transition in Transition:
        assert "-" not in transition_words(transition), transition
    for action in MilestoneAction:
        assert "-" not in action_words(action), action
    assert transition_words("final-approval") == "final approval"
    assert action_words("attach-assets") == "attach its approved assets"


def test_a_code_not_known_is_shown_as_it_is():
    assert transition_words("something-new") == "something-new"
    assert action_words("something-new") == "something-new"
