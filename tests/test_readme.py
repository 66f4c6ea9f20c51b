"""The README starts with a quick start of exactly two commands."""

import re
from pathlib import Path


def test_quick_start_has_exactly_two_commands() -> None:
    """The first code block under Quick start holds the demo command and the test command."""
    readme = Path("README.md").read_text(encoding="utf-8")
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```(?:sh|bash)?\n(.*?)```", section, re.S)
    assert block is not None
    commands = [line for line in block.group(1).splitlines() if line.strip()]
    assert commands == ["./dev.sh demo", "./dev.sh test"]


def test_every_path_the_readme_names_exists() -> None:
    """A file or folder the README points to (tests, benchmarks, app code) is really there."""
    readme = Path("README.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`((?:app|tests|bench|migrations)/[\w./-]*)`", readme))
    assert len(named) > 10
    missing = sorted(p for p in named if "<" not in p and not Path(p).exists())
    assert not missing, f"the README names paths that do not exist: {missing}"
