"""The vision pipeline on frames made from a real face photo (scikit-image's astronaut)."""

from __future__ import annotations

import numpy as np
import pytest

from installation.vision.pipeline import VisionPipeline, VisionSettings, is_blank, to_gray
from installation.vision.samples import background, crowd_frame, face_patch
from installation.vision.sweep import plan_jobs
from tests.vision_helpers import expression_dir, model_path


def pipeline(**changes: object) -> VisionPipeline:
    expression_dir()  # the default reading (the ensemble) needs face-api's model too
    return VisionPipeline(VisionSettings(model_path=model_path(), **changes))  # type: ignore[arg-type]


def run(p: VisionPipeline, frames: list[np.ndarray], fps: float = 30.0, start: int = 0) -> list:
    return [p.process(frame, (start + i) / fps) for i, frame in enumerate(frames)]


def moving_face(size: int, steps: int, cover_mouth: bool = False) -> list[np.ndarray]:
    frames = []
    patch = face_patch(size, cover_mouth=cover_mouth)
    for i in range(steps):
        frame = background().copy()
        x, y = 60 + 6 * i, 80 + 2 * i  # drifting right and down, 6 px a frame
        frame[y : y + size, x : x + size] = patch
        frames.append(frame)
    return frames


def test_sweep_jobs_cover_every_face_position_and_size() -> None:
    jobs = plan_jobs(320, 240)
    rng = np.random.default_rng(1)
    for _ in range(500):
        size = int(rng.integers(24, 240))
        x, y = int(rng.integers(0, 321 - size)), int(rng.integers(0, 241 - size))
        assert any(
            job.min_size * 2**job.level <= size
            and (job.max_size is None or size <= job.max_size * 2**job.level)
            and job.x0 * 2**job.level <= x
            and y >= job.y0 * 2**job.level
            and x + size <= job.x1 * 2**job.level + 2**job.level
            and y + size <= job.y1 * 2**job.level + 2**job.level
            for job in jobs
        ), (x, y, size)
    assert plan_jobs(10, 10) == []


def test_a_moving_smiling_face_is_found_keeps_its_id_and_scores_high() -> None:
    results = run(pipeline(), moving_face(200, 60))
    seen = [face for faces in results for face in faces]
    assert len(seen) >= 40  # found within the first sweep, then every frame
    assert {face.track_id for face in seen} == {seen[0].track_id}
    assert all(face.smile > 0.5 for face in seen[5:])
    assert max(seen[-1].emotions) == seen[-1].emotions[3]  # happy
    last = seen[-1]
    assert last.x == pytest.approx((60 + 6 * 59 + 200 * 0.27) / 640, abs=0.05)


def test_a_covered_mouth_scores_low() -> None:
    results = run(pipeline(), moving_face(200, 40, cover_mouth=True))
    seen = [face for faces in results for face in faces]
    assert len(seen) >= 20 and all(face.smile < 0.5 for face in seen)


@pytest.mark.parametrize("count", [4, 8])
def test_several_faces_keep_distinct_stable_ids(count: int) -> None:
    frames = [crowd_frame(count, t) for t in range(90)]
    results = run(pipeline(), frames, fps=60)
    steady = results[45:]
    assert all(len(faces) == count for faces in steady)
    ids = {face.track_id for faces in steady for face in faces}
    assert len(ids) == count


def test_the_haar_reading_is_selectable() -> None:
    results = run(pipeline(smile_model="haar"), moving_face(200, 30))
    seen = [face for faces in results for face in faces]
    assert seen and all(0.0 <= face.smile <= 1.0 for face in seen)


def test_edge_tiny_many_and_no_faces_stay_bounded() -> None:
    p = pipeline(max_faces=20)
    edge = background().copy()
    edge[300:480, 540:640] = face_patch(180)[:, :100]  # cut by the right edge
    tiny = background().copy()
    tiny[10:30, 10:30] = face_patch(20)
    crowd = crowd_frame(20, 0, width=1280, height=960)
    for frames in ([edge] * 20, [tiny] * 20, [background()] * 20):
        for faces in run(p, frames):
            assert all(0.0 <= f.smile <= 1.0 and -0.5 < f.x < 1.5 for f in faces)
    many = VisionPipeline(VisionSettings(model_path=model_path(), detect_width=640))
    read = many.reader.read
    crops_read: list[int] = []

    def counting(faces: list[np.ndarray], keys: list[int]) -> list:  # type: ignore[type-arg]
        crops_read.append(len(faces))
        return read(faces, keys)

    many.reader.read = counting  # type: ignore[method-assign]
    results = run(many, [crowd] * 40)
    assert 10 < len(results[-1]) <= 20  # 20 faces at once
    # The work stays bounded with 20 faces: each face is read once when it is found, then
    # faces_per_frame (2) are visited a frame, so 40 frames read at most 20 + 2 x 40 crops.
    ids = {face.track_id for faces in results for face in faces}
    assert sum(crops_read) <= len(ids) + 2 * 40


def test_odd_and_garbage_frames_do_not_break_it() -> None:
    p = pipeline()
    rng = np.random.default_rng(0)
    odd = [
        np.zeros((480, 640, 3), np.uint8),
        rng.integers(0, 256, (480, 640, 3), dtype=np.uint8),
        rng.integers(0, 65535, (240, 320), dtype=np.uint16),
        rng.random((240, 320, 4)).astype(np.float32),
        np.zeros((10, 10, 3), np.uint8),
        np.zeros((480, 640, 1), np.uint8),
    ]
    for frame in odd:
        assert isinstance(p.process(frame, 0.0), tuple)
    assert is_blank(to_gray(odd[0])) and not is_blank(to_gray(odd[1]))
    with pytest.raises(ValueError, match="not an image"):
        to_gray(np.zeros((4, 4, 2), np.uint8))
