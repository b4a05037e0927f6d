"""The installed package: one import name, rules shipped inside it, usable from any directory."""
from __future__ import annotations

import subprocess
import sys
import sysconfig
from importlib import metadata

import pytest

from pathlib import Path

from conftest import EXAMPLES, ROOT


def _installed_files():
    # Look in site-packages only: an in-tree build leaves deploy_advisor.egg-info in the checkout,
    # which would shadow the installed distribution when tests run from the repository root.
    paths = sorted({sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]})
    dist = next(iter(metadata.distributions(name="deploy-advisor", path=paths)))
    return [str(f) for f in dist.files or []]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The wheel and sdist built from the checkout: what is checked is what would ship, whether the
    tests run on an editable install (development) or an installed one."""
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
                   check=True, timeout=300)
    return out


def test_no_generic_top_level_module_is_installed(built):
    import zipfile

    (wheel,) = built.glob("*.whl")
    files = zipfile.ZipFile(wheel).namelist()
    tops = {f.split("/")[0] for f in files}
    tops = {t for t in tops if not t.endswith((".dist-info", ".egg-info"))}
    assert tops == {"deploy_advisor"}, tops
    assert "deploy_advisor/examples/payments-api.yaml" in files  # init --example
    assert "deploy_advisor/docs/schemas/rules.schema.json" in files  # the rule files' $schema comments
    meta = zipfile.ZipFile(wheel).read(next(f for f in files if f.endswith("METADATA"))).decode()
    assert "License-Expression: MIT" in meta and any(f.endswith("licenses/LICENSE") for f in files)


def test_sdist_ships_no_tests_it_could_not_run(tmp_path):
    import tarfile

    subprocess.run([sys.executable, "-c", "import setuptools.build_meta as b, sys; b.build_sdist(sys.argv[1])",
                    str(tmp_path)], check=True, cwd=ROOT, timeout=300, capture_output=True)
    (sdist,) = tmp_path.glob("*.tar.gz")
    names = tarfile.open(sdist).getnames()
    assert not [n for n in names if "/tests/" in n] and any(n.endswith("/LICENSE") for n in names)


def test_rule_files_ship_inside_the_package():
    from deploy_advisor.engine.rulefiles import shipped_rules_dir

    folder = shipped_rules_dir()
    assert (folder / "criteria.yaml").is_file() and (folder / "deployment-options.md").is_file()
    assert len(list(folder.glob("*.yaml"))) > 5


def test_runs_from_any_directory(tmp_path):
    example = EXAMPLES / "payments-api.yaml"
    out = subprocess.run([sys.executable, "-m", "deploy_advisor", "recommend", "--format", "json", str(example)],
                         cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert '"recommendation"' in out.stdout


def test_engine_does_not_import_wizard_or_cli():
    code = ("import sys, deploy_advisor.engine.api as api; api.recommend({'latency': 'critical'}); "
            "bad = [m for m in sys.modules if m.startswith(('deploy_advisor.wizard', 'deploy_advisor.commands', "
            "'deploy_advisor.main', 'questionary'))]; print(bad); sys.exit(1 if bad else 0)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr
