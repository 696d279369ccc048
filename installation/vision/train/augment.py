"""Gallery light for training crops, a batch at a time (torch, on the CPU).

A face before a projection is small, turned a little, dim or lit in one colour, and seen
through a noisy, soft camera. Each crop is given a random mix of those, then made grey and
standardised exactly as the show does (`smilenet.standardise`), so the network learns the
mouth, not the light.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from installation.vision.smilenet import INPUT_SIZE, MIN_STD

# cv2.COLOR_BGR2GRAY's weights, so a grey crop here is the show's grey crop.
GREY_BGR = (0.114, 0.587, 0.299)


@dataclass(frozen=True)
class Augmentation:
    """How far each change may go (uniform within the ranges, unless said)."""

    rotate_degrees: float = 15.0
    scale: tuple[float, float] = (0.85, 1.2)  # > 1: the face fills more of the crop
    shift: float = 0.08  # of the crop's side
    flip: float = 0.5  # chance of a mirror image
    light: float = 0.6  # chance of other light: brightness, contrast and gamma below
    brightness: tuple[float, float] = (0.25, 1.3)  # a dim room to a bright one
    contrast: tuple[float, float] = (0.6, 1.3)
    gamma: tuple[float, float] = (0.75, 1.4)
    colour: float = 0.4  # chance of a coloured light (per-channel gains)
    noise: float = 0.5  # chance of camera noise
    noise_sigma: tuple[float, float] = (0.005, 0.05)  # of full scale (12/255 = 0.047)
    blur: float = 0.25  # chance of a soft image
    small: float = 0.35  # chance of a face seen at 24..44 px and enlarged


def grey(batch: torch.Tensor) -> torch.Tensor:
    """N x 3 x H x W (BGR) -> N x 1 x H x W."""
    weights = torch.tensor(GREY_BGR, dtype=batch.dtype).view(1, 3, 1, 1)
    return (batch * weights).sum(dim=1, keepdim=True)


def standardise(batch: torch.Tensor) -> torch.Tensor:
    """Per crop to zero mean, unit spread (smilenet.standardise's twin, on tensors)."""
    mean = batch.mean(dim=(1, 2, 3), keepdim=True)
    std = batch.std(dim=(1, 2, 3), keepdim=True, unbiased=False).clamp_min(MIN_STD)
    return (batch - mean) / std


def plain(batch: torch.Tensor) -> torch.Tensor:
    """No augmentation: uint8 BGR crops N x H x W x 3 -> what the network reads."""
    images = batch.permute(0, 3, 1, 2).float() / 255.0
    resized = F.interpolate(images, size=(INPUT_SIZE, INPUT_SIZE), mode="area")
    return standardise(grey(resized))


def augment(
    batch: torch.Tensor, settings: Augmentation, generator: torch.Generator
) -> torch.Tensor:
    """uint8 BGR crops N x H x W x 3 -> augmented network input N x 1 x 48 x 48."""
    n = batch.shape[0]
    images = batch.permute(0, 3, 1, 2).float() / 255.0

    def uniform(low: float, high: float, *shape: int) -> torch.Tensor:
        return low + (high - low) * torch.rand(n, *shape, generator=generator)

    # Geometry: one affine resampling straight to the network's size.
    angle = uniform(-settings.rotate_degrees, settings.rotate_degrees) * math.pi / 180.0
    zoom = 1.0 / uniform(*settings.scale)
    flip = torch.where(torch.rand(n, generator=generator) < settings.flip, -1.0, 1.0)
    cos, sin = torch.cos(angle) * zoom, torch.sin(angle) * zoom
    shift = uniform(-settings.shift, settings.shift, 2) * 2.0
    theta = torch.stack(
        [
            torch.stack([cos * flip, -sin, shift[:, 0]], dim=1),
            torch.stack([sin * flip, cos, shift[:, 1]], dim=1),
        ],
        dim=1,
    )
    grid = F.affine_grid(theta, [n, 3, INPUT_SIZE, INPUT_SIZE], align_corners=False)
    images = F.grid_sample(images, grid, padding_mode="border", align_corners=False)

    # Coloured light, then grey as the camera path makes it.
    coloured = torch.rand(n, 1, 1, 1, generator=generator) < settings.colour
    gains = uniform(0.15, 1.0, 3, 1, 1)
    images = torch.where(coloured, images * gains / gains.amax(dim=1, keepdim=True), images)
    images = grey(images)

    # Exposure: contrast about the crop's mean, gamma, brightness.
    lit = torch.rand(n, 1, 1, 1, generator=generator) < settings.light
    mean = images.mean(dim=(1, 2, 3), keepdim=True)
    exposed = (images - mean) * uniform(*settings.contrast, 1, 1, 1) + mean
    exposed = exposed.clamp(0.0, 1.0) ** uniform(*settings.gamma, 1, 1, 1)
    exposed = exposed * uniform(*settings.brightness, 1, 1, 1)
    images = torch.where(lit, exposed, images)

    # A small face: seen at a few pixels, enlarged by the crop.
    small = torch.nonzero(torch.rand(n, generator=generator) < settings.small).flatten()
    if len(small):
        side = int(torch.randint(24, 45, (1,), generator=generator))
        seen = F.interpolate(images[small], size=(side, side), mode="area")
        images[small] = F.interpolate(seen, size=(INPUT_SIZE, INPUT_SIZE), mode="bilinear")

    # Soft focus: a 3x3 or 5x5 box blur.
    soft = torch.nonzero(torch.rand(n, generator=generator) < settings.blur).flatten()
    if len(soft):
        width = 3 if torch.rand(1, generator=generator) < 0.8 else 5
        images[soft] = F.avg_pool2d(
            images[soft], width, stride=1, padding=width // 2, count_include_pad=False
        )

    # Sensor noise, then the 8-bit camera.
    noisy = torch.rand(n, 1, 1, 1, generator=generator) < settings.noise
    sigma = torch.where(noisy, uniform(*settings.noise_sigma, 1, 1, 1), 0.0)
    images = images + sigma * torch.randn(images.shape, generator=generator)
    images = torch.round(images.clamp(0.0, 1.0) * 255.0) / 255.0
    return standardise(images)
