"""The fake's channels-by-regexp answers what java.util.regex answered.

``tests/data/java_regex/answers.json`` holds what JDK 17 answered for every
case of ``cases.json`` against all of its channel names (made by
``tests/data/java_regex/record.py``; no Java is needed here). A case marked
``"fake": "refuses"`` is valid Java the fake cannot evaluate exactly: it must
answer 400 rather than a different list.
"""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from arrowtap.testing.pvarchiver import ChannelSpec, FakeArchiver
from arrowtap.testing.pvarchiver.javaregex import (
    JavaPatternError,
    UnsupportedPatternError,
    compile_java,
)

DATA = Path(__file__).resolve().parents[1] / "data" / "java_regex"
CASES: list[dict[str, str]] = json.loads((DATA / "cases.json").read_text("utf-8"))["cases"]
RECORDED: dict[str, Any] = json.loads((DATA / "answers.json").read_text("utf-8"))
CHANNELS: list[str] = RECORDED["channels"]
ANSWERS: list[dict[str, Any]] = RECORDED["answers"]
BASE = "/archive-access/api/1.0/archive/1/channels-by-regexp/"


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeArchiver]:
    with FakeArchiver([ChannelSpec(name) for name in CHANNELS]) as server:
        yield server


def ask(fake: FakeArchiver, regexp: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", fake.port, timeout=20)
    try:
        conn.request("GET", BASE + quote(regexp, safe=""))
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def test_the_answers_are_for_these_cases() -> None:
    assert [a["regexp"] for a in ANSWERS] == [c["regexp"] for c in CASES]
    assert sorted(CHANNELS) == sorted(
        json.loads((DATA / "cases.json").read_text("utf-8"))["channels"]
    )
    assert RECORDED["jdk"].startswith("17.")
    assert len(CASES) >= 60
    assert sum(a["java"] == "invalid" for a in ANSWERS) >= 10
    assert {"détecteur:état", "sort:\uff01", "sort:\U0001f680"} <= set(CHANNELS)


@pytest.mark.parametrize(
    "index", range(len(CASES)), ids=[f"{i}:{c['regexp']}" for i, c in enumerate(CASES)]
)
def test_fake_answers_like_java(fake: FakeArchiver, index: int) -> None:
    case, java = CASES[index], ANSWERS[index]["java"]
    status, body = ask(fake, case["regexp"])
    if case.get("fake") == "refuses":
        assert status == 400, body
        assert b"the fake cannot evaluate" in body or not isinstance(java, list)
    elif isinstance(java, list):
        assert (status, json.loads(body)) == (200, java), case["why"]
    else:
        assert status == 400, case["why"]
        assert b"Invalid regular expression: " in body


def test_refusals_are_errors_of_their_own() -> None:
    with pytest.raises(UnsupportedPatternError, match="Unicode blocks"):
        compile_java(r"\p{InGreek}")
    with pytest.raises(JavaPatternError) as info:
        compile_java("(?<my_name>a)")
    assert not isinstance(info.value, UnsupportedPatternError)


def test_the_fake_imports_regex_only_for_a_regexp_search() -> None:
    # regex is a "dev" extra: the fake (and the pytest plugin) must start without it.
    code = (
        "import sys; from arrowtap.testing.pvarchiver import FakeArchiver, ChannelSpec\n"
        "with FakeArchiver([ChannelSpec('a')]) as fake: pass\n"
        "print('regex' in sys.modules)"
    )
    ran = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert ran.stdout.strip() == "False"
