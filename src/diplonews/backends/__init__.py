"""Engines that enforce or express the contract of `diplonews.schema`.

Each module reads the registry and never restates it: `pandera_pandas` checks tables,
`arrow` writes Parquet, `hf` declares `datasets.Features`.
"""
