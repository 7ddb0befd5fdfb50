"""Partitions: one per input WARC file, one per day for fetched sources.

``counts`` keeps the per-partition counts the site model is merged from; ``keys`` names the
partitions; ``steps`` holds the work one parallel step does (read, segment, extract a slice)
and what the single loading step brings into the warehouse.
"""
