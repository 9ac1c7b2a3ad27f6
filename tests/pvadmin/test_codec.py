"""The ``~XX`` path codec, exactly as in protocol notes §2.2 and the server's own unit test."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arrowtap.connectors.pvarchiver.wire.admin_codec import decode_name, encode_name
from arrowtap.testing.pvarchiver.admin_routes import custom_decode

EXAMPLES = [
    ("some test", "some~20test"),
    ("a/b", "a~2Fb"),
    ("süper", "s~C3~BCper"),
    ("root:ai1", "root~3Aai1"),
    ("a.b", "a~2Eb"),
    # CustomUrlCodecTest.testDefaultDecodeEncode
    ("äöü_-abc./~&=;!$()*,-:_", "~C3~A4~C3~B6~C3~BC_-abc~2E~2F~7E~26~3D~3B~21~24~28~29~2A~2C-~3A_"),
    ("AZaz09-_", "AZaz09-_"),
    ("", ""),
    ("%2F+", "~252F~2B"),
    ("\U0001f680", "~F0~9F~9A~80"),
]


@pytest.mark.parametrize(("name", "encoded"), EXAMPLES)
def test_encode_decode_examples(name: str, encoded: str) -> None:
    assert encode_name(name) == encoded
    assert decode_name(encoded) == name
    if not re.search("[A-Z]", name):  # then only the hex digits change case
        assert decode_name(encoded.lower()) == name
    assert custom_decode(encoded) == name


@pytest.mark.parametrize(
    ("text", "decoded"),
    [
        ("~._~1g~a", "~._~1g~a"),  # invalid sequences are kept as they are
        ("a~", "a~"),
        ("a~4", "a~4"),
        ("~~41", "~A"),
        ("~7e41", "~41"),  # an encoded tilde does not start a new escape
        ("é~41", "?A"),  # non-ASCII cannot occur in an encoded name: '?' as Java does
        ("~FF", "\ufffd"),  # bytes that are not UTF-8 become the replacement character
    ],
)
def test_decode_edge_cases(text: str, decoded: str) -> None:
    assert decode_name(text) == decoded
    assert custom_decode(text) == decoded


@given(st.text())
def test_round_trip_and_alphabet(name: str) -> None:
    encoded = encode_name(name)
    assert re.fullmatch(r"[A-Za-z0-9_~-]*", encoded)
    assert re.fullmatch(r"(?:[A-Za-z0-9_-]|~[0-9A-F]{2})*", encoded)
    expected = name.encode("utf-8", "replace").decode("utf-8")  # lone surrogates -> '?'
    assert decode_name(encoded) == expected
    assert custom_decode(encoded) == expected


@given(st.text(alphabet=st.sampled_from("~aZ09-_.éF3g"), max_size=12))
def test_client_and_fake_decoders_agree(text: str) -> None:
    assert decode_name(text) == custom_decode(text)
