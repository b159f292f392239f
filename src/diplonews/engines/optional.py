"""Keeping pyspark out of processes that do not run Spark.

pandera (on `import pandera`) and Great Expectations (on import) both import pyspark
whenever it is installed (the `spark` extra), for backends diplonews does not use there:
a few hundred milliseconds to seconds, and pandas-3 warnings on stderr. `without_pyspark`
hides it while they load, unless the Spark engine has already imported it.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def without_pyspark() -> Iterator[None]:
    hidden = "pyspark" not in sys.modules
    if hidden:
        sys.modules["pyspark"] = None  # type: ignore[assignment]  # `import pyspark` raises ImportError
    try:
        yield
    finally:
        if hidden and sys.modules.get("pyspark", 0) is None:
            del sys.modules["pyspark"]
