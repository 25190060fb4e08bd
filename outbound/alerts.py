"""The re-engagement mail of issue 18: new-position alerts and re-application notices.

new_position    a job opened that fits the person (marts.new_position_batch): the job and, in plain words, why it
                fits. Ledger key (candidate, '<catalogue campaign>', <job id>): once per person and job.
reapply_notice  the person's cool-off ended while a job of their family is open (marts.reapply_notice_batch): they
                may apply again, with their best open matches (at most 3). Ledger key (candidate, '<catalogue
                campaign>', <application key>): once per rejection.

Both are held by their catalogue campaign's frequency cap (no mail of any kind within that many days) and re-check
the send ledger at send time, like the nurture mail. The match reasons (the parts of marts.candidate_job_fit) become
sentences here, in the mail's language (Japanese unless the person's language is known to be English).
"""

from __future__ import annotations

from datetime import date

from connectors.sinks.sendgrid.messages import new_position_request, reapply_notice_request
from outbound.campaigns import CAMPAIGNS, Campaign

# job family code -> (Japanese label, English label)
FAMILY_LABELS = {
    "engineering": ("エンジニア職", "Engineering"),
    "data": ("データ分析職", "Data and analytics"),
    "sales": ("営業職", "Sales"),
    "marketing": ("マーケティング職", "Marketing"),
    "design": ("デザイン職", "Design"),
    "hr": ("人事職", "Human resources"),
    "accounting": ("経理職", "Accounting"),
    "support": ("カスタマーサポート職", "Customer support"),
}


def family_label(family: str | None, language: str = "ja") -> str:
    """The human label of a job family code (the code itself when the family is not known here)."""
    labels = FAMILY_LABELS.get(family or "")
    if labels is None:
        return family or ("ご経験の職種" if language != "en" else "your line of work")
    return labels[1] if language == "en" else labels[0]


def fit_reasons(match: dict, language: str = "ja") -> list[str]:
    """Why a job fits the person, as sentences: the job's skills they have, the same job family, the job in their
    prefecture, their experience meeting the job's minimum. `match` holds the fit's parts (shared_skills,
    is_same_job_family, is_same_region, years_experience, min_years, experience_points)."""
    en = language == "en"
    reasons = []
    if match.get("shared_skills"):
        skills = [s.strip() for s in str(match["shared_skills"]).split(",") if s.strip()]
        reasons.append(
            f"You have skills this job asks for: {', '.join(skills)}"
            if en
            else f"求人が求めるスキル（{'、'.join(skills)}）をお持ちです"
        )
    if match.get("is_same_job_family"):
        reasons.append("It is in your line of work" if en else "これまでのご経験と同じ職種の求人です")
    if match.get("is_same_region"):
        reasons.append("It is in the prefecture you live in" if en else "お住まいの都道府県での勤務です")
    if match.get("experience_points") == 10:
        years, needed = match.get("years_experience"), match.get("min_years") or 0
        if needed == 0:
            reasons.append("No minimum experience is required" if en else "経験年数の条件はありません")
        elif en:
            reasons.append(f"Your {years} years of experience meet the {needed} years it asks for")
        else:
            reasons.append(f"経験年数が求人の条件に合っています（{years}年、条件は{needed}年以上）")
    return reasons


def _language(recipient: dict) -> str:
    return "en" if recipient.get("language") == "en" else "ja"


def _with_reasons(recipient: dict) -> dict:
    return {**recipient, "language": _language(recipient), "reasons": fit_reasons(recipient, _language(recipient))}


def _with_jobs(recipient: dict) -> dict:
    language = _language(recipient)
    eligible = recipient.get("eligible_date")
    return {
        **recipient,
        "language": language,
        "job_family_label": family_label(recipient.get("job_family"), language),
        "eligible_date": eligible.isoformat() if isinstance(eligible, date) else str(eligible or ""),
        "jobs": [{**job, "reasons": fit_reasons(job, language)} for job in recipient.get("jobs") or []][:3],
    }


# What plan_batches needs of a capped campaign: the batch minus what the ledger already holds (this campaign and
# step for this person, any status) and minus everyone mailed within the campaign's frequency cap (params: the run
# day, and the cap days plan_batches passes, used when the catalogue gives none).
_NOT_SENT_NOR_CAPPED = """
        where not exists (
                select 1 from outbox.send_ledger l
                where l.candidate_id = b.candidate_id and l.campaign_id = b.campaign_id and l.step = b.step)
          and not exists (
                select 1 from outbox.send_ledger l
                where l.candidate_id = b.candidate_id
                  and l.recorded_at >= ?::timestamp - to_days(coalesce(b.frequency_cap_days, ?)))"""

# plan_batches passes a capped campaign's already_sent_sql the month (YYYY-MM): these ledger keys hold no month,
# so the parameter only has to be read
_ALREADY_SENT = """
        select count(*) from {table} b
        where cast(? as varchar) is not null
          and exists (select 1 from outbox.send_ledger l
                      where l.candidate_id = b.candidate_id and l.campaign_id = b.campaign_id and l.step = b.step)"""

NEW_POSITION = Campaign(
    kind="new_position",
    batch_sql=f"""
        select b.candidate_id, b.email, b.display_name, 'new_position' as "group", b.campaign_id, b.step,
               b.variant, b.segment, b.language, b.job_id, b.job_title, b.job_family, b.job_location,
               b.shared_skills, b.is_same_job_family, b.is_same_region, b.years_experience, b.min_years,
               b.experience_points
        from marts.new_position_batch b
        {_NOT_SENT_NOR_CAPPED}
        order by b.campaign_id, b.candidate_id""",
    audience_sql="select count(*) from marts.new_position_batch",
    already_sent_sql=_ALREADY_SENT.format(table="marts.new_position_batch"),
    build_request=lambda batch, batch_id, sender: new_position_request(
        batch.recipients, batch.campaign_id, batch_id, sender
    ),
    capped=True,
    prepare=_with_reasons,
    batch_table="marts.new_position_batch",
)

REAPPLY_NOTICE = Campaign(
    kind="reapply_notice",
    batch_sql=f"""
        select b.candidate_id, b.email, b.display_name, 'reapply_notice' as "group", b.campaign_id, b.step,
               b.variant, b.segment, b.language, b.job_family, b.reapply_eligible_date as eligible_date,
               (select list({{'job_id': j.job_id, 'title': j.job_title, 'location': j.job_location,
                              'shared_skills': j.shared_skills, 'is_same_job_family': j.is_same_job_family,
                              'is_same_region': j.is_same_region, 'years_experience': j.years_experience,
                              'min_years': j.min_years, 'experience_points': j.experience_points}}
                            order by j.match_rank)
                from marts.reapply_notice_batch_jobs j
                where j.candidate_id = b.candidate_id and j.step = b.step) as jobs
        from marts.reapply_notice_batch b
        {_NOT_SENT_NOR_CAPPED}
        order by b.campaign_id, b.candidate_id""",
    audience_sql="select count(*) from marts.reapply_notice_batch",
    already_sent_sql=_ALREADY_SENT.format(table="marts.reapply_notice_batch"),
    build_request=lambda batch, batch_id, sender: reapply_notice_request(
        batch.recipients, batch.campaign_id, batch_id, sender
    ),
    capped=True,
    prepare=_with_jobs,
    batch_table="marts.reapply_notice_batch",
)

CAMPAIGNS.update({c.kind: c for c in (NEW_POSITION, REAPPLY_NOTICE)})
