"""The namespace stripper in front of the ONIX parser: linear in any text run, bounded memory, same output."""

from __future__ import annotations

import io
import re

import pytest

from bookbridge.adapters.onix.reader import _MAX_CARRY, _NamespaceStripper


class _Chunks(io.RawIOBase):
    """A stream that hands out the given chunks one per read, as a socket or pipe may."""

    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = list(chunks)

    def read(self, size: int = -1) -> bytes:
        return self.chunks.pop(0) if self.chunks else b""


class _Watched(io.BytesIO):
    """A file that notes, on every read the stripper makes, how much the stripper is holding back."""

    stripper: _NamespaceStripper | None = None
    largest_carry = 0

    def read(self, size: int | None = -1) -> bytes:
        if self.stripper is not None:
            self.largest_carry = max(self.largest_carry, len(self.stripper.carry))
        return super().read(size)


def _drain(stripper: _NamespaceStripper) -> tuple[bytes, int]:
    raw = stripper.raw
    if isinstance(raw, _Watched):
        raw.stripper = stripper
    out = []
    while piece := stripper.read(1 << 16):
        out.append(piece)
    return b"".join(out), raw.largest_carry if isinstance(raw, _Watched) else 0


def test_a_long_text_run_is_never_carried_over() -> None:
    # The quadratic reader held the whole run from its opening tag and rescanned it on every chunk.
    text = b"a" * (20 << 20)
    raw = _Watched(b'<ONIXMessage xmlns="x"><Product><TitleText>' + text + b"</TitleText></Product></ONIXMessage>")
    stripper = _NamespaceStripper(raw)
    out, largest_carry = _drain(stripper)
    assert largest_carry < 1 << 16
    assert out == b"<ONIXMessage ><Product><TitleText>" + text + b"</TitleText></Product></ONIXMessage>"
    assert stripper.namespace == "x"


def test_an_unfinished_tag_is_carried_but_bounded() -> None:
    huge_tag = b'<Product a="' + b"b" * (3 * _MAX_CARRY) + b'">'
    stripper = _NamespaceStripper(_Watched(huge_tag + b"</Product>"))
    out, largest_carry = _drain(stripper)
    assert largest_carry <= _MAX_CARRY
    assert out == huge_tag + b"</Product>"


@pytest.mark.parametrize("split", range(1, 40))
def test_a_declaration_split_across_reads_is_still_stripped(split: int) -> None:
    document = b'<ONIXMessage release="3.0"\n xmlns="http://ns.editeur.org/onix/3.0/reference"><Header/>'
    stripper = _NamespaceStripper(_Chunks([document[:split], document[split:], b"</ONIXMessage>"]))
    out, _ = _drain(stripper)
    assert not re.search(rb"xmlns", out)
    assert out.count(b"\n") == 1  # line numbers are kept
    assert stripper.namespace == "http://ns.editeur.org/onix/3.0/reference"
