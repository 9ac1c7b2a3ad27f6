"""Real HarperDB servers on loopback for tests and notebooks (HarperDB is not faked).

Examples
--------
>>> from arrowtap.testing.harperdb import HarperDBServer, HarperDBCluster
>>> HarperDBCluster.__name__
'HarperDBCluster'
"""

from arrowtap.testing.harperdb.cluster import HarperDBCluster
from arrowtap.testing.harperdb.server import HARPERDB_VERSION, HarperDBServer, find_harperdb

__all__ = ["HARPERDB_VERSION", "HarperDBCluster", "HarperDBServer", "find_harperdb"]
