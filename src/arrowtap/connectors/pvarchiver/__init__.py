"""Cassandra PV Archiver connector."""
