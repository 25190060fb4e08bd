"""The README cannot drift from the code: its sample summary is the format the code prints, every `make`
target it names exists, every `python -m` module it names imports. (The commands that start servers and
deployments are run for real in tests/flows/test_deployments.py; the whole run in tests/flows/test_pipeline.py.)"""

from __future__ import annotations

import importlib.util
import re
import subprocess
from pathlib import Path

from crm.summary import TEXT_HEADER, TEXT_TITLE

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")
CODE = "\n".join(
    p.read_text(encoding="utf-8") for folder in ("crm", "flows", "outbound") for p in (REPO / folder).rglob("*.py")
)


def _sample() -> list[str]:
    block = README.split("```\n" + TEXT_TITLE, 1)
    assert len(block) == 2, "the README's sample summary must start with the title the code prints:\n" + TEXT_TITLE
    return [TEXT_TITLE, *block[1].split("\n```", 1)[0].strip("\n").splitlines()]


def test_the_sample_summary_is_what_the_code_prints():
    title, header, *rest = _sample()
    assert header == TEXT_HEADER
    row = re.compile(r"^  [a-z_]+ +\d+ +\d+ +[\d,]+ +[\d,]+ +[\d,]+ +[\d,]+ +([\d,]+|-) +[\d,]+ +[\d,]+$")
    rows = [line for line in rest if line.startswith("  ")]
    assert rows and all(row.match(line) for line in rows), [line for line in rows if not row.match(line)]
    assert all(len(line) == len(header) for line in rows), "the columns of the sample rows line up with the header"
    for line in (line for line in rest if not line.startswith("  ")):
        words = line.split(":", 1)[0] + ":"
        assert words in CODE, f"the README's sample line {line!r} starts with words no code prints"


def test_every_make_target_and_module_the_readme_names_exists():
    targets = set(re.findall(r"\bmake ([a-z][a-z-]*)", README))
    modules = set(re.findall(r"python -m ([a-z_][a-z_.]*)", README))
    assert {"run", "test", "server", "deploy"} <= targets
    for target in sorted(targets):
        dry = subprocess.run(["make", "-n", target], cwd=REPO, capture_output=True, text=True, timeout=60)
        assert dry.returncode == 0, f"README names `make {target}`: {dry.stderr.strip()}"
    for module in sorted(modules):
        assert importlib.util.find_spec(module) is not None, f"README names `python -m {module}`: no such module"
