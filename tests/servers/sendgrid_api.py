"""The parts of SendGrid's v3 API beside Mail Send that the project calls, for the local test server: global
suppressions, the Recipients' Data Erasure job, and dynamic templates with versions.

Every request is matched to its operation in SendGrid's published OpenAPI files (copies of
`../shared/reference/sendgrid/tsg_*_v3.json` in tests/fixtures/sendgrid/): an unknown path or method is 404
or 405, a body that breaks the operation's request schema is 400 with SendGrid's `errors` envelope, a
required query parameter missing is 400. What the server keeps (suppressed addresses, erasure jobs,
templates) is inspectable by tests.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

import jsonschema

SPECS_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "sendgrid"
SPEC_FILES = ("tsg_suppressions_v3.json", "tsg_recipients_data_erasure_v3.json", "tsg_templates_v3.json")
MAX_ERASE_PAYLOAD_BYTES = 256 * 1024


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    template: str
    pattern: re.Pattern
    spec: dict
    body_schema: dict | None
    required_query: tuple[str, ...]


def _resolve(spec: dict, node: dict) -> dict:
    while isinstance(node, dict) and "$ref" in node:
        target = spec
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def _operations() -> list[Operation]:
    operations = []
    for name in SPEC_FILES:
        spec = json.loads((SPECS_DIR / name).read_text())
        for template, methods in spec["paths"].items():
            pattern = re.compile("^" + re.sub(r"\{([^}]+)\}", r"(?P<\1>[^/]+)", template) + "$")
            for method, op in methods.items():
                if not isinstance(op, dict) or "operationId" not in op:
                    continue
                body = op.get("requestBody")
                schema = None
                if body:
                    schema = _resolve(spec, _resolve(spec, body)["content"]["application/json"]["schema"])
                    schema = {**schema, "components": spec["components"]}
                required = tuple(
                    p["name"]
                    for p in (_resolve(spec, p) for p in op.get("parameters", []))
                    if p.get("in") == "query" and p.get("required")
                )
                operations.append(
                    Operation(op["operationId"], method.upper(), template, pattern, spec, schema, required)
                )
    # literal paths before templated ones (/v3/asm/suppressions/global before /v3/asm/suppressions/{email})
    return sorted(operations, key=lambda o: o.template.count("{"))


OPERATIONS = _operations()


def _errors(message: str, field_name: str | None = None) -> dict:
    return {"errors": [{"message": message, "field": field_name}]}


@dataclass
class Template:
    id: str
    name: str
    generation: str
    updated_at: str
    versions: list[dict] = field(default_factory=list)


class SendGridApi:
    """State and handlers of the non-mail operations; `handle` answers (status, payload)."""

    def __init__(self):
        self.global_suppressions: set[str] = set()
        self.erase_jobs: list[dict] = []  # {"job_id", "email_addresses"}
        self.templates: dict[str, Template] = {}
        self.calls: list[tuple[str, str]] = []  # (operation id, path)
        self._lock = threading.Lock()

    def handle(self, method: str, raw_path: str, raw_body: bytes) -> tuple[int, dict | None]:
        url = urlparse(raw_path)
        candidates = [(o, o.pattern.match(url.path)) for o in OPERATIONS]
        matched = [(o, m) for o, m in candidates if m]
        if not matched:
            return 404, _errors("not found")
        chosen = next(((o, m) for o, m in matched if o.method == method), None)
        if chosen is None:
            return 405, _errors(f"{method} is not allowed on {url.path}")
        operation, match = chosen
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if missing := [q for q in operation.required_query if q not in query]:
            return 400, _errors(f"missing required query parameter {missing[0]}", missing[0])
        body = None
        if operation.body_schema is not None:
            try:
                body = json.loads(raw_body or b"null")
            except ValueError:
                return 400, _errors("request body is not JSON")
            validator = jsonschema.Draft202012Validator(operation.body_schema)
            problems = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
            if problems:
                first = problems[0]
                return 400, _errors(first.message, ".".join(str(p) for p in first.absolute_path) or None)
        params = {k: unquote(v) for k, v in match.groupdict().items()}
        with self._lock:
            self.calls.append((operation.operation_id, url.path))
            handler = getattr(self, f"_{operation.operation_id}", None)
            if handler is None:
                return 501, _errors(f"{operation.operation_id} is in the spec but not in this test server")
            return handler(body=body, query=query, **params)

    # global suppressions
    def _CreateGlobalSuppression(self, body, query):
        emails = [e.lower() for e in body["recipient_emails"]]
        self.global_suppressions |= set(emails)
        return 201, {"recipient_emails": emails}

    def _GetGlobalSuppression(self, body, query, email):
        return 200, ({"recipient_email": email} if email.lower() in self.global_suppressions else {})

    # recipients' data erasure
    def _EraseRecipientEmailData(self, body, query):
        if len(json.dumps(body).encode()) > MAX_ERASE_PAYLOAD_BYTES:
            return 400, _errors("payload larger than 256Kb", "email_addresses")
        invalid = [e for e in body["email_addresses"] if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", e)]
        if invalid:
            return 400, _errors("invalid email address in email_addresses", "email_addresses")
        job = {"job_id": str(uuid.uuid4()), "email_addresses": sorted({e.lower() for e in body["email_addresses"]})}
        self.erase_jobs.append(job)
        return 202, {"job_id": job["job_id"]}

    # templates
    def _now(self) -> str:
        return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())

    def _template_json(self, template: Template) -> dict:
        return {
            "id": template.id,
            "name": template.name,
            "generation": template.generation,
            "updated_at": template.updated_at,
            "versions": template.versions,
        }

    def _CreateTemplate(self, body, query):
        template = Template(str(uuid.uuid4()), body["name"], body.get("generation", "legacy"), self._now())
        if template.generation == "dynamic":
            template.id = "d-" + uuid.uuid4().hex
        self.templates[template.id] = template
        return 201, self._template_json(template)

    def _ListTemplate(self, body, query):
        wanted = set((query.get("generations") or "legacy").split(","))
        size = int(float(query["page_size"]))
        found = [self._template_json(t) for t in self.templates.values() if t.generation in wanted]
        return 200, {"result": found[:size], "_metadata": {"count": len(found)}}

    def _GetTemplate(self, body, query, template_id):
        template = self.templates.get(template_id)
        return (200, self._template_json(template)) if template else (404, _errors("template not found"))

    def _CreateTemplateVersion(self, body, query, template_id):
        template = self.templates.get(template_id)
        if template is None:
            return 404, _errors("template not found")
        version = {
            "id": str(uuid.uuid4()),
            "template_id": template_id,
            "updated_at": self._now(),
            "active": 1 if not template.versions else int(body.get("active", 0)),
            **{k: body[k] for k in ("name", "subject", "html_content", "plain_content", "test_data") if k in body},
        }
        if version["active"]:
            for other in template.versions:
                other["active"] = 0
        template.versions.append(version)
        template.updated_at = version["updated_at"]
        return 201, version

    def _UpdateTemplateVersion(self, body, query, template_id, version_id):
        template = self.templates.get(template_id)
        version = next((v for v in (template.versions if template else []) if v["id"] == version_id), None)
        if version is None:
            return 404, _errors("version not found")
        version.update(
            {k: body[k] for k in ("name", "subject", "html_content", "plain_content", "test_data") if k in body}
        )
        version["updated_at"] = self._now()
        return 200, version

    def _ActivateTemplateVersion(self, body, query, template_id, version_id):
        template = self.templates.get(template_id)
        version = next((v for v in (template.versions if template else []) if v["id"] == version_id), None)
        if version is None:
            return 404, _errors("version not found")
        for other in template.versions:
            other["active"] = 1 if other is version else 0
        return 200, version
