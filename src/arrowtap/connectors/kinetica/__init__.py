"""Kinetica (GPUdb) connector: record types, Avro wire values and Arrow batches."""
