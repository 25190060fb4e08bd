"""The KPI report, opened in a real headless browser (Debian's Chromium, driven by Playwright): the page
loads without errors and shows its charts with their data, every month on the axis, the campaign results
with counts beside rates and intervals, and the call list."""

from __future__ import annotations

import re
import shutil
from datetime import date

import pytest

from crm.report import month_axis, segment_label, write_kpi_report
from crm.warehouse import connect

AS_OF = date(2026, 11, 25)
TABLES = ["targets", "talent-pool", "campaign-results", "campaigns", "segments", "call-list", "open-jobs"]


@pytest.fixture(scope="module")
def report_page(built_warehouse, tmp_path_factory, browser):
    """The demo warehouse's report with campaign results added (the build alone sends no mail), opened once."""
    warehouse, _ = built_warehouse
    copy = tmp_path_factory.mktemp("report") / "warehouse.duckdb"
    shutil.copyfile(warehouse, copy)
    with connect(copy) as con:
        con.execute("delete from marts.campaign_results")
        rows = [
            # campaign, kind, segment, variant, sends, opens, clicks, applications, rates..., winner, is_winner
            ("nurture-engineering", "nurture", "all", "a", 3, 1, 1, 0, 0.0615, 0.7923, None, False),
            ("nurture-engineering", "nurture", "all", "b", 3, 0, 0, 0, 0.0, 0.5615, None, False),
            ("alert-data", "new_position", "all", "a", 10, 9, 9, 2, 0.5958, 0.9821, "a", True),
            ("alert-data", "new_position", "all", "b", 10, 2, 1, 0, 0.0179, 0.4042, "a", False),
            (
                "alert-data",
                "new_position",
                "data × 東京都 × 3-5 years × rejected_before",
                "a",
                4,
                4,
                4,
                1,
                0.5,
                1.0,
                None,
                False,
            ),
        ]
        for campaign, kind, segment, variant, sends, opens, clicks, apps, low, high, winner, is_winner in rows:
            con.execute(
                """insert into marts.campaign_results (campaign_id, kind, segment, variant, sends, opens, clicks,
                   applications, open_rate, open_rate_low, open_rate_high, click_rate, click_rate_low, click_rate_high,
                   application_rate, application_rate_low, application_rate_high, winner, is_winner)
                   values (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 1, ?, ?, ?, ?, 0, 1, ?, ?)""",
                [campaign, kind, segment, variant, sends, opens, clicks, apps, opens / sends, clicks / sends, low, high]
                + [apps / sends, winner, is_winner],
            )
        names = [n for (n,) in con.execute("select distinct display_name from marts.call_list").fetchall() if n]
        months = [
            m
            for (m,) in con.execute(
                "select distinct month from marts.kpi_monthly where kpi = 'applications' and month <= ?", [AS_OF]
            ).fetchall()
        ]
        call_rows, call_jobs = con.execute("select count(*), count(distinct job_id) from marts.call_list").fetchone()
    path = write_kpi_report(copy, AS_OF)
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(path.as_uri())
    yield {
        "page": page,
        "path": path,
        "errors": errors,
        "names": names,
        "months": months,
        "call_rows": call_rows,
        "call_jobs": call_jobs,
    }
    page.close()


def test_the_report_opens_in_a_browser_with_its_charts(report_page):
    page, path = report_page["page"], report_page["path"]
    assert path.name == "kpi_report.html" and path.parent.name == "reports"
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
    # the four tables of before (talent pool, campaigns, segments, open jobs) and the new ones
    assert page.locator("table[data-table]").evaluate_all("nodes => nodes.map(n => n.dataset.table)") == TABLES
    segment_rows = page.locator("table[data-table='segments'] tr")
    assert segment_rows.count() > 2  # a header and segments with delivered mail
    assert report_page["errors"] == []


def test_every_month_is_on_the_axis_and_the_current_month_is_marked_partial(report_page):
    """Screenshot-free: the month labels are text in the inline SVG (not paths), so the page says which months
    the axis shows. Every month from the first application to the run date's, none left out."""
    page = report_page["page"]
    first = min(report_page["months"])
    expected = []
    month = first
    while month <= AS_OF:
        expected.append(month.strftime("%Y-%m"))
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    assert len(expected) > len(report_page["months"]) - 1  # the demo has at least as many months as it has data for
    for key in ("applications-trend", "channel-mix"):
        labels = page.locator(f'figure[data-chart="{key}"] svg text').all_text_contents()
        ticks = [label.strip() for label in labels if re.match(r"\d{4}-\d{2}", label.strip())]
        assert [t.split(" ")[0] for t in ticks] == expected, key
        assert ticks[-1] == "2026-11 (partial)", key
        assert all("partial" not in t for t in ticks[:-1]), key


def test_legends_do_not_cover_the_data(report_page):
    page = report_page["page"]
    for key in ("applications-trend", "channel-mix"):
        figure = page.locator(f'figure[data-chart="{key}"]')
        plot = figure.locator("g[id^='axes_'] > g[id^='patch_']").first.bounding_box()
        for legend in figure.locator("g[id^='legend_']").all():
            box = legend.bounding_box()
            overlaps = not (
                box["x"] >= plot["x"] + plot["width"]
                or box["x"] + box["width"] <= plot["x"]
                or box["y"] >= plot["y"] + plot["height"]
                or box["y"] + box["height"] <= plot["y"]
            )
            assert not overlaps, key


def test_campaign_results_show_counts_beside_rates_intervals_and_the_winner(report_page):
    page = report_page["page"]
    table = page.locator("table[data-table='campaign-results']")
    rows = [[cell.strip() for cell in row.locator("td").all_text_contents()] for row in table.locator("tbody tr").all()]
    by_key = {(row[0], row[2]): row for row in rows}
    # one row per campaign and variant (segment 'all'), not per segment
    assert sorted(by_key) == [
        ("alert-data", "a"),
        ("alert-data", "b"),
        ("nurture-engineering", "a"),
        ("nurture-engineering", "b"),
    ]
    text = " | ".join(by_key[("nurture-engineering", "a")])
    assert "1 of 3" in text and "33%" in text and "6%–79%" in text
    assert by_key[("nurture-engineering", "a")][-1] == "no winner yet"
    assert by_key[("alert-data", "a")][-1] == "a wins"
    assert by_key[("alert-data", "b")][-1] == "a wins"
    assert "New-position alert" in by_key[("alert-data", "a")][1]


def test_the_call_list_names_jobs_reasons_and_ids_never_names(report_page):
    page = report_page["page"]
    section = page.locator("section[data-section='call-list']")
    rows = section.locator("table[data-table='call-list'] tbody tr")
    assert rows.count() == report_page["call_rows"] > 0
    first = [cell.strip() for cell in rows.first.locator("td").all_text_contents()]
    assert first[2] == "1" and first[3].startswith("C")  # call first: the person's id
    assert any(" / " in cell for cell in first)  # the reasons in words
    html = page.content()
    assert not [name for name in report_page["names"] if name in html]


def test_tables_say_when_they_show_only_the_top_rows(report_page):
    page = report_page["page"]
    with connect(report_page["path"].parent.parent / "warehouse.duckdb", read_only=True) as con:
        segments = con.execute(
            "select count(distinct channel) from marts.kpi_monthly where kpi = 'segment_open_rate'"
        ).fetchone()[0]
    caption = page.locator("table[data-table='segments'] caption").text_content()
    if segments > 12:
        assert f"top 12 of {segments}" in caption
    else:
        assert f"all {segments}" in caption


def test_human_labels_instead_of_codes(report_page):
    text = report_page["page"].locator("body").inner_text()
    assert " × " not in text and "unknown" not in text.lower()
    assert "rejected_before" not in text and "past_applicant" not in text


def test_month_axis_fills_gaps_and_ends_with_the_run_month(browser):  # browser: the module holds one (conftest)
    axis = month_axis([date(2026, 1, 1), date(2026, 3, 1)], date(2026, 5, 10))
    assert axis == [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1), date(2026, 4, 1), date(2026, 5, 1)]
    assert month_axis([], date(2026, 5, 10)) == [date(2026, 5, 1)]


def test_segment_labels_are_words(browser):
    assert segment_label("unknown × unknown × unknown × applied_before") == (
        "job family not given, region not given, experience not given, applied before"
    )
    assert segment_label("data × 東京都 × 3-5 years × rejected_before") == "data, 東京都, 3-5 years, rejected before"
