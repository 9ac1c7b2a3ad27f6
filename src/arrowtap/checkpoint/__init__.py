"""Checkpointed offsets: a named table of sections per pipeline, in SQLite or HarperDB.

Open one with :func:`open_checkpoint`; see :class:`Checkpoint` for the operations
and :class:`CheckpointAttributes` for the limits fixed at creation.
"""

from arrowtap.checkpoint.api import (
    Checkpoint,
    CheckpointAttributes,
    WriteMode,
    decode_json,
    encode_json,
)
from arrowtap.checkpoint.lease import Lease
from arrowtap.checkpoint.opening import CheckpointLike, open_checkpoint, opened
from arrowtap.checkpoint.sqlite import SQLiteCheckpoint

__all__ = [
    "Checkpoint",
    "CheckpointAttributes",
    "CheckpointLike",
    "Lease",
    "SQLiteCheckpoint",
    "WriteMode",
    "decode_json",
    "encode_json",
    "open_checkpoint",
    "opened",
]
