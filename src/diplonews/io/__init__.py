"""Readers and writers: strict text files, annotation folders, prediction files, the dataset's Parquet.

Above the contract, below the exporters and engines: a reader turns bytes into typed rows
or `Problem`s naming file, line and field, and never runs a suite.
"""
