"""Build of the compiled part of arrowtap; the metadata lives in pyproject.toml."""

import sys

from setuptools import Extension, setup

# -O2 for the scan loop; the warnings keep the C honest (CI compiles it with -Werror).
_CFLAGS = [] if sys.platform == "win32" else ["-O2", "-Wall", "-Wextra"]

setup(
    ext_modules=[
        Extension(
            "arrowtap.connectors.pvarchiver._jsonv1",
            sources=["src/arrowtap/connectors/pvarchiver/_jsonv1.c"],
            extra_compile_args=_CFLAGS,
        )
    ]
)
