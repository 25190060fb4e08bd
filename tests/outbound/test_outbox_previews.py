"""Outbox mode renders each personalization with the project's templates and writes the HTML a recruiter can
open beside the request body (`<outbox>/<campaign>/<batch>/<candidate>.html`). Every template is rendered with
real data: the request bodies the outbox writes for each kind it writes, and for a kind it does not write
(yet) a body following the contract (the template's test_data.json). The erasure removes a person's files."""

from __future__ import annotations

import json
import re
import shutil
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest

from connectors.sinks.sendgrid.settings import SenderSettings
from crm.erasure import erase_candidate
from crm.warehouse import connect
from outbound import templates
from outbound.campaigns import CAMPAIGNS
from outbound.outbox import write_outbox
from outbound.retention import RetentionSettings, renewal_campaign

try:  # the new kinds (issue 18, part B) join CAMPAIGNS when their module is imported
    import outbound.alerts  # noqa: F401
except ImportError:
    pass

AS_OF = date(2026, 11, 25)


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.hrefs.extend(value for name, value in attrs if name == "href" and value)


def _hrefs(page: str) -> list[str]:
    parser = _Links()
    parser.feed(page)
    return parser.hrefs


def _urls(data) -> list[str]:
    """Every link value in the dynamic data (keys ending in `url`, at any depth)."""
    if isinstance(data, dict):
        return [
            u
            for key, value in data.items()
            for u in ([value] if key.endswith("url") and isinstance(value, str) and value else _urls(value))
        ]
    if isinstance(data, list):
        return [u for item in data for u in _urls(item)]
    return []


def _make_one_person_lapse_soon(warehouse: Path) -> str:
    with connect(warehouse) as con:
        (candidate_id,) = con.execute(
            "select candidate_id from marts.nurture_audience where email is not null order by candidate_id limit 1"
        ).fetchone()
        day = AS_OF.replace(year=AS_OF.year - 3) + timedelta(days=30)
        columns = ("last_seen_date", "last_applied_at", "last_closed_at", "marketing_consent_date")
        con.execute(
            f"update marts.candidates set {', '.join(f'{c} = ?' for c in columns)} where candidate_id = ?",
            [day] * len(columns) + [candidate_id],
        )
        con.execute("update marts.candidate_scores set last_engaged_at = null where candidate_id = ?", [candidate_id])
    return candidate_id


@pytest.fixture(scope="module")
def written_outbox(built_warehouse, tmp_path_factory):
    """Every kind the outbox writes, as `make run` writes them (plus one consent renewal); once per module, the
    erasure test last (it changes both)."""
    folder = tmp_path_factory.mktemp("previews")
    warehouse, outbox = folder / "warehouse.duckdb", folder / "outbox"
    shutil.copyfile(built_warehouse[0], warehouse)
    _make_one_person_lapse_soon(warehouse)
    campaigns = [*CAMPAIGNS.values(), renewal_campaign(AS_OF, RetentionSettings())]
    summaries = {c.kind: write_outbox(warehouse, outbox, AS_OF, c) for c in campaigns}
    return warehouse, outbox, summaries


def _bodies(outbox: Path) -> list[tuple[Path, dict]]:
    return [(path, json.loads(path.read_text())) for path in sorted(outbox.glob("*/*.json"))]


def _kind(body: dict) -> str:
    return next(c for c in body["categories"] if c in templates.KINDS)


def test_each_personalization_has_its_html_beside_the_request_body(written_outbox):
    _, outbox, summaries = written_outbox
    assert summaries["nurture"].messages > 0 and summaries["rejection"].messages > 0
    assert summaries["consent_renewal"].messages >= 1
    bodies = _bodies(outbox)
    expected = {
        path.with_suffix("") / f"{p['custom_args']['candidate_id']}.html"
        for path, body in bodies
        for p in body["personalizations"]
    }
    assert expected == set(outbox.glob("*/*/*.html"))
    assert len(expected) == sum(s.messages for s in summaries.values())


def test_every_template_renders_real_data_with_the_legal_footer_and_its_links(written_outbox):
    _, outbox, _ = written_outbox
    sender = SenderSettings()
    real: dict[str, list[tuple[dict, str]]] = {}  # kind -> (dynamic data, the HTML the outbox wrote)
    for path, body in _bodies(outbox):
        for personalization in body["personalizations"]:
            page = (path.with_suffix("") / f"{personalization['custom_args']['candidate_id']}.html").read_text()
            real.setdefault(_kind(body), []).append((personalization["dynamic_template_data"], page))
    assert {"nurture", "rejection", "consent_renewal"} <= set(real)  # the kinds on main; later kinds join here
    checked = set()
    for template in templates.load_templates():
        examples = [(data, None) for data, _ in real.get(template.kind, [])[:50]] or [(template.test_data, None)]
        if template.language == templates.DEFAULT_LANGUAGE:
            examples += [(data, page) for data, page in real.get(template.kind, [])[:50]]
        for data, written in examples:
            page = written or templates.preview_html(template, {**data, "language": template.language})
            mail = templates.render(template, {**data, "language": template.language})
            for part in (page, mail.text, mail.subject):
                assert not re.findall(r"\{\{.*?\}\}", part), (template.name, part)
            for part in (page, mail.text):
                assert sender.from_name in part and sender.postal_address in part, template.name
            hrefs = _hrefs(page)
            assert data["unsubscribe_url"] in hrefs, template.name  # SendGrid's <%asm_group_unsubscribe_raw_url%>
            for url in _urls(data):
                assert url in hrefs and url in mail.text, (template.name, url)
        checked.add(template.kind)
    assert checked == set(templates.KINDS)


def test_rejection_html_carries_the_persons_own_career_relay_link(written_outbox):
    _, outbox, _ = written_outbox
    for path, body in _bodies(outbox):
        if _kind(body) != "rejection":
            continue
        for personalization in body["personalizations"]:
            page = (path.with_suffix("") / f"{personalization['custom_args']['candidate_id']}.html").read_text()
            relay_url = personalization["dynamic_template_data"]["career_relay_url"]
            assert personalization["custom_args"]["relay_token"] in relay_url and relay_url in _hrefs(page)


def test_the_erasure_removes_the_persons_html_and_nobody_elses(written_outbox):
    warehouse, outbox, _ = written_outbox
    pages = sorted(outbox.glob("*/*/*.html"))
    candidate_id = pages[0].stem
    theirs = [p for p in pages if p.stem == candidate_id]
    done = erase_candidate(str(warehouse), candidate_id, "REQ-HTML", outbox_dir=outbox)
    assert not any(p.exists() for p in theirs)
    assert all(p.exists() for p in pages if p.stem != candidate_id)
    receipt = json.loads(Path(done.receipt_file).read_text())
    assert receipt["removed"]["outbox HTML previews"] == len(theirs) >= 1
