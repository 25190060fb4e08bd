"""Posting one Mail Send request through the official `sendgrid` SDK, surviving what the network does.

- 429: wait for `Retry-After` (or until `X-RateLimit-Reset`), then try again.
- 5xx, or a connection that failed before the request was sent (refused, reset while connecting or
  sending: urllib raises URLError then): back off exponentially with jitter, then try again. SendGrid
  accepts a message only with a 202, so these mean "not accepted".
- 400: the body is refused; the caller isolates the bad personalization.
- 401/403: the key is wrong; no retry can fix that.
- A request that went out and got no answer (a read timeout, a connection cut while waiting for the
  answer) is different: SendGrid may have accepted it. It is never retried blindly; the caller leaves the
  batch "in doubt" (see outbound/sendgrid_sends.py).
"""

from __future__ import annotations

import http.client
import random
import time
import urllib.error
from dataclasses import dataclass, replace

from python_http_client import exceptions
from sendgrid import SendGridAPIClient

from .settings import SendGridSettings


class SendGridKeyMissing(ValueError):
    pass


class SendGridKeyRefused(RuntimeError):
    pass


class SendGridUnavailable(RuntimeError):
    pass


@dataclass
class Accepted:
    message_id: str | None


@dataclass
class Refused:
    errors: list[dict]


@dataclass
class InDoubt:
    reason: str


SECRET_BLOCK = "sendgrid-api-key"


def key_from_prefect_secret(name: str = SECRET_BLOCK) -> str | None:
    """The API key from the Prefect Secret block `name`, when there is one (and a Prefect API to ask)."""
    from prefect.context import FlowRunContext, TaskRunContext
    from prefect.settings import PREFECT_API_URL

    if not (PREFECT_API_URL.value() or FlowRunContext.get() or TaskRunContext.get()):
        return None  # outside Prefect with no API configured: do not start a temporary server just to ask
    try:
        from prefect.blocks.system import Secret

        return Secret.load(name, _sync=True).get() or None
    except Exception:  # no such block, or no Prefect API reachable: the caller reports the missing key
        return None


def make_client(settings: SendGridSettings) -> SendGridAPIClient:
    if not settings.api_key:
        key = key_from_prefect_secret()
        if key:
            settings = replace(settings, api_key=key)
    if not settings.api_key:
        raise SendGridKeyMissing(
            "--send-mode sendgrid needs an API key: set SENDGRID_API_KEY or create a Prefect Secret block named "
            f"'{SECRET_BLOCK}' (Prefect UI: Blocks -> Secret), or use --send-mode outbox"
        )
    client = SendGridAPIClient(settings.api_key, host=settings.api_url)
    client.client.timeout = settings.timeout_s  # the SDK has no timeout of its own
    return client


def post_mail(
    client: SendGridAPIClient,
    body: dict,
    settings: SendGridSettings,
    sleep=time.sleep,
    rng: random.Random | None = None,
) -> Accepted | Refused | InDoubt:
    rng = rng or random.Random()
    last_problem = ""
    for attempt in range(1, settings.max_attempts + 1):
        try:
            response = client.send(body)
            return Accepted(response.headers.get("X-Message-Id") if response.headers else None)
        except exceptions.BadRequestsError as refused:
            return Refused(_errors(refused))
        except (exceptions.UnauthorizedError, exceptions.ForbiddenError) as refused:
            raise SendGridKeyRefused(
                f"SendGrid refused the API key ({refused.status_code}): check SENDGRID_API_KEY and that the key "
                "may send mail (Mail Send permission). Nothing more was sent."
            ) from None
        except exceptions.TooManyRequestsError as limited:
            wait = settings.backoff.wait_for(limited.headers, attempt, settings.rate_limit_wait_max_s, rng)
            last_problem = f"429 too many requests (waited {wait:.1f} s)"
            sleep(wait)
            continue
        except exceptions.HTTPError as failed:
            if failed.status_code < 500:
                return Refused(_errors(failed))
            last_problem = f"{failed.status_code} from SendGrid"
        except urllib.error.URLError as failed:
            # urllib wraps what fails while connecting or sending: SendGrid never had the whole request
            last_problem = f"connection problem: {type(failed.reason).__name__}"
        except (TimeoutError, http.client.HTTPException, ConnectionError, OSError) as failed:
            # the request went out and no answer came back (a read timeout, a connection cut while waiting):
            # SendGrid may have accepted it, so it is never sent again blindly
            return InDoubt(f"no answer after the request was sent ({type(failed).__name__})")
        sleep(settings.backoff.delay(attempt, rng))
    raise SendGridUnavailable(
        f"SendGrid did not accept the request after {settings.max_attempts} attempts (last: {last_problem}). "
        "Nothing of this batch was sent; retry the run later (already accepted batches are not sent again)."
    )


def _errors(error: exceptions.HTTPError) -> list[dict]:
    try:
        return list(error.to_dict.get("errors") or [])
    except (ValueError, AttributeError):
        return [{"message": str(getattr(error, "body", b""))[:200], "field": None}]
