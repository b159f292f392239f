"""Hugging Face `datasets` features from the contract (the card's `dataset_info`)."""

from __future__ import annotations

from datasets import ClassLabel, Features, List, Value

from diplonews.contract import schema, types

_VALUE_TYPES = {"string": "string", "int32": "int32", "bool": "bool"}


def _feature(column: schema.Column) -> Value | ClassLabel | List:
    if column.dtype == "class_label":
        assert column.labels is not None, column.name
        return ClassLabel(names=list(column.labels))
    if column.dtype in types.LIST_ITEM:
        if types.LIST_ITEM[column.dtype] == "class_label":
            assert column.labels is not None, column.name
            return List(ClassLabel(names=list(column.labels)))
        return List(Value(_VALUE_TYPES[types.LIST_ITEM[column.dtype]]))
    if column.dtype == "span_list":
        return List({name: Value(_VALUE_TYPES[kind]) for name, kind in schema.SPAN_FIELDS})
    return Value(_VALUE_TYPES[column.dtype])


def features(table: schema.Table) -> Features:
    return Features({column.name: _feature(column) for column in table.columns})
