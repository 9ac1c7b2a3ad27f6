"""Connectors: one subpackage or module per external system, wire protocol <-> Arrow batches.

A connector imports neither :mod:`arrowtap.io`, pandas nor Dask.
"""
