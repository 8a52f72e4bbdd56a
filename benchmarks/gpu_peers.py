#!/usr/bin/env python3
"""GPU peers of the CUDA convolution benchmark (issue 5), PyTorch on the same shape, on one CUDA device.

  python3 benchmarks/gpu_peers.py [--shape 64,96,56,56] [--reps 50] [--device 0] [--save-input DIR]

On a float32 tensor of the given shape (default (64, 96, 56, 56)), fixed seed:
  - F.conv2d dense 7x7 depthwise (padding=3, groups=C; cuDNN, torch.backends.cudnn.benchmark = True);
  - F.conv2d 1x7 then 7x1 depthwise (the separable filter: discrete Gaussian, sigma = 1, as `scalespace bench conv`);
  - a device-to-device copy of the same tensor (torch.Tensor.copy_), reported as bandwidth (read + write bytes),
    the reference for "fraction of copy bandwidth".
Validated before timing: dense and separable against a float64 CPU computation on the first 2 images
(relative l2 <= 1e-5; cuDNN's TF32 is switched off), the copy against its source; a mismatch exits 1.
Timing: CUDA events around each call after 5 warm-up calls, synchronised; median of R. Gpx/s counts N*C*H*W input
pixels per second. --save-input writes the input as DIR/gpu_input.npy for `scalespace bench conv --input`.
Never run by its author: no GPU was available (see docs/cuda.md).
"""
import argparse
import math
import statistics
import sys

import numpy as np
import torch
import torch.nn.functional as F

p = argparse.ArgumentParser()
p.add_argument("--shape", default="64,96,56,56")
p.add_argument("--reps", type=int, default=50)
p.add_argument("--device", type=int, default=0)
p.add_argument("--save-input", default=None)
args = p.parse_args()
if not torch.cuda.is_available():
    print("SKIP: torch sees no CUDA device")
    sys.exit(0)
torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False
torch.backends.cudnn.benchmark = True
dev = torch.device("cuda", args.device)
n, c, h, w = (int(v) for v in args.shape.split(","))
k, r = 7, 3

g = torch.Generator().manual_seed(1)
x_cpu = torch.rand((n, c, h, w), generator=g, dtype=torch.float32) * 2 - 1
if args.save_input:
    np.save(f"{args.save_input}/gpu_input.npy", x_cpu.numpy())
dense_cpu = torch.rand((c, 1, k, k), generator=g, dtype=torch.float32) * 2 - 1

# discrete Gaussian T(n; s) = e^{-s} I_n(s), s = sigma^2 = 1, taps -3..3 (series; exact enough at s = 1)
def discrete_gauss(s, rad):
    out = []
    for m in range(-rad, rad + 1):
        m = abs(m)
        term = sum((s / 2) ** (2 * j + m) / (math.factorial(j) * math.factorial(j + m)) for j in range(30))
        out.append(math.exp(-s) * term)
    return out

taps = torch.tensor(discrete_gauss(1.0, r), dtype=torch.float32)
row_w = taps.view(1, 1, 1, k).repeat(c, 1, 1, 1)  # 1x7 (along W)
col_w = taps.view(1, 1, k, 1).repeat(c, 1, 1, 1)  # 7x1 (along H)

x = x_cpu.to(dev)
dense = dense_cpu.to(dev)
row_d, col_d = row_w.to(dev), col_w.to(dev)


def run_dense():
    return F.conv2d(x, dense, padding=r, groups=c)


def run_sep():
    return F.conv2d(F.conv2d(x, row_d, padding=(0, r), groups=c), col_d, padding=(r, 0), groups=c)


dst = torch.empty_like(x)


def run_copy():
    dst.copy_(x)
    return dst


def rel_l2(a, b):
    return float(torch.linalg.vector_norm((a - b).double()) / torch.linalg.vector_norm(b.double()))


# ---- validate before timing ----
m = min(n, 2)
xs = x_cpu[:m].double()
want_dense = F.conv2d(xs, dense_cpu.double(), padding=r, groups=c)
want_sep = F.conv2d(F.conv2d(xs, row_w.double(), padding=(0, r), groups=c), col_w.double(), padding=(r, 0), groups=c)
checks = {
    "dense 7x7": rel_l2(run_dense()[:m].cpu(), want_dense),
    "1x7+7x1": rel_l2(run_sep()[:m].cpu(), want_sep),
    "copy": rel_l2(run_copy().cpu(), x_cpu),
}
for name, err in checks.items():
    print(f"validate {name}: rel l2 {err:.2e}")
    if not err <= 1e-5:
        print(f"FAIL: {name} does not match the float64 reference")
        sys.exit(1)


def time_it(fn):
    for _ in range(5):
        fn()
    torch.cuda.synchronize(dev)
    ts = []
    for _ in range(args.reps):
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record()
        fn()
        b.record()
        b.synchronize()
        ts.append(a.elapsed_time(b))
    return statistics.median(ts)


px = n * c * h * w
print(f"device {torch.cuda.get_device_name(dev)}, torch {torch.__version__}, cuDNN {torch.backends.cudnn.version()}, "
      f"shape {(n, c, h, w)} float32")
for name, fn in (("dense 7x7 depthwise (cuDNN)", run_dense), ("1x7 + 7x1 depthwise", run_sep),
                 ("device-to-device copy", run_copy)):
    ms = time_it(fn)
    line = f"{name:30s} {ms:8.3f} ms  {px / ms / 1e6:8.2f} Gpx/s"
    if fn is run_copy:
        line += f"  {2 * 4 * px / ms / 1e6:8.1f} GB/s (read + write)"
    else:
        line += f"  {2 * 4 * px / ms / 1e6:8.1f} GB/s effective (in + out once)"
    print(line)
