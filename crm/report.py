"""The KPI report people look at: one static HTML page with charts, written beside the warehouse after
each build (`<warehouse folder>/reports/kpi_report.html`) and linked from the Prefect run.

Charts are drawn by matplotlib as inline SVG, so the page needs no script, no network and no server: open
the file in any browser. Only counts, rates and ids appear; no names, emails or phone numbers.
"""

from __future__ import annotations

import html
import io
import os
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from matplotlib import rc_context
from matplotlib.figure import Figure

from crm.warehouse import connect, resolve

COLORS = ["#2563eb", "#16a34a", "#f59e0b", "#dc2626", "#7c3aed", "#0891b2", "#db2777", "#65a30d"]
TOP = 12  # rows of the long tables; the caption says "top 12 of N" when there are more

KIND_LABELS = {
    "nurture": "Nurture",
    "new_position": "New-position alert",
    "reapply_notice": "Re-application notice",
    "rejection": "Rejection mail",
    "consent_renewal": "Consent renewal",
    "unknown": "Mail sent before kinds were recorded",
}
HISTORY_LABELS = {
    "rejected_before": "rejected before",
    "never_applied": "never applied",
    "applied_before": "applied before",
    "declined": "declined an offer",
    "in_process": "in a process",
}
POOL_LABELS = {
    "rejected": "rejected before",
    "declined": "declined an offer",
    "prospect": "sourced, never applied",
    "past_applicant": "applied before",
    "in_process": "in a process",
}
STATUS_LABELS = {"active": "in process"}


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
    as_of: date | None = None
    campaigns_total: int = 0
    segments_total: int = 0
    targets: list[tuple[str, float, str, date | None, float | None, bool | None]] = field(default_factory=list)
    campaign_results: list[tuple] = field(default_factory=list)
    call_list: list[tuple] = field(default_factory=list)

    @property
    def partial_month(self) -> date | None:
        """The run date's month when the run date is not its last day: its numbers are not final."""
        if self.as_of is None or (self.as_of + timedelta(days=1)).month != self.as_of.month:
            return None
        return self.as_of.replace(day=1)

    def month_label(self, month: date) -> str:
        return month.strftime("%Y-%m") + (" (partial)" if month == self.partial_month else "")


def report_path(warehouse: str | Path) -> Path:
    return resolve(warehouse).parent / "reports" / "kpi_report.html"


def _series(con, kpi: str, months: list[date], channel: str = "all") -> list[float]:
    values = dict(
        con.execute(
            "select month, value from marts.kpi_monthly where kpi = ? and channel = ?", [kpi, channel]
        ).fetchall()
    )
    return [float(values.get(month) or 0) for month in months]


def month_axis(months: list[date], as_of: date) -> list[date]:
    """Every month from the first with data to the run date's, none left out (a month without applications is a
    zero on the axis, not a gap that joins its neighbours)."""
    last = as_of.replace(day=1)
    month = min(months, default=last)
    axis = []
    while month <= last:
        axis.append(month)
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return axis


def segment_label(key: str | None) -> str:
    """A segment key (job family × region × experience band × history) in words."""
    if not key or key == "unknown":
        return "left the pool since, or not one of our addresses"
    parts = key.split(" × ")
    if len(parts) != 4:
        return ", ".join(parts)
    named = [
        part if part != "unknown" else f"{name} not given"
        for part, name in zip(parts[:3], ("job family", "region", "experience"))
    ]
    return ", ".join([*named, HISTORY_LABELS.get(parts[3], parts[3].replace("_", " "))])


def _targets(con, as_of: date) -> list[tuple]:
    """Each KPI with a target: its latest month's value (all channels) beside the target."""
    rows = con.execute(
        """
        with totals as (
            select kpi, month,
                   case when bool_or(channel = 'all') then sum(numerator) filter (where channel = 'all')
                        else sum(numerator) end as numerator,
                   case when bool_or(channel = 'all') then sum(denominator) filter (where channel = 'all')
                        else sum(denominator) end as denominator,
                   max(target) as target, max(target_direction) as direction
            from marts.kpi_monthly
            where target is not null and month <= ?
            group by kpi, month
        ),
        latest as (
            select *, row_number() over (partition by kpi order by month desc) as recency
            from totals where denominator > 0
        )
        select kpi, target, direction, month, numerator / denominator from latest where recency = 1
        """,
        [as_of],
    ).fetchall()
    labels = dict(con.execute("select kpi, label from seeds.kpi_targets").fetchall())
    result = []
    for kpi, target, direction, month, value in sorted(rows):
        on_target = None if value is None else (value <= target if direction == "at_most" else value >= target)
        result.append((labels.get(kpi, kpi.replace("_", " ")), target, direction, month, value, on_target))
    return result


def read_report_data(warehouse: str | Path, as_of: date) -> ReportData:
    with connect(warehouse, read_only=True) as con:
        months = month_axis(
            [
                m
                for (m,) in con.execute(
                    "select distinct month from marts.kpi_monthly where kpi = 'applications' and month <= ?", [as_of]
                ).fetchall()
            ],
            as_of,
        )
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
            funnel=[
                (STATUS_LABELS.get(status, status or "status not recorded"), n)
                for status, n in con.execute("""
                select status, count(*) from marts.applications group by status
                order by case status when 'applied' then 1 when 'referred' then 2 when 'active' then 3
                         when 'rejected' then 4 when 'declined' then 5 when 'hired' then 6 else 7 end""").fetchall()
            ],
            pool=[
                (POOL_LABELS.get(status, status), n)
                for status, n in con.execute(
                    "select pool_status, count(*) from marts.talent_pool group by 1 order by 2 desc"
                ).fetchall()
            ],
            campaigns=con.execute(f"""
                select channel, max(case when kpi = 'open_rate' then value end), max(case when kpi = 'click_rate' then value end)
                from marts.kpi_monthly where kpi in ('open_rate', 'click_rate')
                group by channel order by channel desc limit {TOP}""").fetchall(),
            campaigns_total=con.execute(
                "select count(distinct channel) from marts.kpi_monthly where kpi in ('open_rate', 'click_rate')"
            ).fetchone()[0],
            segments=[
                (segment_label(key), *rest)
                for key, *rest in con.execute(f"""
                select channel, cast(sum(denominator) filter (where kpi = 'segment_open_rate') as integer),
                       sum(numerator) filter (where kpi = 'segment_open_rate')
                           / sum(denominator) filter (where kpi = 'segment_open_rate'),
                       sum(numerator) filter (where kpi = 'segment_click_rate')
                           / sum(denominator) filter (where kpi = 'segment_click_rate')
                from marts.kpi_monthly where kpi in ('segment_open_rate', 'segment_click_rate')
                group by channel order by 2 desc, channel limit {TOP}""").fetchall()
            ],
            segments_total=con.execute(
                "select count(distinct channel) from marts.kpi_monthly where kpi = 'segment_open_rate'"
            ).fetchone()[0],
            top_matches=con.execute("""
                select job_id, job_title, count(*), max(fit_score) from marts.job_matches
                group by job_id, job_title order by job_id""").fetchall(),
            relay_slots=float(
                con.execute("""
                select coalesce(max(value), 0) from marts.kpi_monthly where kpi = 'relay_free_slots'""").fetchone()[0]
            ),
            candidates=con.execute("select count(*) from marts.candidates").fetchone()[0],
            as_of=as_of,
            targets=_targets(con, as_of),
            campaign_results=con.execute("""
                select campaign_id, kind, variant, sends, opens, open_rate, open_rate_low, open_rate_high,
                       clicks, click_rate, click_rate_low, click_rate_high,
                       applications, application_rate, application_rate_low, application_rate_high, winner
                from marts.campaign_results where segment = 'all'
                order by last_sent_at desc, campaign_id, variant""").fetchall(),
            call_list=con.execute("""
                select job_id, job_title, call_rank, candidate_id, fit_score, engagement_score, reasons
                from marts.call_list order by job_id, call_rank""").fetchall(),
        )


def _svg(figure: Figure) -> str:
    buffer = io.StringIO()
    # text stays text (not outlines): the page can be searched and read by a screen reader, and tests can
    # read the axis labels without a screenshot
    with rc_context({"svg.fonttype": "none"}):
        figure.savefig(buffer, format="svg", bbox_inches="tight")
    text = buffer.getvalue()
    return text[text.index("<svg") :]  # drop the XML prolog: the SVG is inlined in HTML


def _legend_below(axes, handles, labels, columns: int = 3) -> None:
    """The legend under the plot, never over the data."""
    axes.legend(
        handles, labels, loc="upper center", bbox_to_anchor=(0.5, -0.32), ncol=columns, frameon=False, fontsize="small"
    )


def _trend_chart(data: ReportData) -> str:
    figure = Figure(figsize=(8, 3.6))
    axes = figure.subplots()
    labels = [data.month_label(m) for m in data.months]
    axes.plot(labels, data.applications, marker="o", color=COLORS[0], label="applications")
    axes.plot(labels, data.hires, marker="o", color=COLORS[1], label="hires")
    axes.set_ylabel("per month")
    axes.tick_params(axis="x", labelrotation=45)
    for tick in axes.get_xticklabels():
        tick.set_horizontalalignment("right")
    rate_axes = axes.twinx()
    rate_axes.plot(
        labels,
        [r * 100 for r in data.reapplication_rate],
        linestyle="--",
        color=COLORS[2],
        label="re-application rate (%)",
    )
    rate_axes.set_ylabel("re-application rate (%)")
    handles, names = axes.get_legend_handles_labels()
    rate_handles, rate_names = rate_axes.get_legend_handles_labels()
    _legend_below(axes, handles + rate_handles, names + rate_names)
    return _svg(figure)


def _funnel_chart(data: ReportData) -> str:
    figure = Figure(figsize=(8, 2.8))
    axes = figure.subplots()
    labels = [status for status, _ in data.funnel]
    axes.barh(labels[::-1], [n for _, n in data.funnel][::-1], color=COLORS[0])
    axes.set_xlabel("applications")
    return _svg(figure)


def _channel_chart(data: ReportData) -> str:
    figure = Figure(figsize=(8, 3.6))
    axes = figure.subplots()
    labels = [data.month_label(m) for m in data.months]
    bottom = [0.0] * len(labels)
    for index, (channel, values) in enumerate(data.channel_mix.items()):
        axes.bar(labels, values, bottom=bottom, label=channel, color=COLORS[index % len(COLORS)])
        bottom = [b + v for b, v in zip(bottom, values)]
    axes.tick_params(axis="x", labelrotation=45)
    for tick in axes.get_xticklabels():
        tick.set_horizontalalignment("right")
    axes.set_ylabel("applications")
    # beside the plot, never over the bars
    axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small", frameon=False)
    return _svg(figure)


def _caption(shown: int, total: int, what: str, order: str = "") -> str:
    if total > shown:
        return f"top {shown:,} of {total:,} {what}{order}"
    return f"all {total:,} {what}"


def _table(key: str, headers: list[str], rows: list[tuple], caption: str | None = None) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(_fmt(cell))}</td>" for cell in row) + "</tr>" for row in rows)
    caption_html = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return f'<table data-table="{key}">{caption_html}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _fmt(value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.1%}" if value <= 1 else f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, date):
        return value.strftime("%Y-%m")
    return "" if value is None else str(value)


def _share(successes: int, trials: int, rate: float | None, low: float | None, high: float | None) -> str:
    """Counts beside the rate and its 95% interval: "1 of 3 · 33% (6%–79%)"."""
    if not trials:
        return "no mail"
    return f"{successes:,} of {trials:,} · {_pct(rate)} ({_pct(low)}–{_pct(high)})"


def _pct(value: float) -> str:
    """Whole percents, but a small share keeps a decimal: 0.4%, not 0%."""
    return f"{value:.1%}" if 0 < value < 0.01 else f"{value:.0%}"


def _campaign_rows(data: ReportData) -> list[tuple]:
    rows = []
    for (
        campaign,
        kind,
        variant,
        sends,
        opens,
        open_rate,
        open_low,
        open_high,
        clicks,
        click_rate,
        click_low,
        click_high,
        applications,
        app_rate,
        app_low,
        app_high,
        winner,
    ) in data.campaign_results:
        rows.append(
            (
                campaign,
                KIND_LABELS.get(kind, kind),
                "one version" if variant == "none" else variant,
                sends,
                _share(opens, sends, open_rate, open_low, open_high),
                _share(clicks, sends, click_rate, click_low, click_high),
                _share(applications, sends, app_rate, app_low, app_high),
                f"{winner} wins"
                if winner
                else "one version: nothing to compare"
                if variant == "none"
                else "no winner yet",
            )
        )
    return rows


def _target_rows(data: ReportData) -> list[tuple]:
    return [
        (
            label,
            ("at least " if direction != "at_most" else "at most ") + f"{target:.0%}",
            data.month_label(month) if month else "",
            "" if value is None else f"{value:.1%}",
            "no data"
            if on_target is None
            else ("on target" if on_target else "below target" if direction != "at_most" else "above target"),
        )
        for label, target, direction, month, value, on_target in data.targets
    ]


def render(data: ReportData, as_of: date) -> str:
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    charts = [
        ("applications-trend", "Applications, hires and re-application rate per month", _trend_chart(data)),
        ("funnel", "Where applications end (funnel)", _funnel_chart(data)),
        ("channel-mix", "Applications per channel and month", _channel_chart(data)),
    ]
    partial = (
        f" {data.partial_month:%Y-%m} is marked (partial): it runs to {as_of.isoformat()}, its numbers are not final."
        if data.partial_month
        else ""
    )
    figures = "\n".join(
        f'<figure data-chart="{key}">{svg}<figcaption>{html.escape(caption + "." + (partial if key != "funnel" else ""))}'
        "</figcaption></figure>"
        for key, caption, svg in charts
    )
    jobs = len({row[0] for row in data.call_list})
    call_caption = (
        f"{len(data.call_list):,} people for {jobs:,} open jobs, at most 5 per job, best first; "
        "ids only here: marts.call_list has the names"
        if data.call_list
        else "no open job has a match who may be contacted"
    )
    campaign_rows = _campaign_rows(data)
    call_rows = [
        (job, title, str(rank), person, f"{fit or 0:.0f}", f"{engagement or 0:.0f}", reasons)
        for job, title, rank, person, fit, engagement, reasons in data.call_list
    ]
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Recruiting CRM KPI report {as_of.isoformat()}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 64rem; color: #111827; }}
figure {{ margin: 1.5rem 0; }} figcaption {{ color: #4b5563; font-size: 0.9rem; }}
svg {{ max-width: 100%; height: auto; }}
table {{ border-collapse: collapse; margin: 1rem 0; }} td, th {{ border: 1px solid #d1d5db; padding: 0.25rem 0.6rem; text-align: right; }}
caption {{ caption-side: bottom; text-align: left; color: #4b5563; font-size: 0.85rem; padding-top: 0.3rem; }}
th {{ background: #f3f4f6; }} td:first-child, th:first-child {{ text-align: left; }}
table[data-table="call-list"] td:last-child {{ text-align: left; }}
.headline {{ display: flex; gap: 2rem; }} .headline div {{ font-size: 1.6rem; }} .headline span {{ display: block; font-size: 0.8rem; color: #4b5563; }}
</style></head>
<body>
<h1>Recruiting CRM: KPI report</h1>
<p>As of {as_of.isoformat()}; generated {generated}. Definitions: <code>marts.kpi_monthly</code>,
<code>marts.campaign_results</code> and <code>marts.call_list</code> in the dbt docs.</p>
<section class="headline">
  <div>{data.candidates:,}<span>people in the CRM</span></div>
  <div>{sum(n for _, n in data.pool):,}<span>in the talent pool</span></div>
  <div>{int(data.relay_slots):,}<span>Career Relay free slots earned</span></div>
</section>
{figures}
<section data-section="targets">
<h2>Targets (latest month with data; seeds/kpi_targets.csv)</h2>
{_table("targets", ["KPI", "target", "month", "actual", ""], _target_rows(data), _caption(len(data.targets), len(data.targets), "KPIs with a target"))}
</section>
<h2>Talent pool</h2>
{_table("talent-pool", ["status", "people"], data.pool)}
<section data-section="campaign-results">
<h2>Which mail works: results per campaign and variant</h2>
<p>Counts beside rates, with the 95% interval the true rate lies in: a few mails say little. A variant wins
only when its click-rate interval lies wholly above the others'.</p>
{_table("campaign-results", ["campaign", "kind", "variant", "mails sent", "opened", "clicked", "applied within 30 days", "result"], campaign_rows, _caption(len(campaign_rows), len(campaign_rows), "campaign variants") if campaign_rows else "no mail recorded in the send ledger yet")}
</section>
<h2>Mail campaigns (human opens and clicks per delivered mail)</h2>
{_table("campaigns", ["campaign", "open rate", "click rate"], data.campaigns, _caption(len(data.campaigns), data.campaigns_total, "campaigns", ", newest first"))}
<h2>Mail by segment (the recipient's segment today; all months)</h2>
{_table("segments", ["segment", "mails delivered", "open rate", "click rate"], data.segments, _caption(len(data.segments), data.segments_total, "segments", ", most mail first"))}
<section data-section="call-list">
<h2>Call list: whom to call about each open job</h2>
{_table("call-list", ["job", "title", "call", "person", "fit", "engagement", "why"], call_rows, call_caption)}
</section>
<h2>Open jobs and their best matches</h2>
{_table("open-jobs", ["job", "title", "matched people", "best fit score"], data.top_matches, _caption(len(data.top_matches), len(data.top_matches), "open jobs"))}
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
