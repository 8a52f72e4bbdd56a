#!/usr/bin/env python3
"""A ConvNeXt-T-shaped state dict (random weights, the real tensor shapes: 28.6M parameters, ~110 MB float32),
saved with torch.save, for timing how long reading a real-sized checkpoint takes against fitting its 6,624
depthwise 7x7 filters.

Usage: /usr/bin/python3 benchmarks/make_convnext_checkpoint.py OUT.pth
"""
import sys
from collections import OrderedDict

import torch

g = torch.Generator().manual_seed(0)
sd = OrderedDict()
dims, depths = (96, 192, 384, 768), (3, 3, 9, 3)
sd["downsample_layers.0.0.weight"] = torch.randn(96, 3, 4, 4, generator=g)
sd["downsample_layers.0.0.bias"] = torch.randn(96, generator=g)
for i, (c, d) in enumerate(zip(dims, depths)):
    if i > 0:
        sd[f"downsample_layers.{i}.0.weight"] = torch.randn(dims[i - 1], generator=g)
        sd[f"downsample_layers.{i}.1.weight"] = torch.randn(c, dims[i - 1], 2, 2, generator=g)
    for b in range(d):
        p = f"stages.{i}.{b}."
        sd[p + "dwconv.weight"] = torch.randn(c, 1, 7, 7, generator=g)
        sd[p + "dwconv.bias"] = torch.randn(c, generator=g)
        sd[p + "norm.weight"] = torch.randn(c, generator=g)
        sd[p + "pwconv1.weight"] = torch.randn(4 * c, c, generator=g)
        sd[p + "pwconv1.bias"] = torch.randn(4 * c, generator=g)
        sd[p + "pwconv2.weight"] = torch.randn(c, 4 * c, generator=g)
        sd[p + "pwconv2.bias"] = torch.randn(c, generator=g)
        sd[p + "gamma"] = torch.randn(c, generator=g)
sd["head.weight"] = torch.randn(1000, 768, generator=g)
sd["head.bias"] = torch.randn(1000, generator=g)
torch.save(sd, sys.argv[1])
n = sum(t.numel() for t in sd.values())
dw = sum(t.shape[0] for k, t in sd.items() if k.endswith("dwconv.weight"))
print(f"{sys.argv[1]}: {n} parameters, {dw} depthwise 7x7 filters in {sum(1 for k in sd if k.endswith('dwconv.weight'))} layers")
