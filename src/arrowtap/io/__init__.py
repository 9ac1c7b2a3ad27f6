"""What is written once for every connector: Arrow streams, pandas and Dask, sinks, sync."""
