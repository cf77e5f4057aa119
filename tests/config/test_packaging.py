"""Every package of ours is installed, sorted as ours by ruff and held to the layers."""

import tomllib
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]


def our_packages() -> set[str]:
    return {
        path.parent.name
        for path in BASE_DIR.glob("*/__init__.py")
        if path.parent.name not in {"tests", "node_modules"}
    }


def test_every_package_is_installed_linted_and_layered():
    project = tomllib.loads((BASE_DIR / "pyproject.toml").read_text())
    tool = project["tool"]
    installed = {name.rstrip("*") for name in tool["setuptools"]["packages"]["find"]["include"]}
    assert installed == our_packages()
    assert set(tool["ruff"]["lint"]["isort"]["known-first-party"]) == our_packages()
    assert set(tool["importlinter"]["root_packages"]) == our_packages()
    [layers] = [c for c in tool["importlinter"]["contracts"] if c["type"] == "layers"]
    layered = {name.strip() for layer in layers["layers"] for name in layer.split("|")}
    assert layered == our_packages()
