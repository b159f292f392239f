"""The one type table: each contract dtype and what it is in every engine (pudl's habit).

A column's dtype (`schema.Column.dtype`) is one of `DTYPES`; everything that needs an
engine type (Arrow/Parquet, polars, pandas/pandera, HF `datasets`, GX, Croissant, JSON
readers) asks this table, through `schema.Column`'s `to_*` methods where a column is at
hand. Adding an engine is adding a column here, not a mapping in its module.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import polars as pl
import pyarrow as pa

DType = Literal["string", "int32", "bool", "class_label", "span_list", "string_list", "int32_list", "class_label_list"]

# The fields of one span inside a `span_list` column (discrepancies.spans).
SPAN_FIELDS: tuple[tuple[str, DType], ...] = (
    ("article_id", "string"),
    ("start", "int32"),
    ("end", "int32"),
    ("text", "string"),
)


@dataclass(frozen=True)
class TypeSpec:
    """One contract dtype in every engine."""

    python: tuple[type, ...]  # what a decoded JSON value must be (bool is never an int)
    described: str  # how an error message names it: "expected an integer"
    arrow: Any  # the Parquet storage type (pa.DataType; span_list: built from SPAN_FIELDS)
    polars_input: Any  # what prediction readers parse into (int64: out-of-range values are still seen)
    pandas: Any  # pandera-on-pandas dtype
    hf_value: str | None  # datasets.Value dtype (None: ClassLabel / List, built from the column)
    gx: str  # expect_column_values_to_be_of_type's type_
    croissant: str  # Croissant dataType


TYPES: dict[str, TypeSpec] = {
    "string": TypeSpec((str,), "a string", pa.string(), pl.String(), str, "string", "str", "sc:Text"),
    "class_label": TypeSpec((str,), "a string (a label)", pa.string(), pl.String(), str, None, "str", "sc:Text"),
    "int32": TypeSpec((int,), "an integer", pa.int32(), pl.Int64(), "int64", "int32", "int32", "sc:Integer"),
    "bool": TypeSpec((bool,), "true or false", pa.bool_(), pl.Boolean(), bool, "bool", "bool", "sc:Boolean"),
    "span_list": TypeSpec((list,), "a list of spans", None, None, object, None, "list", "sc:Text"),
    # Sequences (the `tokens` config): one list per row, elements of the item dtype (LIST_ITEM).
    "string_list": TypeSpec(
        (list,), "a list of strings", pa.list_(pa.string()), pl.List(pl.String()), object, None, "list", "sc:Text"
    ),
    "int32_list": TypeSpec(
        (list,), "a list of integers", pa.list_(pa.int32()), pl.List(pl.Int64()), object, None, "list", "sc:Integer"
    ),
    "class_label_list": TypeSpec(
        (list,), "a list of labels", pa.list_(pa.string()), pl.List(pl.String()), object, None, "list", "sc:Text"
    ),
}
# The element dtype of each list dtype (a span_list's elements are structs of SPAN_FIELDS).
LIST_ITEM: dict[str, DType] = {"string_list": "string", "int32_list": "int32", "class_label_list": "class_label"}
INT32_MAX = 2**31 - 1


def arrow_type(dtype: str) -> pa.DataType:
    if dtype == "span_list":
        return pa.list_(pa.struct([pa.field(name, TYPES[kind].arrow, nullable=False) for name, kind in SPAN_FIELDS]))
    return TYPES[dtype].arrow


def value_ok(dtype: str, value: Any) -> bool:
    """Is a decoded JSON value of this dtype? (bool is not an integer; integers fit int64)."""
    if dtype in LIST_ITEM:
        return isinstance(value, list) and all(value_ok(LIST_ITEM[dtype], item) for item in value)
    if dtype == "int32":
        return isinstance(value, int) and not isinstance(value, bool) and -(2**63) <= value < 2**63
    return isinstance(value, TYPES[dtype].python) and (dtype == "bool" or not isinstance(value, bool))
