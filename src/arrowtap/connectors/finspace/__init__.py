"""AWS FinSpace managed kdb connector: the ``ListKx*`` listings as Arrow batches."""
