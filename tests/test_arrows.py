"""The arrows between parts (DESIGN §2): the contracts in pyproject.toml hold, and the command
that prints the graph (`make arrows`) finds no cycle.

A failure names the import that breaks a contract. Remove the import (a task is queued by name
with ``egov.core.queue.task_named``; the home page's kind of code moves to the part above), or,
for a new arrow between parts that is wanted, write the decision down and change the layers.
"""

import subprocess
import sys
from pathlib import Path

import pytest
from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_are_kept(capsys: pytest.CaptureFixture[str]) -> None:
    exit_code = lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True)
    report = capsys.readouterr().out
    assert exit_code == 0, report
    assert "0 broken" in report


def test_the_graph_command_finds_no_cycle_between_parts() -> None:
    printed = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "arrows.py")],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout
    assert "Arrows between parts" in printed
    assert "Cycles between parts (0):" in printed, printed
    assert "catalog     -> core" in printed  # a real arrow is listed
