"""The pure parts of the HTTP guards: the JSON limits, the text rule, the sign-in back-off and the log limit."""

from __future__ import annotations

import json
import logging

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bookbridge.entrypoints.http.inputs import (
    MAX_JSON_DEPTH,
    InputRefused,
    json_depth,
    load_json,
    refuse_control_characters,
)
from bookbridge.entrypoints.http.throttle import MAX_CLIENTS, LoginThrottle, RateLimitedLog


@given(depth=st.integers(0, 80), noise=st.text(alphabet='[]{}"\\ab', max_size=40))
def test_the_depth_limit_counts_brackets_outside_strings_only(depth: int, noise: str) -> None:
    body = ("[" * depth + json.dumps(noise) + "]" * depth).encode()
    assert (json_depth(body) > MAX_JSON_DEPTH) == (depth > MAX_JSON_DEPTH)
    if depth > MAX_JSON_DEPTH:
        with pytest.raises(InputRefused, match="nests deeper"):
            load_json(body, "body")
    else:
        assert load_json(body, "body") == json.loads(body)


def test_load_json_limits() -> None:
    assert load_json(b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH, "body") is not None
    with pytest.raises(InputRefused, match="nests deeper than 32") as deep:
        load_json(b"[" * (MAX_JSON_DEPTH + 1) + b"]" * (MAX_JSON_DEPTH + 1), "body")
    assert deep.value.status_code == 400
    with pytest.raises(InputRefused, match="longer than 100 characters"):
        load_json(b"1" * 101, "body")
    assert load_json(b"1" * 100, "body") == int("1" * 100)
    for bad in (b"NaN", b"-Infinity", b"1e999", b'"\\udc00"', b"\xff", b"{"):
        with pytest.raises(InputRefused) as refused:
            load_json(bad, "webhook body")
        assert refused.value.status_code == 400 and "webhook body" in str(refused.value.detail)


@given(text=st.text(st.characters(categories=["Cs", "Ll", "Nd", "Po", "Cc"]), max_size=8),
       ensure_ascii=st.booleans(), encoding=st.sampled_from(["utf-8", "utf-16-le", "utf-16-be", "utf-32-le"]))
@example(text="\udc00", ensure_ascii=True, encoding="utf-16-le")  # all-ASCII bytes, yet an escaped surrogate
@example(text="\ud800", ensure_ascii=False, encoding="utf-8")  # a surrogate as raw bytes (ED A0 80)
@example(text="\ud800\udc00", ensure_ascii=False, encoding="utf-16-le")  # a pair: U+10000
def test_a_lone_surrogate_is_refused_in_every_encoding_json_reads(text: str, ensure_ascii: bool,
                                                                  encoding: str) -> None:
    """json.loads reads UTF-8, -16 and -32, escapes and raw surrogate bytes alike: each way a lone surrogate can
    arrive is refused, and anything else is read as json reads it (the guard skips its re-encoding check only for
    bodies that can hold no surrogate). A pair encoded as UTF-16 is one character, not a lone surrogate."""
    body = json.dumps([text], ensure_ascii=ensure_ascii).encode(encoding, "surrogatepass")
    read = json.loads(body)
    if any("\ud800" <= c <= "\udfff" for c in read[0]):
        with pytest.raises(InputRefused, match="lone surrogate"):
            load_json(body, "body")
    else:
        assert load_json(body, "body") == read


def test_text_keeps_tabs_and_newlines_but_no_other_control_character() -> None:
    assert refuse_control_characters("a\tb\nc\r\n", "note") == "a\tb\nc\r\n"
    for bad in ("\x00", "a\x1bb", "\x7f"):
        with pytest.raises(InputRefused, match="form field note: control characters"):
            refuse_control_characters(bad, "form field note")
    with pytest.raises(InputRefused):
        refuse_control_characters("a\nb", "storefront", multiline=False)


def test_the_back_off_doubles_per_client_up_to_the_cap_and_resets_on_success() -> None:
    throttle = LoginThrottle(free_attempts=2, max_delay=8)
    delays = [throttle.failed("a", now=float(i * 100)) for i in range(7)]
    assert delays == [0, 0, 1, 2, 4, 8, 8]
    assert throttle.wait("a", now=600.0) == 8 and throttle.wait("b", now=600.0) == 0
    throttle.succeeded("a")
    assert throttle.wait("a", now=600.0) == 0 and throttle.failed("a", now=601.0) == 0
    assert throttle.failed("c", now=0) == 0 and throttle.failed("c", now=5000) == 0  # forgotten after an hour
    for i in range(MAX_CLIENTS + 5):
        throttle.failed(f"client-{i}", now=0)
    assert len(throttle._clients) == MAX_CLIENTS  # bounded memory


def test_the_log_limit_says_how_many_it_suppressed(caplog: pytest.LogCaptureFixture) -> None:
    limited = RateLimitedLog(logging.getLogger("bookbridge.test.limit"), per_minute=3)
    with caplog.at_level(logging.WARNING, logger="bookbridge.test.limit"):
        logged = [limited.warning("refused %s", i, now=i / 100) for i in range(100)]
        assert sum(logged) == 3
        assert limited.warning("refused %s", "late", now=61.0)
    messages = [r.getMessage() for r in caplog.records]
    assert messages[:3] == ["refused 0", "refused 1", "refused 2"]
    assert messages[3].startswith("refused late (97 similar warnings suppressed")
