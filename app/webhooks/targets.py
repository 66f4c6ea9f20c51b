"""Where webhooks may go: the push endpoints' rules (https, public hosts, checked twice)."""

from app.config import get_settings
from app.reminders.endpoints import Target, UnsafeEndpoint, check_public_url, host_list, resolve

__all__ = ["UnsafeEndpoint", "check_target", "resolve_target"]


def _listed() -> set[str]:
    return host_list(get_settings().webhook_allowed_hosts)


def check_target(url: str) -> None:
    """Refuse a webhook URL that is not https on a public host, before any DNS lookup."""
    check_public_url(url, _listed())


def resolve_target(url: str) -> Target:
    """Check again at send time, resolve, and pin a checked public address."""
    return resolve(url, _listed(), check_target)
