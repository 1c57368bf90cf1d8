"""The Python examples in the docs run as written (they are the user's first contact)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = ["getting-started.md", "graphs.md", "geometry.md"]


def _python_blocks(page: Path) -> str:
    blocks = re.findall(r"```python\n(.*?)```", page.read_text(), flags=re.S)
    return "\n".join(blocks)


@pytest.mark.parametrize("page", PAGES)
def test_page_examples_run(page: str, tmp_path: Path) -> None:
    code = _python_blocks(ROOT / "docs" / page)
    assert code.strip(), f"{page} has no python examples"
    (tmp_path / "meshes").symlink_to(ROOT / "meshes")
    script = tmp_path / "snippet.py"
    script.write_text(code)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]


def test_every_public_module_has_an_api_page() -> None:
    nav = (ROOT / "mkdocs.yml").read_text()
    for name in ["io", "geometry", "graph", "utils", "errors"]:
        assert f"api/{name}.md" in nav
        assert f"::: geonop.{name}" in (ROOT / "docs" / "api" / f"{name}.md").read_text()
