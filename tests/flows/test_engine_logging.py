"""An expected failure ends the run with its own message, not with Prefect's engine traceback as well."""

from __future__ import annotations

import logging
import sys

import flows  # noqa: F401  (installs the filter)
from crm.gates import GateFailed


def _record(error: BaseException) -> logging.LogRecord:
    try:
        raise error
    except BaseException:
        exc_info = sys.exc_info()
    return logging.LogRecord(
        "prefect.flow_runs",
        logging.ERROR,
        __file__,
        1,
        "Engine execution exited with unexpected exception",
        None,
        exc_info,
    )


def test_expected_failures_do_not_repeat_as_an_engine_traceback():
    logger = logging.getLogger("prefect.flow_runs")
    assert not logger.filter(_record(GateFailed("quality gate failed: suite nurture_batch")))
    assert logger.filter(_record(ZeroDivisionError("a real bug keeps its traceback")))
