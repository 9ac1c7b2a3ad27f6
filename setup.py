"""Build of the compiled part of arrowtap; the metadata lives in pyproject.toml."""

import sys

from setuptools import Extension, setup

# -O2 for the scan loop; -Wall -Wextra keep the C honest (it builds without warnings).
_CFLAGS = [] if sys.platform == "win32" else ["-O2", "-Wall", "-Wextra"]

# The JsonV1 decoder, one concept per file (module.c describes the parts).
_JSONV1 = "src/arrowtap/connectors/pvarchiver/wire/jsonv1-c"
_JSONV1_SOURCES = [
    "module.c",
    "decoder.c",
    "take.c",
    "buffers.c",
    "sample.c",
    "meta.c",
    "lex.c",
    "strings.c",
    "numbers.c",
    "names.c",
]
_JSONV1_HEADERS = ["common.h", "buf.h", "names.h", "parse.h", "decoder.h"]

# The Kinetica record codec: Avro rows <-> Arrow column buffers (module.c describes the parts).
_AVROROWS = "src/arrowtap/connectors/kinetica/wire/avro-c"
_AVROROWS_SOURCES = ["module.c", "columns.c", "decode.c", "encode.c"]

setup(
    ext_modules=[
        Extension(
            "arrowtap.connectors.pvarchiver.wire._jsonv1",
            sources=[f"{_JSONV1}/{name}" for name in _JSONV1_SOURCES],
            include_dirs=[_JSONV1],
            depends=[f"{_JSONV1}/{name}" for name in _JSONV1_HEADERS],
            extra_compile_args=_CFLAGS,
        ),
        Extension(
            "arrowtap.connectors.kinetica.wire._avrorows",
            sources=[f"{_AVROROWS}/{name}" for name in _AVROROWS_SOURCES],
            include_dirs=[_AVROROWS],
            depends=[f"{_AVROROWS}/avro.h"],
            extra_compile_args=_CFLAGS,
        ),
    ]
)
