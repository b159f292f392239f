"""The Great Expectations runtime: one ephemeral context that runs the generated suites.

GX is imported only when an `Engine` is created (the import takes seconds): generating
suites, building and verifying never pay for it.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from diplonews.contract.errors import shorten
from diplonews.engines.optional import without_pyspark
from diplonews.engines.outcome import Outcome

if TYPE_CHECKING:
    from great_expectations.core import ExpectationSuite, ExpectationSuiteValidationResult


# ---- the engine -----------------------------------------------------------------------


class Engine:
    """One ephemeral GX context per process: no `gx/` folder, no usage statistics, no progress bars."""

    def __init__(self) -> None:
        os.environ["GX_ANALYTICS_ENABLED"] = "false"
        with without_pyspark():  # GX imports it when installed, for data sources this engine never uses
            import great_expectations as gx
            from great_expectations.data_context.types.base import ProgressBarsConfig

        self._gx = gx
        self.context = gx.get_context(mode="ephemeral")
        self.context.enable_analytics(False)
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        for site in list(self.context.get_site_names()):
            self.context.delete_data_docs_site(site)  # the default site would write to a temp dir
        self._source = self.context.data_sources.add_pandas("diplonews")
        self._suites: dict[str, tuple[str, ExpectationSuite]] = {}  # name -> (content key, suite)
        self._definitions: dict[str, Any] = {}  # suite name -> validation definition of the registered suite

    def load_suite(self, document: Mapping[str, Any]) -> ExpectationSuite:
        """Register a suite from its JSON; refuse one GX would silently shorten.

        Registering is slow in GX (it compares every expectation), so a suite already
        registered with the same content is reused: a test session loads each once.
        """
        from great_expectations.core import ExpectationSuite

        body = json.loads(
            json.dumps(
                {key: value for key, value in document.items() if key in {"name", "expectations", "meta", "notes"}}
            )
        )
        key = hashlib.sha256(json.dumps(body, sort_keys=True).encode("utf-8")).hexdigest()
        cached = self._suites.get(body.get("name", ""))
        if cached is not None and cached[0] == key:
            return cached[1]
        suite = ExpectationSuite(**body)
        if len(suite.expectations) != len(document["expectations"]):
            known = {e.expectation_type for e in suite.expectations}
            dropped = sorted({e.get("type", "?") for e in document["expectations"]} - known)
            raise ValueError(f"suite {document.get('name')!r}: GX dropped expectation(s) of unknown type {dropped}")
        if cached is not None:  # same name, other content (a user's copy of a gate suite): replace it
            if self._definitions.pop(suite.name, None) is not None:
                self.context.validation_definitions.delete(suite.name)
            self.context.suites.delete(suite.name)
        suite = self.context.suites.add(suite)
        self._suites[suite.name] = (key, suite)
        return suite

    def run(
        self, suite: ExpectationSuite, frame: pd.DataFrame, parameters: Mapping[str, Any], run_id: Any
    ) -> ExpectationSuiteValidationResult:
        definition = self._definitions.get(suite.name)
        if definition is None:
            if suite.name not in {asset.name for asset in self._source.assets}:
                self._source.add_dataframe_asset(suite.name).add_batch_definition_whole_dataframe("whole")
            batch = self._source.get_asset(suite.name).get_batch_definition("whole")
            definition = self.context.validation_definitions.add(
                self._gx.ValidationDefinition(name=suite.name, data=batch, suite=suite)
            )
            self._definitions[suite.name] = definition
        result_format = {"result_format": "SUMMARY", "partial_unexpected_count": 10}
        return definition.run(
            batch_parameters={"dataframe": frame},
            expectation_parameters=dict(parameters),
            result_format=result_format,
            run_id=run_id,
        )

    def new_run_id(self, name: str) -> Any:
        import datetime

        from great_expectations.core.run_identifier import RunIdentifier

        return RunIdentifier(run_name=name, run_time=datetime.datetime.now(datetime.timezone.utc))

    def build_docs(self, directory: Path, run_id: Any, suite_names: Iterable[str]) -> Path:
        """Data Docs of this run only (its validations and suites) into `directory`."""
        from great_expectations.data_context.types.resource_identifiers import ExpectationSuiteIdentifier
        from great_expectations.render.renderer.site_builder import SiteBuilder

        names = set(suite_names)
        keys: list[Any] = [ExpectationSuiteIdentifier(name=name) for name in sorted(names)]
        store = self.context.validation_results_store
        runs = [key for key in store.list_keys() if getattr(key, "run_id", None) == run_id]
        for key in runs:  # GX writes result values into its pages unescaped: hand it escaped copies
            store.set(key, _escaped_result(store.get(key)))
        keys += runs
        builder = SiteBuilder(
            data_context=self.context,
            store_backend={"class_name": "TupleFilesystemStoreBackend", "base_directory": str(directory.resolve())},
            site_name="diplonews",
            show_how_to_buttons=False,
            site_index_builder={"class_name": "DefaultSiteIndexBuilder"},
        )
        builder.build(resource_identifiers=keys)
        return _offline_index(directory)


def _escape_strings(value: Any) -> Any:
    if isinstance(value, str):
        return html.escape(value, quote=True)
    if isinstance(value, list):
        return [_escape_strings(item) for item in value]
    if isinstance(value, tuple):
        return tuple(_escape_strings(item) for item in value)
    if isinstance(value, dict):
        return {key: _escape_strings(item) for key, item in value.items()}
    return value


def _escaped_result(result: Any) -> Any:
    """A validation result whose observed and unexpected values (which come from the input) are HTML-escaped."""
    for item in result.results:
        if item.result:
            item.result = _escape_strings(dict(item.result))
    return result


def _offline_index(directory: Path) -> Path:
    """A plain page linking every result and suite page of the site.

    GX's own index.html fills its tables with JavaScript loaded from public CDNs, so on a
    machine without internet it lists nothing; the result pages themselves render fine.
    """
    sections = []
    for title, folder in (("Validation results", "validations"), ("Expectation suites", "expectations")):
        pages = sorted((directory / folder).rglob("*.html")) if (directory / folder).is_dir() else []
        items = "".join(
            f'<li><a href="{html.escape(page.relative_to(directory).as_posix())}">{html.escape(page.stem)}</a>'
            f" <small>{html.escape(page.parent.relative_to(directory / folder).as_posix())}</small></li>"
            for page in pages
        )
        sections.append(f"<h2>{title}</h2><ul>{items}</ul>")
    page = directory / "results.html"
    page.write_text(
        "<!doctype html><meta charset='utf-8'><title>diplonews validation</title>"
        "<h1>diplonews validation</h1><p>Works offline; <a href='index.html'>the GX index</a> needs internet for its styles.</p>"
        + "".join(sections),
        "utf-8",
    )
    return page


def outcomes(result: ExpectationSuiteValidationResult, suite: ExpectationSuite) -> list[Outcome]:
    """The verdicts of one suite run, in the suite's order (GX returns them regrouped)."""
    suite_name = result.suite_name
    order = {(e.meta or {}).get("check", e.expectation_type): index for index, e in enumerate(suite.expectations)}
    out = []
    for item in result.results:
        config = item.expectation_config
        if config is None:  # pragma: no cover - GX sets it on every result of a suite run
            continue
        meta = config.meta or {}
        details = item.result or {}
        error = (
            item.exception_info.get("exception_message")
            if item.exception_info and item.exception_info.get("raised_exception")
            else None
        )
        if error is None and isinstance(item.exception_info, dict):
            for info in item.exception_info.values():
                if isinstance(info, dict) and info.get("raised_exception"):
                    error = info.get("exception_message")
        kwargs = {key: value for key, value in config.kwargs.items() if key != "batch_id"}
        out.append(
            Outcome(
                suite=suite_name,
                check=meta.get("check", config.type),
                code=meta.get("code", "expectation-failed"),
                type=config.type,
                why=meta.get("why", ""),
                kwargs=jsonable(kwargs),
                success=bool(item.success),
                observed=jsonable(details.get("observed_value")),
                unexpected_count=details.get("unexpected_count"),
                element_count=details.get("element_count"),
                unexpected_rows=[
                    int(row)
                    for row in details.get("partial_unexpected_index_list") or []
                    if isinstance(row, int | float)
                ],
                unexpected_values=[shorten(v) for v in jsonable(list(details.get("partial_unexpected_list") or []))],
                error=error,
            )
        )
    out.sort(key=lambda outcome: order.get(outcome.check, len(order)))
    return out


def jsonable(value: Any) -> Any:
    """JSON-safe copies of GX result values (numpy scalars, tuples, sets; NaN becomes null)."""
    text = json.dumps(
        value,
        default=lambda v: v.item() if hasattr(v, "item") else sorted(v, key=str) if isinstance(v, set) else str(v),
    )
    return json.loads(text, parse_constant=lambda constant: None)
