"""Our scripts are served without their whole-line comments; vendored files as they are."""

from app.core.static import STATIC_DIR, static_url
from tests.staff.support import client_from


def test_scripts_leave_out_whole_line_comments_and_keep_everything_else() -> None:
    """offline.js as served: every line of code, no line that is only a comment, the right
    type and caching; htmx unchanged."""
    source = (STATIC_DIR / "js/offline.js").read_text(encoding="utf-8")
    code = [line for line in source.splitlines() if not line.lstrip().startswith("//")]
    assert len(code) < len(source.splitlines())  # the file does have comments to leave out
    with client_from() as client:
        served = client.get(static_url("js/offline.js"))
        assert served.status_code == 200
        assert served.headers["content-type"].startswith("text/javascript")
        assert "immutable" in served.headers["cache-control"]
        assert served.text.splitlines() == code
        plain = client.get(static_url("js/offline.js"), headers={"accept-encoding": "identity"})
        assert int(plain.headers["content-length"]) == len(plain.content) == len(served.content)
        vendored = client.get(static_url("vendor/htmx-2.0.11.min.js"))
        assert vendored.content == (STATIC_DIR / "vendor/htmx-2.0.11.min.js").read_bytes()
