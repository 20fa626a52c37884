"""environment.yml and pyproject.toml must list the same runtime dependencies."""

import re
import sys
from pathlib import Path

import yaml

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]


def _name(req: str) -> str:
    return re.split(r"[<>=!;\[ ]", req.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_environment_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    py = {_name(r): r.split(";")[0].strip() for r in project["dependencies"] if "python_version" not in r}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = {_name(d): d for d in env["dependencies"] if isinstance(d, str) and _name(d) not in {"python", "pip"}}
    assert set(py) == set(conda), f"only in pyproject: {set(py) - set(conda)}; only in environment.yml: {set(conda) - set(py)}"
    for name, req in py.items():  # same lower bounds too
        assert req.replace(" ", "") == conda[name].replace(" ", ""), (req, conda[name])


def test_readme_opens_with_the_two_commands_and_its_images_exist():
    """The README's first code block is exactly the two commands (install + report, install +
    tests), `.ci/run` runs the second, and every image the README shows is in the repository."""
    readme = (ROOT / "README.md").read_text()
    first_block = readme.split("```bash\n", 1)[1].split("```", 1)[0].strip().splitlines()
    assert first_block == ['bash scripts/install.sh && python -m levelup report "North East"',
                           "bash scripts/install.sh --test && python -m pytest"]
    assert "bash scripts/install.sh --test && python -m pytest" in (ROOT / ".ci" / "run").read_text()
    images = re.findall(r'<img src="([^"]+)"|!\[[^\]]*\]\(([^)]+)\)', readme)
    paths = [a or b for a, b in images]
    assert paths, "the README shows a report page"
    for p in paths:
        assert (ROOT / p).is_file(), p


def test_environment_installs_the_test_extras():
    """environment.yml installs the package with its [test] extras, so both files give the same set."""
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    assert '-e .[test]' in [p.replace('"', "") for p in pip]
