"""Standard Webhooks signatures: what is signed verifies; any change to the id, time, body or key does not."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bookbridge.entrypoints.http.signatures import SigningKey, WebhookAuthError, verify_custom_header, verify_signature

NOW = 1_795_000_000
ids = st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=64)
bodies = st.binary(max_size=2048)
keys = st.binary(min_size=1, max_size=64).map(lambda raw: SigningKey(raw))


def headers(key: SigningKey, delivery_id: str, stamp: int, body: bytes) -> dict[str, str]:
    return {"webhook-id": delivery_id, "webhook-timestamp": str(stamp),
            "webhook-signature": key.sign(delivery_id, stamp, body)}


@given(keys, ids, bodies, st.integers(-300, 300))
def test_a_signed_delivery_within_the_tolerance_verifies(key: SigningKey, delivery_id: str, body: bytes,
                                                         skew: int) -> None:
    assert verify_signature(key, headers(key, delivery_id, NOW + skew, body), body, now=NOW,
                            tolerance_seconds=300) == delivery_id


@given(keys, ids, bodies, st.data())
def test_changing_any_byte_of_the_body_breaks_the_signature(key: SigningKey, delivery_id: str, body: bytes,
                                                            data: st.DataObject) -> None:
    signed = headers(key, delivery_id, NOW, body)
    tampered = bytearray(body + b"x")
    index = data.draw(st.integers(0, len(tampered) - 1))
    tampered[index] ^= data.draw(st.integers(1, 255))
    with pytest.raises(WebhookAuthError, match="no webhook-signature matches"):
        verify_signature(key, signed, bytes(tampered), now=NOW, tolerance_seconds=300)


@given(keys, keys, ids, bodies)
def test_another_key_does_not_verify(key: SigningKey, other: SigningKey, delivery_id: str, body: bytes) -> None:
    if key.key == other.key:
        return
    with pytest.raises(WebhookAuthError):
        verify_signature(other, headers(key, delivery_id, NOW, body), body, now=NOW, tolerance_seconds=300)


@given(keys, ids, bodies, st.integers(301, 10**6), st.sampled_from([-1, 1]))
def test_a_timestamp_outside_the_tolerance_is_a_replay(key: SigningKey, delivery_id: str, body: bytes, skew: int,
                                                       sign: int) -> None:
    with pytest.raises(WebhookAuthError, match="replayed"):
        verify_signature(key, headers(key, delivery_id, NOW + sign * skew, body), body, now=NOW,
                         tolerance_seconds=300)


def test_the_spec_example_vector() -> None:
    # Standard Webhooks spec, "Verifying webhooks": this id, time, body and secret give this signature.
    key = SigningKey.from_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
    body = b'{"test": 2432232314}'
    signature = key.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body)
    assert signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_a_plain_secret_is_used_as_raw_bytes_like_bigcommerces_example() -> None:
    # BigCommerce hands base64(client_secret) to the standardwebhooks library, which decodes it again.
    plain = SigningKey.from_secret("my-client-secret")
    library_form = SigningKey.from_secret("whsec_" + base64.b64encode(b"my-client-secret").decode())
    assert plain.key == library_form.key == b"my-client-secret"
    with pytest.raises(ValueError, match="not base64"):
        SigningKey.from_secret("whsec_***")
    assert "my-client-secret" not in repr(plain)


def test_custom_header_compare() -> None:
    verify_custom_header({"x-hook": "s3cret-value"}, "x-hook", "s3cret-value")
    for given_headers in ({}, {"x-hook": "s3cret-valuE"}, {"x-hook": ""}):
        with pytest.raises(WebhookAuthError):
            verify_custom_header(given_headers, "x-hook", "s3cret-value")
