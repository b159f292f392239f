"""Exporters: the contract and the compiled rows expressed in other ecosystems' formats.

Hugging Face features and card, Croissant, the datasheet, the GX suite JSON. Each reads
the contract and never restates it.
"""
