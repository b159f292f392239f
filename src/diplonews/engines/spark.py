"""A Spark session for `--engine spark`: local by default, a cluster by `--master`, Spark Connect by `SPARK_REMOTE`.

pyspark is an extra (`pip install 'diplonews[spark]'`) and is imported only here, only
when the Spark engine runs. The checks themselves are not written for Spark: Spark
schedules the same batch function the local engine runs (`diplonews.validation.spark`).
"""

from __future__ import annotations

import os
import sys
from typing import Any

from diplonews.contract.errors import DiplonewsError, Problem


def session(master: str | None = None, app_name: str = "diplonews validate") -> Any:
    """The Spark session: `master` (e.g. spark://host:7077, yarn, local[4]); else `SPARK_REMOTE`
    (Spark Connect, e.g. sc://host:15002); else local[*]."""
    import warnings

    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise DiplonewsError(
            Problem(
                "missing-dependency",
                "the Spark engine needs pyspark",
                field="engine",
                hint="pip install 'diplonews[spark]' (and Java 17 or 21 for a local session)",
            )
        ) from None
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # local workers run this interpreter, with diplonews
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    builder = SparkSession.builder.appName(app_name)
    if master is not None:
        builder = builder.remote(master) if master.startswith("sc://") else builder.master(master)
    elif not os.environ.get("SPARK_REMOTE"):
        builder = (
            builder.master("local[*]")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.shuffle.partitions", "8")
            .config("spark.driver.memory", os.environ.get("DIPLONEWS_SPARK_DRIVER_MEMORY", "2g"))
        )
    spark = builder.getOrCreate()
    if hasattr(spark, "sparkContext") and not os.environ.get("SPARK_REMOTE") and master is None:
        spark.sparkContext.setLogLevel("ERROR")
    return spark
