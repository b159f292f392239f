"""The contract, the bottom layer: labels, tables and columns, types, rules, gates, error codes.

Everything above (readers, exporters, engines, build, validate, CLI) reads these modules;
nothing here imports anything above it.
"""
