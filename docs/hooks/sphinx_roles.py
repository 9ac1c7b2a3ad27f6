"""MkDocs hook: the Sphinx roles of the numpydoc docstrings, shown as code, not as text.

The docstrings follow numpydoc, as pandas' and pyarrow's do, so they name objects with
Sphinx roles (``:class:`~arrowtap.Increment```); Markdown renders the role as plain text
before the code. This drops the role, and a ``~`` keeps only the last name, as Sphinx
shows it. A paragraph ending in ``::`` (reStructuredText's "a literal block follows")
keeps one colon.
"""

from __future__ import annotations

import re
from typing import Any

_ROLE = re.compile(r":(?:py:)?(?:class|func|meth|mod|data|attr|exc|obj|const):(<code>)(~?)([^<]*)")
_LITERAL = re.compile(r"::(</p>)")


def _shown(match: re.Match[str]) -> str:
    code, tilde, name = match.groups()
    return code + (name.rsplit(".", 1)[-1] if tilde else name)


def on_page_content(html: str, **kwargs: Any) -> str:
    """Rewrite the rendered page's HTML."""
    return _LITERAL.sub(r":\1", _ROLE.sub(_shown, html))
