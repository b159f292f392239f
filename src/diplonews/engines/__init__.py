"""Checking engines: pandera (pandas, polars) and the Great Expectations runtime.

They run the contract's rules (`diplonews.contract.rules`) and return `Problem`s and
outcomes; they never read files or decide exit codes.
"""
