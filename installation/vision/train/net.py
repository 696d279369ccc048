"""The smile network: a small VGG-like CNN on 48x48 standardised grey crops.

Small on purpose: it reads up to four faces a frame beside the expression CNNs on one CPU
core, and 9,000 training crops do not feed a large one. Batch norm folds into the
convolutions on export, so the show runs plain conv + ReLU layers.
"""

from __future__ import annotations

import torch
from torch import nn

CHANNELS = (16, 32, 64, 96)


def _conv(inputs: int, outputs: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(inputs, outputs, 3, padding=1, bias=False),
        nn.BatchNorm2d(outputs),
        nn.ReLU(inplace=True),
    )


class SmileCnn(nn.Module):
    """N x 1 x 48 x 48 -> N logits of P(smile)."""

    def __init__(self, channels: tuple[int, int, int, int] = CHANNELS, dropout: float = 0.3):
        super().__init__()
        a, b, c, d = channels
        self.features = nn.Sequential(
            _conv(1, a),
            nn.MaxPool2d(2),  # 24
            _conv(a, b),
            _conv(b, b),
            nn.MaxPool2d(2),  # 12
            _conv(b, c),
            _conv(c, c),
            nn.MaxPool2d(2),  # 6
            _conv(c, d),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
        )
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(d, 1))

    def forward(self, batch: torch.Tensor) -> torch.Tensor:
        logits: torch.Tensor = self.head(self.features(batch)).squeeze(1)
        return logits
