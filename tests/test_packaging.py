"""The installed wheel maps trainers/ and export/ into the tfarae namespace, and nothing else."""

import os
import subprocess
import sys
import zipfile

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out),
                    REPO], check=True, capture_output=True)
    (path,) = out.glob("tfarae-*.whl")
    return path


def test_wheel_holds_only_the_tfarae_package(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    top = {n.split("/")[0] for n in names if not n.startswith("tfarae-")}
    assert top == {"tfarae"}
    for expected in ("tfarae/trainers/arae.py", "tfarae/export/__init__.py", "tfarae/configs/tiny.yaml",
                     "tfarae/tuning/tuner.py", "tfarae/configs/search/arae.yaml"):
        assert expected in names


def test_installed_wheel_imports_from_outside_the_repo(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
                   check=True, capture_output=True)
    code = ("import tfarae, tfarae.trainers, tfarae.export, tfarae.tune, importlib.util as u;"
            "from tfarae.config import load_config; load_config('tiny');"
            "assert u.find_spec('trainers') is None and u.find_spec('export') is None;"
            "print(tfarae.trainers.__file__)")
    env = {**os.environ, "PYTHONPATH": str(target)}
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().startswith(str(target))
