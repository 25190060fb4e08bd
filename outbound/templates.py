"""The mail templates, which live in the repository (templates/sendgrid/<kind>/) as SendGrid dynamic templates.

One template per kind and language, named `crm-<kind>-<lang>` (`ja` the default, `en` the English variant).
A kind's folder holds per language `<lang>.subject.txt`, `<lang>.html` and `<lang>.txt` (Handlebars, as
SendGrid's dynamic templates read it), and `test_data.json`: example dynamic data (SendGrid shows it in its
preview; the tests render every template with it).

- A template may use only the dynamic data the project sends for its kind (`DATA_KEYS`, the issue 18
  contract): `unknown_variables` finds any other, and the upload refuses such a template.
- `python -m outbound.templates upload` (`make upload-templates`) creates or updates them through SendGrid's
  Templates API: a missing template is created, a template whose active version is not the files' content
  gets a new version, activated; a second run with the same files writes nothing. A version is named
  `<template name> <digest of its content>`, which is how a run knows the content is already there.
- In sendgrid mode the template id of each request is read from the API by name (`TemplateIds`), not
  from the placeholder ids in the settings; an explicit id (SENDGRID_<KIND>_TEMPLATE_ID, or a real id set in
  the settings) wins.
- In outbox mode each personalization is rendered here with pybars3 (Handlebars for Python) to the HTML a
  recruiter can open beside the request body: `<outbox>/<campaign>/<batch>/<candidate>.html`.

Escaping: `{{x}}` HTML-escapes (names and job titles in the HTML part), `{{{x}}}` does not (the unsubscribe
URL, which is SendGrid's `<%asm_group_unsubscribe_raw_url%>` tag that SendGrid replaces, and every value in
the subject and the plain-text part, which are not HTML).
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import os
import re
import sys
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from connectors.sinks.sendgrid import api
from connectors.sinks.sendgrid.client import SendGridKeyMissing, SendGridKeyRefused, SendGridUnavailable, make_client
from connectors.sinks.sendgrid.settings import SendGridSettings

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates" / "sendgrid"
KINDS = ("nurture", "new_position", "reapply_notice", "rejection", "consent_renewal")
LANGUAGES = ("ja", "en")
DEFAULT_LANGUAGE = "ja"
UPLOAD_COMMAND = "python -m outbound.templates upload (make upload-templates)"

# The dynamic data each kind's requests carry (the issue 18 contract). A value is None for a scalar,
# STRINGS for a list of strings, or a dict: a list of objects with those keys.
STRINGS = "list of strings"
COMMON_KEYS = {
    "name": None,
    "sender_name": None,
    "sender_address": None,
    "unsubscribe_url": None,
    "kind": None,
    "variant": None,
    "language": None,
}
DATA_KEYS: dict[str, dict] = {
    "nurture": {"segment": None, "careers_url": None, "jobs": {"title": None, "url": None}},
    "rejection": {"job_title": None, "career_relay_url": None},
    "consent_renewal": {"delete_on": None},
    "new_position": {"job_title": None, "job_url": None, "job_location": None, "reasons": STRINGS},
    "reapply_notice": {
        "job_family": None,
        "eligible_date": None,
        "jobs": {"title": None, "url": None, "reasons": STRINGS},
    },
}


def data_keys(kind: str) -> set[str]:
    return set(COMMON_KEYS) | set(DATA_KEYS[kind])


@dataclass(frozen=True)
class MailTemplate:
    kind: str
    language: str
    subject: str
    html: str
    text: str
    test_data: dict

    @property
    def name(self) -> str:
        return f"crm-{self.kind}-{self.language}"

    @property
    def digest(self) -> str:
        content = json.dumps(
            [self.subject.strip(), self.html, self.text, self.test_data], ensure_ascii=False, sort_keys=True
        )
        return hashlib.sha256(content.encode()).hexdigest()[:16]

    @property
    def version_name(self) -> str:
        return f"{self.name} {self.digest}"

    def version(self) -> dict:
        """The body of POST /v3/templates/{id}/versions."""
        return {
            "name": self.version_name,
            "subject": self.subject.strip(),
            "html_content": self.html,
            "plain_content": self.text,
            "generate_plain_content": False,
            "editor": "code",
            "test_data": json.dumps(self.test_data, ensure_ascii=False),
            "active": 1,
        }


class TemplateProblem(ValueError):
    """A template file is missing or uses data the project does not send."""


def load_templates(folder: Path = TEMPLATES_DIR) -> list[MailTemplate]:
    found = []
    for kind in KINDS:
        directory = folder / kind
        try:
            test_data = json.loads((directory / "test_data.json").read_text(encoding="utf-8"))
            for language in LANGUAGES:
                found.append(
                    MailTemplate(
                        kind,
                        language,
                        (directory / f"{language}.subject.txt").read_text(encoding="utf-8"),
                        (directory / f"{language}.html").read_text(encoding="utf-8"),
                        (directory / f"{language}.txt").read_text(encoding="utf-8"),
                        test_data,
                    )
                )
        except FileNotFoundError as missing:
            raise TemplateProblem(
                f"template file {missing.filename} is missing: every kind needs <lang>.subject.txt, <lang>.html "
                f"and <lang>.txt for {', '.join(LANGUAGES)}, and test_data.json (see {folder}/README.md)"
            ) from None
    return found


def template_for(kind: str, language: str = DEFAULT_LANGUAGE) -> MailTemplate:
    return _by_key()[(kind, language if language in LANGUAGES else DEFAULT_LANGUAGE)]


def template_by_name(name: str) -> MailTemplate:
    return next(t for t in _by_key().values() if t.name == name)


@cache
def _by_key() -> dict[tuple[str, str], MailTemplate]:
    return {(t.kind, t.language): t for t in load_templates()}


# ---- which data a template uses

_TAG = re.compile(r"\{\{\{(.*?)\}\}\}|\{\{(.*?)\}\}", re.S)
_BLOCK_HELPERS = ("each", "if", "unless", "equals", "with")


def unknown_variables(source: str, kind: str) -> list[str]:
    """The names a template uses that its kind's dynamic data does not have (`list.key` inside an #each)."""
    unknown: list[str] = []
    top = {**COMMON_KEYS, **DATA_KEYS[kind]}
    scopes: list[tuple[str, object]] = [("", top)]  # (path, keys or STRINGS)

    def check(name: str) -> object | None:
        path, keys = scopes[-1]
        if name in ("this", ".") and keys == STRINGS:
            return None
        if name.startswith("@"):
            return None
        if isinstance(keys, dict) and name in keys:
            return keys[name]
        unknown.append(f"{path}.{name}" if path else name)
        return None

    for triple, double in _TAG.findall(source):
        tag = (triple or double).strip().strip("~").strip()
        if not tag or tag.startswith("!"):
            continue
        if tag.startswith("/"):
            if len(scopes) > 1:
                scopes.pop()
            continue
        if tag in ("else", "^"):
            continue
        if tag.startswith("#"):
            helper, *arguments = tag[1:].split()
            variable = arguments[0] if arguments else ""
            if helper not in _BLOCK_HELPERS:
                unknown.append(f"#{helper}")
            value = check(variable) if variable else None
            if helper == "each":
                path = scopes[-1][0]
                scopes.append((f"{path}.{variable}" if path else variable, value))
            else:
                scopes.append(scopes[-1])
            continue
        check(tag.split()[0])
    return unknown


# ---- rendering (outbox mode)


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    html: str
    text: str


def _equals(this, options, left, right):
    """SendGrid's {{#equals a b}} block helper."""
    return options["fn"](this) if left == right else options["inverse"](this)


@cache
def _compiled(source: str):
    import pybars  # only outbox mode and the tests render: the import compiles a grammar (about a second)

    return pybars.Compiler().compile(source)


def render(template: MailTemplate, data: dict) -> RenderedMail:
    def run(source: str) -> str:
        return str(_compiled(source)(data, helpers={"equals": _equals}))

    return RenderedMail(" ".join(run(template.subject).split()), run(template.html), run(template.text))


def preview_html(template: MailTemplate, data: dict) -> str:
    """The HTML a recruiter opens beside the request body: the rendered mail, its subject as the page title."""
    mail = render(template, data)
    titled = re.sub(r"<title>.*?</title>", f"<title>{html.escape(mail.subject)}</title>", mail.html, count=1)
    note = (
        f"<!-- {template.name}, rendered locally in outbox mode; subject: {html.escape(mail.subject)} -->\n"
        "<!-- in sendgrid mode SendGrid renders the same template and puts the recipient's own unsubscribe link "
        "where this file has <%asm_group_unsubscribe_raw_url%> -->\n"
    )
    return note + titled


def write_previews(body: dict, kind: str, folder: Path) -> list[Path]:
    """One HTML file per personalization of a request body, named by its candidate id."""
    written = []
    for personalization in body.get("personalizations") or []:
        candidate_id = (personalization.get("custom_args") or {}).get("candidate_id")
        if not candidate_id:
            continue
        data = personalization.get("dynamic_template_data") or {}
        template = template_for(kind, data.get("language") or DEFAULT_LANGUAGE)
        path = preview_path(folder, candidate_id)
        folder.mkdir(parents=True, exist_ok=True)
        path.write_text(preview_html(template, data), encoding="utf-8")
        written.append(path)
    return written


def preview_path(folder: Path, candidate_id: str) -> Path:
    """`<folder>/<candidate id>.html` (crm/erasure.py finds a person's files by this name)."""
    if not re.fullmatch(r"[A-Za-z0-9_-]+", str(candidate_id)):
        raise ValueError(f"candidate id {candidate_id!r} is not a plain file name")
    return folder / f"{candidate_id}.html"


# ---- SendGrid's Templates API


def _check(template: MailTemplate) -> None:
    problems = [
        f"{part}: {name}"
        for part in ("subject", "html", "text")
        for name in unknown_variables(getattr(template, part), template.kind)
    ]
    if problems:
        raise TemplateProblem(
            f"{template.name} uses dynamic data the project does not send for {template.kind} mail "
            f"({'; '.join(problems)}): use only {', '.join(sorted(data_keys(template.kind)))}"
        )


def _remote_by_name(client, settings: SendGridSettings, **retry) -> dict[str, dict]:
    by_name: dict[str, dict] = {}
    for remote in api.dynamic_templates(client, settings, **retry):
        if remote.get("name") in by_name and remote["name"].startswith("crm-"):
            raise TemplateProblem(
                f"SendGrid has two dynamic templates named {remote['name']} ({by_name[remote['name']]['id']} and "
                f"{remote['id']}): delete the one not in use (SendGrid UI: Email API -> Dynamic Templates)"
            )
        by_name[remote.get("name")] = remote
    return by_name


def upload(client, settings: SendGridSettings, local: list[MailTemplate] | None = None, **retry) -> dict[str, str]:
    """Create or update every template; name -> 'created', 'updated', 'reactivated' or 'unchanged'."""
    local = load_templates() if local is None else local
    for template in local:
        _check(template)
    remote = _remote_by_name(client, settings, **retry)
    outcome = {}
    for template in local:
        found = remote.get(template.name)
        created = found is None
        if created:
            found = api.create_dynamic_template(client, template.name, settings, **retry)
        versions = found.get("versions") or []
        if any(v.get("active") == 1 and v.get("name") == template.version_name for v in versions):
            outcome[template.name] = "unchanged"
            continue
        same = next((v for v in versions if v.get("name") == template.version_name), None)
        if same is not None:  # the content is there, another version was made active (in SendGrid's UI)
            api.activate_version(client, found["id"], same["id"], settings, **retry)
            outcome[template.name] = "reactivated"
            continue
        version = api.create_version(client, found["id"], template.version(), settings, **retry)
        api.activate_version(client, found["id"], version["id"], settings, **retry)
        outcome[template.name] = "created" if created else "updated"
    return outcome


_PLACEHOLDER = re.compile(r"^d-0{25,}[0-9a-f]{0,7}$")


class TemplateMissing(SendGridKeyMissing):
    """A template the run needs is not in the SendGrid account (a missing setting, like a missing key)."""


class TemplateIds:
    """The id of each kind's template in sendgrid mode, read from the Templates API by name (once per run)."""

    def __init__(self, client, settings: SendGridSettings, **retry):
        self._client, self._settings, self._retry = client, settings, retry
        self._remote: dict[str, dict] | None = None

    def resolve(self, kind: str, body: dict) -> str:
        current = body.get("template_id") or ""
        if os.environ.get(f"SENDGRID_{kind.upper()}_TEMPLATE_ID") or (current and not _PLACEHOLDER.match(current)):
            return current  # an explicit id wins
        name = f"crm-{kind}-{_language(body)}"
        if self._remote is None:
            self._remote = _remote_by_name(self._client, self._settings, **self._retry)
        found = self._remote.get(name)
        if found is None or not any(v.get("active") == 1 for v in found.get("versions") or []):
            raise TemplateMissing(
                f"SendGrid has no {'active ' if found else ''}dynamic template named {name}: upload the project's "
                f"templates with {UPLOAD_COMMAND}, or set SENDGRID_{kind.upper()}_TEMPLATE_ID to a template's id"
            )
        return found["id"]


def _language(body: dict) -> str:
    languages = {
        (p.get("dynamic_template_data") or {}).get("language") or DEFAULT_LANGUAGE
        for p in body.get("personalizations") or []
    }
    if len(languages) > 1:
        raise ValueError(f"one request mixes languages {sorted(languages)}: one template id serves a request")
    language = languages.pop() if languages else DEFAULT_LANGUAGE
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


# ---- the command


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m outbound.templates",
        description="The project's SendGrid dynamic templates (templates/sendgrid/).",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser(
        "upload",
        help="create or update every template through SendGrid's Templates API "
        "(SENDGRID_API_KEY, and SENDGRID_API_URL for a local test server)",
    )
    commands.add_parser("check", help="check every template uses only the dynamic data the project sends")
    arguments = parser.parse_args(argv)
    try:
        local = load_templates()
        for template in local:
            _check(template)
        if arguments.command == "check":
            print(f"{len(local)} templates use only the dynamic data the project sends")
            return 0
        settings = SendGridSettings()
        started = time.monotonic()
        outcome = upload(make_client(settings), settings, local)
    except (TemplateProblem, SendGridKeyMissing, SendGridKeyRefused, SendGridUnavailable, api.SendGridRefused) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    for name, what in outcome.items():
        print(f"{name}: {what}")
    counts = {what: sum(1 for w in outcome.values() if w == what) for what in dict.fromkeys(outcome.values())}
    summary = ", ".join(f"{n} {what}" for what, n in counts.items())
    print(f"{len(outcome)} templates in SendGrid ({summary}) in {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
