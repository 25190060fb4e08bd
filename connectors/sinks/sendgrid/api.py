"""SendGrid's v3 API beyond Mail Send, through the official SDK: global suppressions, the Recipients' Data
Erasure job, and dynamic templates with their versions. Each call retries 429 (honouring Retry-After), 5xx
and connections that failed before the request went out, like mail sending does; a refused key is one clear
message. These operations are safe to repeat (adding a suppression twice changes nothing; an erasure job
asked twice erases the same data), which is why a cut connection is retried here, unlike mail.
"""

from __future__ import annotations

import json
import random
import time
import urllib.error
from collections.abc import Callable

from python_http_client import exceptions
from sendgrid import SendGridAPIClient

from .client import SendGridKeyRefused, SendGridUnavailable
from .settings import SendGridSettings

ERASE_BATCH = 5_000  # addresses per erasure job (the API's limit)


class SendGridRefused(RuntimeError):
    """SendGrid answered 4xx (other than 401/403/429): the request itself is wrong."""


def _call(
    request: Callable[[], object],
    what: str,
    settings: SendGridSettings,
    sleep=time.sleep,
    rng: random.Random | None = None,
) -> dict:
    rng = rng or random.Random()
    last = ""
    for attempt in range(1, settings.max_attempts + 1):
        try:
            response = request()
            body = response.body or b"{}"
            return json.loads(body) if body else {}
        except (exceptions.UnauthorizedError, exceptions.ForbiddenError) as refused:
            raise SendGridKeyRefused(
                f"SendGrid refused the API key ({refused.status_code}) for {what}: check SENDGRID_API_KEY and its "
                "permissions (Suppressions, Recipients Data Erasure, Template Engine)"
            ) from None
        except exceptions.TooManyRequestsError as limited:
            last = "429"
            sleep(settings.backoff.wait_for(limited.headers, attempt, settings.rate_limit_wait_max_s, rng))
            continue
        except exceptions.HTTPError as failed:
            if failed.status_code < 500:
                raise SendGridRefused(
                    f"SendGrid refused {what} ({failed.status_code}): {_first_error(failed)}"
                ) from None
            last = str(failed.status_code)
        except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as failed:
            last = type(failed).__name__
        sleep(settings.backoff.delay(attempt, rng))
    raise SendGridUnavailable(f"SendGrid did not answer {what} after {settings.max_attempts} attempts (last: {last})")


def _first_error(error: exceptions.HTTPError) -> str:
    try:
        first = (error.to_dict.get("errors") or [{}])[0]
        return f"{first.get('field') or 'request'}: {first.get('message')}"
    except (ValueError, AttributeError):
        return "no details"


def suppress_globally(client: SendGridAPIClient, emails: list[str], settings: SendGridSettings, **retry) -> list[str]:
    """Add addresses to the account's global suppressions: SendGrid itself will never deliver to them."""
    answer = _call(
        lambda: client.client.asm.suppressions._("global").post(request_body={"recipient_emails": emails}),
        "adding global suppressions",
        settings,
        **retry,
    )
    return list(answer.get("recipient_emails", []))


def request_erasure(client: SendGridAPIClient, emails: list[str], settings: SendGridSettings, **retry) -> list[str]:
    """Ask SendGrid to erase what it holds about these addresses; the job ids, one per 5,000 addresses."""
    jobs = []
    for start in range(0, len(emails), ERASE_BATCH):
        chunk = emails[start : start + ERASE_BATCH]
        answer = _call(
            lambda chunk=chunk: client.client.recipients.erasejob.post(request_body={"email_addresses": chunk}),
            "a recipients' data erasure job",
            settings,
            **retry,
        )
        jobs.append(answer["job_id"])
    return jobs


def dynamic_templates(client: SendGridAPIClient, settings: SendGridSettings, **retry) -> list[dict]:
    answer = _call(
        lambda: client.client.templates.get(query_params={"generations": "dynamic", "page_size": 200}),
        "listing templates",
        settings,
        **retry,
    )
    return list(answer.get("result", []))


def create_dynamic_template(client: SendGridAPIClient, name: str, settings: SendGridSettings, **retry) -> dict:
    return _call(
        lambda: client.client.templates.post(request_body={"name": name, "generation": "dynamic"}),
        f"creating template {name}",
        settings,
        **retry,
    )


def template(client: SendGridAPIClient, template_id: str, settings: SendGridSettings, **retry) -> dict:
    return _call(
        lambda: client.client.templates._(template_id).get(), f"reading template {template_id}", settings, **retry
    )


def create_version(
    client: SendGridAPIClient, template_id: str, version: dict, settings: SendGridSettings, **retry
) -> dict:
    return _call(
        lambda: client.client.templates._(template_id).versions.post(request_body=version),
        f"adding a version to template {template_id}",
        settings,
        **retry,
    )


def activate_version(
    client: SendGridAPIClient, template_id: str, version_id: str, settings: SendGridSettings, **retry
) -> dict:
    return _call(
        lambda: client.client.templates._(template_id).versions._(version_id).activate.post(),
        f"activating version {version_id}",
        settings,
        **retry,
    )
