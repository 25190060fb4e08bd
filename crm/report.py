"""The KPI report people look at: one static HTML page with charts, written beside the warehouse after
each build (`<warehouse folder>/reports/kpi_report.html`) and linked from the Prefect run.

Charts are drawn by matplotlib as inline SVG, so the page needs no script, no network and no server: open
the file in any browser. Only counts, rates and ids appear; no names, emails or phone numbers.
"""

from __future__ import annotations

import html
import io
import os
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from matplotlib.figure import Figure

from crm.warehouse import connect, resolve

COLORS = ["#2563eb", "#16a34a", "#f59e0b", "#dc2626", "#7c3aed", "#0891b2", "#db2777", "#65a30d"]


@dataclass
class ReportData:
    months: list[date]
    applications: list[float]
    hires: list[float]
    reapplication_rate: list[float]
    channel_mix: dict[str, list[float]]
    funnel: list[tuple[str, int]]
    pool: list[tuple[str, int]]
    campaigns: list[tuple[str, float, float]]
    segments: list[tuple[str, int, float, float]]
    top_matches: list[tuple[str, str, int, float]]
    relay_slots: float
    candidates: int


def report_path(warehouse: str | Path) -> Path:
    return resolve(warehouse).parent / "reports" / "kpi_report.html"


def _series(con, kpi: str, months: list[date], channel: str = "all") -> list[float]:
    values = dict(
        con.execute(
            "select month, value from marts.kpi_monthly where kpi = ? and channel = ?", [kpi, channel]
        ).fetchall()
    )
    return [float(values.get(month) or 0) for month in months]


def read_report_data(warehouse: str | Path, as_of: date) -> ReportData:
    with connect(warehouse, read_only=True) as con:
        months = [
            m
            for (m,) in con.execute(
                "select distinct month from marts.kpi_monthly where kpi = 'applications' and month <= ? order by month",
                [as_of],
            ).fetchall()
        ]
        channels = [
            c
            for (c,) in con.execute("""
            select channel from marts.kpi_monthly where kpi = 'applications' and channel <> 'all'
            group by channel order by sum(numerator) desc""").fetchall()
        ]
        return ReportData(
            months=months,
            applications=_series(con, "applications", months),
            hires=_series(con, "hires", months),
            reapplication_rate=_series(con, "reapplication_rate", months),
            channel_mix={channel: _series(con, "applications", months, channel) for channel in channels},
            funnel=con.execute("""
                select status, count(*) from marts.applications group by status
                order by case status when 'applied' then 1 when 'referred' then 2 when 'active' then 3
                         when 'rejected' then 4 when 'declined' then 5 when 'hired' then 6 else 7 end""").fetchall(),
            pool=con.execute(
                "select pool_status, count(*) from marts.talent_pool group by 1 order by 2 desc"
            ).fetchall(),
            campaigns=con.execute("""
                select channel, max(case when kpi = 'open_rate' then value end), max(case when kpi = 'click_rate' then value end)
                from marts.kpi_monthly where kpi in ('open_rate', 'click_rate')
                group by channel order by channel desc limit 12""").fetchall(),
            segments=con.execute("""
                select channel, cast(sum(denominator) filter (where kpi = 'segment_open_rate') as integer),
                       sum(numerator) filter (where kpi = 'segment_open_rate')
                           / sum(denominator) filter (where kpi = 'segment_open_rate'),
                       sum(numerator) filter (where kpi = 'segment_click_rate')
                           / sum(denominator) filter (where kpi = 'segment_click_rate')
                from marts.kpi_monthly where kpi in ('segment_open_rate', 'segment_click_rate')
                group by channel order by 2 desc, channel limit 12""").fetchall(),
            top_matches=con.execute("""
                select job_id, job_title, count(*), max(fit_score) from marts.job_matches
                group by job_id, job_title order by job_id""").fetchall(),
            relay_slots=float(
                con.execute("""
                select coalesce(max(value), 0) from marts.kpi_monthly where kpi = 'relay_free_slots'""").fetchone()[0]
            ),
            candidates=con.execute("select count(*) from marts.candidates").fetchone()[0],
        )


def _svg(figure: Figure) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight")
    text = buffer.getvalue()
    return text[text.index("<svg") :]  # drop the XML prolog: the SVG is inlined in HTML


def _trend_chart(data: ReportData) -> str:
    figure = Figure(figsize=(8, 3.2))
    axes = figure.subplots()
    labels = [m.strftime("%Y-%m") for m in data.months]
    axes.plot(labels, data.applications, marker="o", color=COLORS[0], label="applications")
    axes.plot(labels, data.hires, marker="o", color=COLORS[1], label="hires")
    axes.set_ylabel("per month")
    axes.tick_params(axis="x", labelrotation=45)
    axes.legend(loc="upper left")
    rate_axes = axes.twinx()
    rate_axes.plot(
        labels,
        [r * 100 for r in data.reapplication_rate],
        linestyle="--",
        color=COLORS[2],
        label="re-application rate (%)",
    )
    rate_axes.set_ylabel("re-application rate (%)")
    rate_axes.legend(loc="upper right")
    return _svg(figure)


def _funnel_chart(data: ReportData) -> str:
    figure = Figure(figsize=(8, 2.8))
    axes = figure.subplots()
    labels = [status for status, _ in data.funnel]
    axes.barh(labels[::-1], [n for _, n in data.funnel][::-1], color=COLORS[0])
    axes.set_xlabel("applications")
    return _svg(figure)


def _channel_chart(data: ReportData) -> str:
    figure = Figure(figsize=(8, 3.2))
    axes = figure.subplots()
    labels = [m.strftime("%Y-%m") for m in data.months]
    bottom = [0.0] * len(labels)
    for index, (channel, values) in enumerate(data.channel_mix.items()):
        axes.bar(labels, values, bottom=bottom, label=channel, color=COLORS[index % len(COLORS)])
        bottom = [b + v for b, v in zip(bottom, values)]
    axes.tick_params(axis="x", labelrotation=45)
    axes.set_ylabel("applications")
    axes.legend(loc="upper left", fontsize="small")
    return _svg(figure)


def _table(headers: list[str], rows: list[tuple]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(_fmt(cell))}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:.1%}" if value <= 1 else f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return "" if value is None else str(value)


def render(data: ReportData, as_of: date) -> str:
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    charts = [
        ("applications-trend", "Applications, hires and re-application rate per month", _trend_chart(data)),
        ("funnel", "Where applications end (funnel)", _funnel_chart(data)),
        ("channel-mix", "Applications per channel and month", _channel_chart(data)),
    ]
    figures = "\n".join(
        f'<figure data-chart="{key}">{svg}<figcaption>{html.escape(caption)}</figcaption></figure>'
        for key, caption, svg in charts
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Recruiting CRM KPI report {as_of.isoformat()}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; color: #111827; }}
figure {{ margin: 1.5rem 0; }} figcaption {{ color: #4b5563; font-size: 0.9rem; }}
svg {{ max-width: 100%; height: auto; }}
table {{ border-collapse: collapse; margin: 1rem 0; }} td, th {{ border: 1px solid #d1d5db; padding: 0.25rem 0.6rem; text-align: right; }}
th {{ background: #f3f4f6; }} td:first-child, th:first-child {{ text-align: left; }}
.headline {{ display: flex; gap: 2rem; }} .headline div {{ font-size: 1.6rem; }} .headline span {{ display: block; font-size: 0.8rem; color: #4b5563; }}
</style></head>
<body>
<h1>Recruiting CRM: KPI report</h1>
<p>As of {as_of.isoformat()}; generated {generated}. Definitions: <code>marts.kpi_monthly</code> in the dbt docs.</p>
<section class="headline">
  <div>{data.candidates:,}<span>people in the CRM</span></div>
  <div>{sum(n for _, n in data.pool):,}<span>in the talent pool</span></div>
  <div>{int(data.relay_slots):,}<span>Career Relay free slots earned</span></div>
</section>
{figures}
<h2>Talent pool</h2>
{_table(["status", "people"], data.pool)}
<h2>Mail campaigns (human opens and clicks per delivered mail)</h2>
{_table(["campaign", "open rate", "click rate"], data.campaigns)}
<h2>Mail by segment (the recipient's segment today; all months)</h2>
{_table(["segment", "mails delivered", "open rate", "click rate"], data.segments)}
<h2>Open jobs and their best matches</h2>
{_table(["job", "title", "matched people", "best fit score"], data.top_matches)}
</body></html>
"""


def write_kpi_report(warehouse: str | Path, as_of: date) -> Path:
    path = report_path(warehouse)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".html.partial")
    partial.write_text(render(read_report_data(warehouse, as_of), as_of), encoding="utf-8")
    os.replace(partial, path)
    return path


def kpi_table(warehouse: str | Path, as_of: date, months: int = 6) -> list[dict]:
    """The headline KPIs of the last months as rows, for a table artifact on the build run (the numbers
    themselves in the Prefect UI, not only a link)."""
    data = read_report_data(warehouse, as_of)
    rows = []
    for index in range(max(0, len(data.months) - months), len(data.months)):
        rows.append(
            {
                "month": data.months[index].strftime("%Y-%m"),
                "applications": int(data.applications[index]),
                "hires": int(data.hires[index]),
                "re-application rate": f"{data.reapplication_rate[index]:.1%}",
            }
        )
    return rows
