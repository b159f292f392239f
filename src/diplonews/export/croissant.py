"""MLCommons Croissant 1.0 metadata (`dataset/croissant.json`) from the contract.

Unlike the Hub's automatic export, label columns keep their names: each label set is an
enumeration record set with inline data, and the label field `references` it.
"""

from __future__ import annotations

import json
from typing import Any

from diplonews import paths
from diplonews.contract import schema, types
from diplonews.export import metadata
from diplonews.io.files import sha256_bytes
from diplonews.version import __version__

_DATA_TYPES = {"string": "sc:Text", "class_label": "sc:Text", "int32": "sc:Integer", "bool": "sc:Boolean"}

CONTEXT: dict[str, Any] = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileProperty": "cr:fileProperty",
    "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "parentField": "cr:parentField",
    "path": "cr:path",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
}


def _enumerations() -> dict[tuple[str, ...], str]:
    """One enumeration record set per distinct label set, named after its first use."""
    sets: dict[tuple[str, ...], str] = {}
    for table in schema.DATASET_TABLES.values():
        for column in table.columns:
            if column.dtype in ("class_label", "class_label_list") and column.labels not in sets:
                sets[column.labels] = f"{table.name}_{column.name}_names"  # type: ignore[index]
    return sets


def _field(
    table: schema.Table, column: schema.Column, file_id: str, enumerations: dict[tuple[str, ...], str]
) -> dict[str, Any]:
    field_id = f"{table.name}/{column.name}"
    source = {"fileObject": {"@id": file_id}, "extract": {"column": column.name}}
    if column.dtype == "span_list":
        return {
            "@type": "cr:Field",
            "@id": field_id,
            "name": column.name,
            "description": column.description,
            "repeated": True,
            "subField": [
                {
                    "@type": "cr:Field",
                    "@id": f"{field_id}/{name}",
                    "name": name,
                    "dataType": _DATA_TYPES[kind],
                    "source": {
                        "fileObject": {"@id": file_id},
                        "extract": {"column": column.name},
                        "transform": {"jsonPath": name},
                    },
                }
                for name, kind in schema.SPAN_FIELDS
            ],
        }
    item = types.LIST_ITEM.get(column.dtype, column.dtype)
    result: dict[str, Any] = {
        "@type": "cr:Field",
        "@id": field_id,
        "name": column.name,
        "description": column.description + ("" if not column.nullable else " (nullable)"),
        "dataType": _DATA_TYPES[item],
        "source": source,
        **({"repeated": True} if column.dtype in types.LIST_ITEM else {}),
    }
    if column.dtype == "class_label" and column.labels is not None:
        result["references"] = {"field": {"@id": f"{enumerations[column.labels]}/name"}}
    return result


def croissant(data_files: dict[str, bytes]) -> dict[str, Any]:
    enumerations = _enumerations()
    distribution = []
    record_sets = []
    for labels_, set_id in enumerations.items():
        record_sets.append(
            {
                "@type": "cr:RecordSet",
                "@id": set_id,
                "name": set_id,
                "description": "Label names, in ClassLabel order (the integer id is the position).",
                "dataType": "sc:Enumeration",
                "key": {"@id": f"{set_id}/name"},
                "field": [{"@type": "cr:Field", "@id": f"{set_id}/name", "name": "name", "dataType": "sc:Text"}],
                "data": [{f"{set_id}/name": label} for label in labels_],
            }
        )
    for name, table in schema.DATASET_TABLES.items():
        relative = paths.DATA_FILE_TEMPLATE.format(config=name)
        file_id = f"{name}-parquet"
        distribution.append(
            {
                "@type": "cr:FileObject",
                "@id": file_id,
                "name": file_id,
                "description": f"The `{name}` config, split `{schema.SPLIT}`.",
                "contentUrl": relative,
                "encodingFormat": "application/x-parquet",
                "sha256": sha256_bytes(data_files[relative]),
            }
        )
        record_sets.append(
            {
                "@type": "cr:RecordSet",
                "@id": name,
                "name": name,
                "description": table.description,
                **({"key": {"@id": f"{name}/{table.key}"}} if table.key else {}),
                "field": [_field(table, column, file_id, enumerations) for column in table.columns],
            }
        )
    return {
        "@context": CONTEXT,
        "@type": "sc:Dataset",
        "name": "diplonews",
        "conformsTo": "http://mlcommons.org/croissant/1.0",
        "description": metadata.DESCRIPTION,
        "license": metadata.LICENSE_URL,
        "url": metadata.HOMEPAGE,
        "version": __version__,
        "citeAs": metadata.citation(),
        "creator": {"@type": "sc:Organization", "name": metadata.CURATORS},
        "distribution": distribution,
        "recordSet": record_sets,
    }


def croissant_bytes(data_files: dict[str, bytes]) -> bytes:
    return (json.dumps(croissant(data_files), indent=2, ensure_ascii=False) + "\n").encode("utf-8")
