"""harperdb: the wire protocol <-> Arrow batches (imports neither io, pandas nor Dask)."""
