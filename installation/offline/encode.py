"""Writing frames: H.264, ProRes and FFV1 through PyAV, or a numbered PNG sequence.

Colour: the renderer draws sRGB. H.264 and ProRes store it as BT.709 YUV, limited range,
and say so in the stream, because players assume BT.709 for HD video that carries no tags:
FFmpeg's default conversion (BT.601, untagged) shifted saturated greens by up to 40 levels
in such players, and this piece is about colour. FFV1 keeps RGB and is tagged as sRGB.

`open_sink` checks the output (file name, codec, size) before any frame is drawn; an
`EncoderThread` then encodes on a worker thread fed by a bounded queue, so the GL thread
draws the next frame while the last one is encoded (PyAV releases the GIL inside FFmpeg).
"""

from __future__ import annotations

import contextlib
import queue
import threading
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Protocol, cast

import av
import numpy as np
import numpy.typing as npt
from av.video.codeccontext import VideoCodecContext

from installation.errors import UserError


@dataclass(frozen=True)
class CodecSpec:
    name: str
    suffix: str  # the container this codec is written in ("" for the PNG sequence)
    encoder: str
    pix_fmt: str
    even_width: bool = False
    even_height: bool = False
    options: dict[str, str] = field(default_factory=dict)

    @property
    def is_yuv(self) -> bool:
        return self.pix_fmt.startswith("yuv")


# Colour tags, as FFmpeg numbers them (libavutil/pixfmt.h): the same numbers are written into
# the H.264 VUI and the QuickTime/Matroska colour atoms.
BT709 = 1  # primaries, transfer and matrix: ITU-R BT.709
SRGB_TRANSFER = 13  # IEC 61966-2-1
RGB_MATRIX = 0  # no matrix: the planes are R, G and B
LIMITED_RANGE = 1  # "MPEG"/"tv": luma 16-235
FULL_RANGE = 2  # "JPEG"/"pc": 0-255


CODECS: dict[str, CodecSpec] = {
    # 4:2:0 halves both dimensions of the colour planes, so both must be even.
    "h264": CodecSpec(
        "h264", ".mp4", "libx264", "yuv420p", True, True, {"crf": "18", "preset": "fast"}
    ),
    # ProRes 422 HQ (profile 3); 4:2:2 halves the width of the colour planes.
    "prores": CodecSpec(
        "prores", ".mov", "prores_ks", "yuv422p10le", True, False, {"profile": "3"}
    ),
    # Lossless: RGB stored as is, so a decoded frame equals the rendered one.
    "ffv1": CodecSpec("ffv1", ".mkv", "ffv1", "bgr0", options={"level": "3"}),
    "png": CodecSpec("png", "", "png", "rgb24"),
}
PNG_PATTERN = "frame_%06d.png"


class UnsupportedOutputError(UserError):
    """The output name, codec or size cannot be written."""


def choose_codec(output: Path, codec: str | None) -> str:
    """The codec asked for, or the one the output's suffix implies; refuses a mismatch."""
    suffix = output.suffix.lower()
    by_suffix = {spec.suffix: name for name, spec in CODECS.items() if spec.suffix}
    if codec is None:
        if suffix in by_suffix:
            return by_suffix[suffix]
        if suffix in ("", ".png"):
            return "png"
        raise UnsupportedOutputError(
            f"{output}: cannot tell the codec from {suffix!r}; use .mp4 (h264), .mov (prores), "
            ".mkv (ffv1), a folder or frame_%06d.png (png), or --codec"
        )
    spec = CODECS[codec]
    if codec == "png":
        if suffix not in ("", ".png"):
            raise UnsupportedOutputError(
                f"{output}: --codec png writes a folder or a pattern like out/{PNG_PATTERN}"
            )
    elif suffix != spec.suffix:
        raise UnsupportedOutputError(
            f"{output}: --codec {codec} is written to a {spec.suffix} file "
            f"(e.g. {output.with_suffix(spec.suffix)})"
        )
    return codec


def _encoder_opens(spec: CodecSpec, size: tuple[int, int]) -> bool:
    """Whether FFmpeg opens this codec's encoder at this size (a few ms, no frame encoded).

    Asked of FFmpeg itself because its limits are its own and differ by encoder: every
    picture must stay under 2^31 bytes of padded rows (16384x16384 fails for all), and FFV1
    finds no slice layout past about 16384x12960.
    """
    context = cast(VideoCodecContext, av.CodecContext.create(spec.encoder, "w"))
    context.width, context.height = size
    context.pix_fmt = spec.pix_fmt
    context.time_base = Fraction(1, 30)
    context.options = dict(spec.options)
    try:
        context.open()
    except av.FFmpegError:
        return False
    return True


def _tallest_that_opens(spec: CodecSpec, width: int, height: int) -> int:
    """The largest height up to `height` (even where the codec needs it) FFmpeg opens."""
    low, high = 0, height  # low opens (or is 0), high does not
    while high - low > 1:
        middle = (low + high) // 2
        if _encoder_opens(spec, (width, middle)):
            low = middle
        else:
            high = middle
    return low - (low % 2 if spec.even_height else 0)


def check_size(codec: str, size: tuple[int, int]) -> None:
    """Refuse sizes the codec cannot hold (chroma subsampling, FFmpeg's own limits), saying
    what would work."""
    spec = CODECS[codec]
    width, height = size
    odd = (spec.even_width and width % 2) or (spec.even_height and height % 2)
    if odd:
        even = (
            width + (width % 2 if spec.even_width else 0),
            height + (height % 2 if spec.even_height else 0),
        )
        need = "width and height" if spec.even_height else "width"
        raise UnsupportedOutputError(
            f"--size {width}x{height}: {codec} ({spec.pix_fmt}) needs an even {need}; "
            f"try --size {even[0]}x{even[1]}, or --codec ffv1 or png for any size"
        )
    if not _encoder_opens(spec, size):
        tallest = _tallest_that_opens(spec, width, height)
        fits = f"the tallest that fits at this width is --size {width}x{tallest}"
        raise UnsupportedOutputError(
            f"--size {width}x{height}: too large for FFmpeg's {spec.encoder} encoder ({codec}); "
            + (fits if tallest > 0 else "try a smaller --size")
        )


def png_pattern(output: Path) -> Path:
    """`out/frame_%06d.png` as given, or a folder to write frame_000000.png ... into."""
    if output.suffix.lower() == ".png":
        text = output.name
        try:
            distinct = (text % 1) != (text % 2)
        except (TypeError, ValueError):
            distinct = False
        if not distinct or text.count("%") != 1:
            raise UnsupportedOutputError(
                f"{output}: a PNG sequence needs a frame number in the name, like "
                f"{output.parent / PNG_PATTERN}, or a folder name"
            )
        return output
    return output / PNG_PATTERN


def existing_output(output: Path, codec: str, frames: range) -> str | None:
    """What writing `frames` to `output` would replace, said as a sentence; None: nothing."""
    if codec == "png":
        pattern = str(png_pattern(output))
        taken = [n for n in frames if Path(pattern % n).exists()]
        if len(taken) == 1:
            return f"{pattern % taken[0]} exists"
        if taken:
            return f"{len(taken)} of the PNG files to write exist ({pattern % taken[0]}, ...)"
        return None
    if output.is_file() and output.stat().st_size > 0:
        return f"{output} exists"
    return None


def rgb_from_readback(raw: bytes, size: tuple[int, int]) -> npt.NDArray[np.uint8]:
    """GL rows come bottom first; a picture is top first."""
    width, height = size
    image = np.frombuffer(raw, dtype=np.uint8).reshape(height, width, 3)
    return np.ascontiguousarray(image[::-1])


class FrameSink(Protocol):
    def write(self, rgb: npt.NDArray[np.uint8], index: int) -> None:
        """Encode frame number `index` (an RGB picture, top row first)."""
        ...

    def close(self) -> None:
        """Flush everything still in the encoder and finish the file."""
        ...


class VideoFile:
    """One video stream in a container (mp4, mov, mkv) at a constant frame rate."""

    def __init__(self, path: Path, codec: str, size: tuple[int, int], fps: float) -> None:
        spec = CODECS[codec]
        _make_parent(path)
        try:
            self._container = av.open(str(path), mode="w")
        except (OSError, av.FFmpegError) as exc:
            raise UserError(f"{path}: cannot write the video: {exc}") from None
        rate = Fraction(fps).limit_denominator(1001)
        stream = self._container.add_stream(spec.encoder, rate=rate, options=spec.options)
        assert isinstance(stream, av.VideoStream)  # a video encoder gives a video stream
        self._stream = stream
        self._stream.width, self._stream.height = size
        self._stream.pix_fmt = spec.pix_fmt
        self._stream.time_base = 1 / rate
        self._spec = spec
        _tag_colour(self._stream.codec_context, spec)
        self._count = 0
        try:
            # PyAV opens the file lazily, at the first frame; open it now, so a path that
            # cannot be written is refused before anything is drawn.
            self._container.start_encoding()
        except (OSError, av.FFmpegError) as exc:
            with contextlib.suppress(OSError, av.FFmpegError):
                self._container.close()
            raise UserError(f"{path}: cannot write the video: {exc}") from None

    def write(self, rgb: npt.NDArray[np.uint8], index: int) -> None:
        frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
        if self._spec.is_yuv:
            # Convert here, with the matrix the stream is tagged with; left to the encoder,
            # FFmpeg would use BT.601.
            frame = frame.reformat(
                format=self._spec.pix_fmt,
                dst_colorspace="ITU709",
                dst_color_range="MPEG",
                dst_color_trc=BT709,
                dst_color_primaries=BT709,
            )
        # Timestamps count from 0 in every file, so parts of a render join end to end.
        frame.pts = self._count
        self._count += 1
        self._container.mux(self._stream.encode(frame))

    def close(self) -> None:
        try:
            # Without this flush an encoder that buffers (x264 does) loses the last frames.
            self._container.mux(self._stream.encode(None))
        finally:
            self._container.close()


class PngSequence:
    """Numbered PNG files; a frame's number is its number in the whole render."""

    def __init__(self, pattern: Path, size: tuple[int, int]) -> None:
        _make_parent(pattern)
        self._pattern = str(pattern)
        self._codec = av.CodecContext.create("png", "w")
        self._codec.width, self._codec.height = size
        self._codec.pix_fmt = "rgb24"

    def write(self, rgb: npt.NDArray[np.uint8], index: int) -> None:
        frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
        data = b"".join(bytes(packet) for packet in self._codec.encode(frame))
        Path(self._pattern % index).write_bytes(data)

    def close(self) -> None:
        """Each PNG is complete when written; nothing is buffered."""


def open_sink(output: Path, codec: str, size: tuple[int, int], fps: float) -> FrameSink:
    """Check the size and open the output; errors are for people (exit 2)."""
    check_size(codec, size)
    if codec == "png":
        return PngSequence(png_pattern(output), size)
    return VideoFile(output, codec, size, fps)


def _tag_colour(codec: av.video.codeccontext.VideoCodecContext, spec: CodecSpec) -> None:
    """Say in the stream how its pixels are to be read back as the colours drawn."""
    codec.color_primaries = BT709  # sRGB shares BT.709's primaries
    if spec.is_yuv:
        codec.color_trc, codec.colorspace, codec.color_range = BT709, BT709, LIMITED_RANGE
    else:
        codec.color_trc, codec.colorspace, codec.color_range = SRGB_TRANSFER, RGB_MATRIX, FULL_RANGE


def _make_parent(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"{path.parent}: cannot create the folder: {exc.strerror}") from None


_DONE = None


class EncoderThread:
    """Encodes on a worker thread; `submit` blocks only while `depth` frames are waiting.

    The queue is bounded so a slow encoder holds the renderer back instead of filling memory.
    """

    def __init__(
        self, sink: FrameSink, size: tuple[int, int], depth: int = 4, output: str = ""
    ) -> None:
        self._sink = sink
        self._output = output  # named in the error, if encoding fails
        self._size = size
        self._queue: queue.Queue[tuple[bytes, int] | None] = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self.written = 0
        self._thread = threading.Thread(target=self._run, name="encoder", daemon=True)
        self._thread.start()

    def submit(self, raw: bytes, index: int) -> None:
        """Hand over one read-back frame (GL row order); raises if the encoder failed."""
        while True:
            self._raise_error()
            try:
                self._queue.put((raw, index), timeout=0.1)
                return
            except queue.Full:
                continue

    def close(self) -> None:
        """Encode everything submitted, flush the encoder, finish the file."""
        while self._thread.is_alive():
            try:
                self._queue.put(_DONE, timeout=0.1)
                break
            except queue.Full:
                continue
        self._thread.join()
        self._raise_error()

    def _raise_error(self) -> None:
        if self._error is not None:
            where = f"{self._output}: " if self._output else ""
            raise UserError(f"{where}encoding failed: {self._error}") from self._error

    def _run(self) -> None:
        try:
            while (item := self._queue.get()) is not _DONE:
                raw, index = item
                self._sink.write(rgb_from_readback(raw, self._size), index)
                self.written += 1
        except Exception as exc:  # reported to the GL thread at its next submit or close
            self._error = exc
            # Keep taking frames so the renderer never blocks on a dead encoder.
            while self._queue.get() is not _DONE:
                pass
        finally:
            try:
                self._sink.close()
            except Exception as exc:
                self._error = self._error or exc
