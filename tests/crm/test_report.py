"""The KPI report, opened in a real headless browser (Debian's Chromium, driven by Playwright): the page
loads without errors and shows its three charts with their data."""

from __future__ import annotations

import shutil
from datetime import date

from crm.report import write_kpi_report


def test_the_report_opens_in_a_browser_with_its_charts(built_warehouse, tmp_path, browser):
    warehouse, _ = built_warehouse
    copy = tmp_path / "warehouse.duckdb"
    shutil.copyfile(warehouse, copy)
    path = write_kpi_report(copy, date(2026, 11, 25))
    assert path == tmp_path / "reports" / "kpi_report.html"

    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(path.as_uri())

    assert page.title().startswith("Recruiting CRM KPI report")
    charts = page.locator("figure[data-chart]")
    assert sorted(charts.evaluate_all("nodes => nodes.map(n => n.dataset.chart)")) == [
        "applications-trend",
        "channel-mix",
        "funnel",
    ]
    for key in ("applications-trend", "channel-mix", "funnel"):
        figure = page.locator(f'figure[data-chart="{key}"]')
        box = figure.locator("svg").bounding_box()
        assert box and box["width"] > 300 and box["height"] > 100, key
        # drawn data, not an empty frame: lines or bars
        assert figure.locator("svg path").count() > 10, key
    assert page.locator("table").count() == 4  # talent pool, campaigns, segments, open jobs
    segment_rows = page.locator("h2:has-text('Mail by segment') + table tr")
    assert segment_rows.count() > 2  # a header and segments with delivered mail
    assert errors == []
