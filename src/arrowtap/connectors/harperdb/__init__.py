"""HarperDB: the operations API of a real server (cluster, replication, tables)."""
