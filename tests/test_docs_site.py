"""The documentation site: every public name in the reference, a plot in every notebook page,
no type written in angle brackets lost, code that wraps rather than hides.

They read ``make docs``'s build when it is up to date, and otherwise build the site
(:mod:`docs_build`).
"""

from __future__ import annotations

import html.parser
import inspect
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

import arrowtap
import arrowtap.dask
import arrowtap.errors
import arrowtap.harperdb

from .docs_build import BUILT, NOTEBOOKS, ROOT, build, up_to_date

REFERENCE = ("arrowtap", "dask", "harperdb", "errors")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return BUILT if up_to_date() else build(tmp_path_factory.mktemp("site"))


class _Page(html.parser.HTMLParser):
    """The text, the element ids and the images of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.ids: set[str] = set()
        self.images: list[str] = []
        self.stylesheets: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids.add(str(found["id"]))
        if tag == "img":
            self.images.append(str(found.get("src") or ""))
        if tag == "link" and found.get("rel") == "stylesheet":
            self.stylesheets.append(str(found.get("href") or ""))
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.text.append(data)


def _page(site: Path, name: str) -> _Page:
    page = _Page()
    page.feed((site / name / "index.html").read_text(encoding="utf-8"))
    return page


def _reference_ids(site: Path) -> set[str]:
    return set().union(*(_page(site, f"reference/{name}").ids for name in REFERENCE))


@pytest.mark.timeout(600)
def test_every_public_name_has_its_reference(site: Path) -> None:
    ids = _reference_ids(site)
    wanted = [f"arrowtap.errors.{name}" for name in arrowtap.errors.__all__]
    for name in arrowtap.__all__:
        home = "errors" if name in arrowtap.errors.__all__ else None
        wanted.append(f"arrowtap.{home}.{name}" if home else f"arrowtap.{name}")
    wanted += [f"arrowtap.dask.{name}" for name in arrowtap.dask.__all__]
    wanted += [f"arrowtap.harperdb.{name}" for name in arrowtap.harperdb.__all__]
    missing = sorted(set(wanted) - ids)
    assert not missing, f"no reference entry for {missing} (add them to docs/reference/)"


@pytest.mark.timeout(600)
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_page_shows_outputs_and_a_plot(site: Path, notebook: Path) -> None:
    page = _page(site, f"notebooks/{notebook.stem}")
    plots = [src for src in page.images if src.startswith("data:image/png;base64,")]
    assert plots, f"{notebook.name}: its page shows no plot"
    text = "".join(page.text)
    assert "Traceback (most recent call last)" not in text, f"{notebook.name}: an error output"
    assert "Out[" in text or "out[" in text.lower(), f"{notebook.name}: no executed outputs"


_ANGLED = re.compile(r"[\w.:/-]*<[A-Za-z_][^<>\n`]*>[\w.\[\]]*")
"""A word written with angle brackets: ``list<double>``, ``<to>.checkpoint.sqlite``."""

_HTML_TAGS = {"br", "img", "a", "b", "i", "code", "sub", "sup", "details", "summary", "div"}


def _angled(text: str) -> set[str]:
    found = set()
    for match in _ANGLED.finditer(text):
        word = match.group(0)
        tag = re.match(r"<\s*/?\s*(\w+)", word)
        if word.startswith("<http") or (tag is not None and tag.group(1) in _HTML_TAGS):
            continue  # an autolink or real HTML, which the page renders, not shows
        found.add(word)
    return found


def _docstrings() -> Iterator[str]:
    modules = (arrowtap, arrowtap.dask, arrowtap.harperdb)
    yield inspect.getdoc(arrowtap.errors) or ""
    for module in modules:
        for name in module.__all__:
            value = getattr(module, name)
            yield inspect.getdoc(value) or ""
            if inspect.isclass(value):
                for member, attr in vars(value).items():
                    if not member.startswith("_"):
                        yield inspect.getdoc(attr) or ""


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.mark.timeout(600)
def test_no_type_in_angle_brackets_is_lost(site: Path) -> None:
    lost: list[str] = []
    for source in sorted((ROOT / "docs").rglob("*.md")):
        relative = source.relative_to(ROOT / "docs").with_suffix("")
        name = "" if relative.name == "index" else str(relative)
        name = str(relative.parent) if relative.name == "index" else name
        shown = _normal("".join(_page(site, name).text))
        words = _angled(source.read_text(encoding="utf-8"))
        lost += [f"{source.name}: {w}" for w in sorted(words) if _normal(w) not in shown]
    reference = _normal(
        "".join("".join(_page(site, f"reference/{name}").text) for name in REFERENCE)
    )
    words = set().union(*(_angled(doc.replace("``", "`")) for doc in _docstrings()))
    lost += [f"docstring: {w}" for w in sorted(words) if _normal(w) not in reference]
    assert not lost, f"written with angle brackets, missing from the rendered pages: {lost}"
    # The case the issue saw: the archive's value columns keep their type.
    assert "list<double>" in "".join(_page(site, "connectors/pvarchiver").text)


@pytest.mark.timeout(600)
def test_code_blocks_wrap_instead_of_scrolling(site: Path) -> None:
    page = _page(site, "connectors/pvarchiver")
    sheets = [href for href in page.stylesheets if "extra.css" in href]
    assert sheets, "the page does not link the site's stylesheet"
    css = (site / "stylesheets" / "extra.css").read_text(encoding="utf-8")
    rule = re.search(r"\.md-typeset pre > code\s*\{([^}]*)\}", css)
    assert rule is not None, "no rule for code blocks in extra.css"
    assert "pre-wrap" in rule.group(1)
