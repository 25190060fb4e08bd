"""The nurture batch of the built demo follows the campaign catalogue (issue 18): segments decide who gets which
campaign, prospects only with a recorded opt-in, nobody in a family with no open job or inside a cool-off, and each
person's A/B variant is the hash of their id and the campaign."""

from __future__ import annotations

import csv
import hashlib

from crm.warehouse import connect
from outbound.catalogue import CATALOGUE


def _catalogue() -> dict[str, dict]:
    with open(CATALOGUE, encoding="utf-8", newline="") as file:
        return {row["campaign"]: row for row in csv.DictReader(file)}


def test_prospects_are_nurtured_only_with_a_recorded_opt_in(built_warehouse):
    warehouse, _ = built_warehouse
    with connect(warehouse, read_only=True) as con:
        rows = con.execute("""
            select json_extract_string(r.record, '$.consent') as consent, b.campaign_id
            from raw.prospects r
            join marts.candidate_crosswalk x on x.source = 'prospects' and x.source_record_id = r.source_record_id
            left join marts.nurture_batch b on b.candidate_id = x.candidate_id""").fetchall()
    assert {consent for consent, _ in rows} == {"opted_in", "not_asked", "declined"}
    assert [campaign for consent, campaign in rows if consent != "opted_in"] == [None] * sum(
        consent != "opted_in" for consent, _ in rows
    )
    opted_in = [campaign for consent, campaign in rows if consent == "opted_in"]
    assert opted_in and set(opted_in) == {"nurture-prospects"}


def test_the_catalogue_decides_who_gets_which_campaign(built_warehouse):
    warehouse, _ = built_warehouse
    catalogue = _catalogue()
    with connect(warehouse, read_only=True) as con:
        batch = con.execute("""
            select b.candidate_id, b.campaign_id, b.variant, b.job_family, b.history, a.is_cooling_off,
                   a.has_open_job, b.segment = s.segment_key
            from marts.nurture_batch b
            join marts.nurture_audience a using (candidate_id)
            join marts.segments s using (candidate_id)""").fetchall()
        open_families = {f for (f,) in con.execute("select distinct job_family from marts.nurture_jobs").fetchall()}
    assert len({row[1] for row in batch}) >= 3  # segments really split the audience
    for candidate_id, campaign, variant, family, history, cooling_off, has_open_job, same_segment in batch:
        row = catalogue[campaign]
        assert row["kind"] == "nurture" and row["active"] == "true"
        assert not row["history"] or history in row["history"].split("|")
        assert not row["job_family"] or family in row["job_family"].split("|")
        assert has_open_job and (family in open_families or family == "unknown") and not cooling_off
        assert same_segment  # the segment recorded is the person's segment of marts.segments
        variants = row["variants"].split("|") if row["variants"] else []
        if not variants:
            assert variant is None
        else:  # deterministic: the first 7 hex digits of md5('<candidate>|<campaign>') modulo the variants
            bucket = int(hashlib.md5(f"{candidate_id}|{campaign}".encode()).hexdigest()[:7], 16) % len(variants)
            assert variant == variants[bucket]
    split = {campaign for _, campaign, *_ in batch if catalogue[campaign]["variants"]}
    for campaign in split:
        used = {variant for _, c, variant, *_ in batch if c == campaign}
        if sum(c == campaign for _, c, *_ in batch) >= 10:
            assert used == set(catalogue[campaign]["variants"].split("|"))
