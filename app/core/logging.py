"""Logging for `neuroglide serve`: uvicorn's access log without the secrets some addresses carry."""

import copy
import logging
import re
from typing import Any

from uvicorn.config import LOGGING_CONFIG

REDACTED = "[redacted]"
# Addresses whose last part is a credential: whoever reads the log could open the link.
# tests/security/test_deploy.py fails when a route with a token in its path is missing here.
TOKEN_ROUTES = ("/i/{token}", "/reset/{token}", "/calendar/{token}.ics")
_TOKEN_PATH = re.compile(
    "(" + "|".join(re.escape(route.split("{token}")[0]) for route in TOKEN_ROUTES) + ")[^/?#]+"
)
# Query values whose name says they are secret (no route takes one today; a link may).
_SECRET_QUERY = re.compile(
    r"([?&][^=&#]*(?:token|secret|key|password|code|signature)[^=&#]*=)[^&#]*", re.IGNORECASE
)


def redact_path(path: str) -> str:
    """The request line's address with invite, reset and calendar tokens replaced."""
    return _SECRET_QUERY.sub(rf"\1{REDACTED}", _TOKEN_PATH.sub(rf"\1{REDACTED}", path))


class RedactSecrets(logging.Filter):
    """Rewrites the address in uvicorn's access records before any handler sees them."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact every text argument (the address is the third); never drop the record."""
        if isinstance(record.args, tuple):
            record.args = tuple(
                redact_path(arg) if isinstance(arg, str) else arg for arg in record.args
            )
        return True


def log_config() -> dict[str, Any]:
    """uvicorn's own logging set-up with the redacting filter on the access logger."""
    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["redact_secrets"] = {"()": "app.core.logging.RedactSecrets"}
    config["loggers"]["uvicorn.access"]["filters"] = ["redact_secrets"]
    return config
