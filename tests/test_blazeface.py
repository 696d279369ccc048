"""BlazeFace (MediaPipe's face detector via OpenCV DNN): anchors, decoding, suppression, a
real face, the files, and the pipeline with it. Frames are made in memory from
scikit-image's astronaut photo; nothing is written but test files in pytest's folders."""

from __future__ import annotations

import io
import tarfile
import warnings
from pathlib import Path

import cv2
import numpy as np
import pytest

from installation.config import load_settings
from installation.params import load_catalogue
from installation.vision.blazeface import (
    SPECS,
    BlazeFace,
    Letterbox,
    anchor_centres,
    decode,
    weighted_nms,
)
from installation.vision.blazeface_files import (
    MEMBERS,
    FaceDetectorError,
    blazeface_status,
    fetch_blazeface,
    model_path,
)
from installation.vision.boxes import Box, iou
from installation.vision.dnn_detect import HAAR_SHIFT, plan_tiles
from installation.vision.gallery import CONDITIONS, gallery_frame, is_found
from installation.vision.models import ModelError
from installation.vision.pipeline import VisionPipeline, VisionSettings
from installation.vision.samples import ASTRONAUT_FACE, astronaut, background, face_patch
from installation.vision.select import choose_source
from tests.vision_helpers import blazeface_dir


def test_anchors_follow_mediapipes_layout() -> None:
    short, full = anchor_centres(SPECS["short"]), anchor_centres(SPECS["full"])
    assert short.shape == (896, 2) and full.shape == (2304, 2)
    # Short range: a 16x16 map with two anchors a place, then 8x8 with six (3 layers x 2).
    assert np.allclose(short[0], short[1]) and np.allclose(short[0], [0.5 / 16, 0.5 / 16])
    assert np.allclose(short[2], [1.5 / 16, 0.5 / 16])
    assert np.allclose(short[511], [15.5 / 16, 15.5 / 16])
    assert np.allclose(short[512:518], [0.5 / 8, 0.5 / 8])
    assert np.allclose(short[518], [1.5 / 8, 0.5 / 8])
    assert np.allclose(full[0], [0.5 / 48, 0.5 / 48]) and np.allclose(
        full[48], [0.5 / 48, 1.5 / 48]
    )


def test_decoding_offsets_sizes_keypoints_and_clipped_scores() -> None:
    anchors = anchor_centres(SPECS["short"])
    logits = np.full((1, 896, 1), -50.0, np.float32)
    raw = np.zeros((1, 896, 16), np.float32)
    logits[0, 600] = 1000.0  # clipped to 100 before the sigmoid: no overflow, score 1
    raw[0, 600, :4] = (12.8, -6.4, 32.0, 25.6)  # pixels of the 128 input
    raw[0, 600, 4:6] = (-6.4, -6.4)  # the first keypoint, up and left of the anchor
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        scores, rows = decode(logits, raw, anchors, 128, 0.5)
    assert scores.shape == (1,) and scores[0] == pytest.approx(1.0)
    cx, cy = anchors[600] + (0.1, -0.05)
    assert rows[0, :4] == pytest.approx([cx - 0.125, cy - 0.1, cx + 0.125, cy + 0.1], abs=1e-6)
    assert rows[0, 4:6] == pytest.approx(anchors[600] - 0.05, abs=1e-6)
    assert rows[0, 6:8] == pytest.approx(anchors[600], abs=1e-6)  # no offset: the anchor
    assert decode(logits, raw, anchors, 128, 1.01)[0].size == 0


def test_weighted_nms_merges_overlaps_and_keeps_apart_faces() -> None:
    rows = np.zeros((3, 16), np.float32)
    rows[0, :4] = (0.10, 0.10, 0.30, 0.30)
    rows[1, :4] = (0.12, 0.10, 0.32, 0.30)  # overlaps the first (IoU ~0.82)
    rows[2, :4] = (0.60, 0.60, 0.80, 0.80)
    scores = np.array([0.9, 0.3, 0.8], np.float32)
    out = weighted_nms(scores, rows, threshold=0.3)
    assert [round(score, 2) for score, _ in out] == [0.9, 0.8]
    # The cluster's box is the score-weighted mean: 0.75 of the first, 0.25 of the second.
    assert out[0][1][0] == pytest.approx(0.75 * 0.10 + 0.25 * 0.12)
    assert out[1][1][:4] == pytest.approx(rows[2, :4])
    assert weighted_nms(np.zeros(0, np.float32), np.zeros((0, 16), np.float32)) == []


def test_letterbox_maps_input_fractions_back_to_the_frame() -> None:
    box = Letterbox.fit(640, 480, 128)
    assert (box.scale, box.pad_x, box.pad_y) == (0.2, 0.0, 16.0)
    x, y = box.to_frame(np.array([0.0, 1.0]), np.array([16 / 128, 112 / 128]), 640, 480)
    assert x == pytest.approx([0.0, 1.0]) and y == pytest.approx([0.0, 1.0])


@pytest.mark.parametrize("which", ["short", "full"])
def test_a_real_face_is_found_with_eyes_above_the_mouth(which: str) -> None:
    blazeface_dir()
    detector = BlazeFace(which)  # type: ignore[arg-type]
    photo = astronaut()
    fx, fy, fw, fh = ASTRONAUT_FACE
    haar = Box(fx / 512, fy / 512, fw / 512, fh / 512)
    for image in (photo, cv2.cvtColor(photo, cv2.COLOR_BGR2GRAY)):  # colour and grey
        found = detector.detect(image)
        assert len(found) == 1, found
        face = found[0]
        assert face.score > 0.8
        assert iou(face.box, haar) > 0.6
        (rx, ry), (lx, ly) = face.eyes
        _, (mx, my) = face.keypoints[2], face.keypoints[3]
        assert max(ry, ly) < my  # eyes above the mouth
        assert rx < mx < lx  # her right eye on the picture's left, the mouth between
        cx, _ = face.box.centre
        assert rx < cx < lx


def test_a_face_at_the_frame_edge_and_no_face() -> None:
    blazeface_dir()
    detector = BlazeFace("short")
    assert detector.detect(np.full((480, 640, 3), 90, np.uint8)) == []
    assert detector.detect(np.zeros((4, 4), np.uint8)) == []
    frame = np.full((480, 640, 3), 90, np.uint8)
    frame[300:480, 0:180] = face_patch(180)  # the bottom-left corner
    (face,) = detector.detect(frame)
    assert face.box.x < 0.2 and face.box.y > 0.6


def test_tiles_hold_every_face_up_to_half_a_tile_wholly() -> None:
    tiles = plan_tiles(640, 480)
    assert len(tiles) == 31 and tiles[0].x1 == 640 and tiles[0].y1 == 480
    smallest = tiles[-1].x1 - tiles[-1].x0
    rng = np.random.default_rng(1)
    for _ in range(300):
        size = int(rng.integers(8, smallest // 2))
        x, y = int(rng.integers(0, 640 - size)), int(rng.integers(0, 480 - size))
        assert any(
            t.x0 <= x and x + size <= t.x1 and t.y0 <= y and y + size <= t.y1
            for t in tiles[7:]  # the smallest level alone
        )


def test_gallery_frames_are_seeded_and_hold_the_face_where_said() -> None:
    crop = face_patch(64)
    for condition in CONDITIONS:
        frame, box = gallery_frame(crop, 60, condition, seed=3)
        again, same = gallery_frame(crop, 60, condition, seed=3)
        assert frame.shape == (480, 640, 3) and np.array_equal(frame, again) and box == same
        assert box.w == pytest.approx(60 / 640)
    plain, box = gallery_frame(crop, 60, "plain", seed=3)
    dim, _ = gallery_frame(crop, 60, "dim", seed=3)
    assert dim.mean() < 0.4 * plain.mean()
    assert is_found(box, [Box(box.x + 0.01, box.y, box.w, box.h)])
    assert not is_found(box, [Box(0.0, 0.0, 0.05, 0.05)])
    with pytest.raises(ValueError, match="face size"):
        gallery_frame(crop, 4)


def test_a_missing_or_damaged_model_is_named_with_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INSTALLATION_MODELS", str(tmp_path))
    with pytest.raises(FaceDetectorError, match=r"not found at .*short_range.*models fetch"):
        BlazeFace("short")
    ok, why = blazeface_status("full")
    assert not ok and "full_range" in why
    model_path("short").write_bytes(b"TFL3 not really a model")
    with pytest.raises(FaceDetectorError, match=r"SHA-256 .*delete it and run `installation"):
        BlazeFace("short")
    # A file that passes no checksum (another path) but is no model: still a clear error.
    with pytest.raises(FaceDetectorError, match="cannot be loaded"):
        BlazeFace("short", path=model_path("short"))


def test_a_bad_download_installs_nothing(tmp_path: Path) -> None:
    fake = tmp_path / "fake.tgz"
    with tarfile.open(fake, "w:gz") as archive:
        for name in (*MEMBERS.values(), "package/package.json"):
            info = tarfile.TarInfo(name)
            info.size = 4
            archive.addfile(info, io.BytesIO(b"fake"))
    target = tmp_path / "models"
    with pytest.raises(ModelError, match=r"expected .*not installing it"):
        fetch_blazeface(target, url=fake.as_uri())
    assert not target.exists()


def _write_video(path: Path) -> Path:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), 30.0, (640, 480))
    for _ in range(5):
        writer.write(background())
    writer.release()
    return path


def test_without_the_model_the_show_finds_faces_with_haar_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    video = _write_video(tmp_path / "room.avi")
    monkeypatch.setenv("INSTALLATION_MODELS", str(tmp_path / "empty"))
    overrides = [f'source.input="file:{video}"', 'vision.smile_model="haar"']
    settings = load_settings(load_catalogue(), overrides=overrides)
    assert settings.config.vision.face_detector == "blazeface"
    choice = choose_source(settings.config)
    try:
        notices = "\n".join(choice.notices)
        assert "faces by the Haar face cascade" in notices
        assert "short_range.tflite" in notices and "installation models fetch" in notices
        assert "finding faces with the Haar face cascade meanwhile" in notices
    finally:
        choice.source.stop()


def _moving_face(t: int) -> np.ndarray:
    frame = background().copy()
    x, y = 100 + 4 * t, 120 + t
    frame[y : y + 200, x : x + 200] = face_patch(200)
    return frame


def test_the_pipeline_follows_a_moving_face_with_its_eyes() -> None:
    blazeface_dir()
    pipeline = VisionPipeline(VisionSettings(face_detector="blazeface", smile_model="haar"))
    assert pipeline.detector == "BlazeFace (short range)"
    ids, eyes = set(), []
    for t in range(60):
        observed = pipeline.process(_moving_face(t), t / 30.0)
        ids |= {o.track_id for o in observed}
        eyes += [f.eyes for f in pipeline.faces if f.seen_now]
        if t >= 40:  # found within one sweep, then kept
            assert len(observed) == 1
    assert len(ids) == 1 and pipeline.sweep.cycles >= 1
    assert eyes and all(e is not None for e in eyes)
    (face,) = pipeline.faces
    (rx, ry), (lx, ly) = face.eyes or ((0.0, 0.0), (0.0, 0.0))
    cx, cy = face.box.centre
    assert rx < cx < lx and max(ry, ly) < cy + HAAR_SHIFT * face.box.h
    # The face moved right: the box followed it (x = 100 + 4 t pixels of the patch).
    assert face.box.x > 250 / 640
    # A grey frame works too, and Haar gives no eyes.
    assert pipeline.process_gray(cv2.cvtColor(_moving_face(59), cv2.COLOR_BGR2GRAY), 2.0)
    haar = VisionPipeline(VisionSettings(face_detector="haar", smile_model="haar"))
    for t in range(40):
        haar.process(_moving_face(t), t / 30.0)
    assert haar.faces and all(f.eyes is None for f in haar.faces)
