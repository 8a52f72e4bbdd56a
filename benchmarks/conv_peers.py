#!/usr/bin/python3
"""Peers of the depthwise convolution benchmark, timed on the same tensors as `scalespace bench conv`.

  /usr/bin/python3 benchmarks/conv_peers.py [--save-inputs DIR] [--threads T] [--reps R]

For each shape (8,96,56,56) and (1,16,1024,1024), float32, the same 7-tap separable filter the Java benchmark uses
(discrete Gaussian, sigma = 1, radius 3, computed here with scipy.special.ive) and a random dense 7x7 depthwise filter:
  - SciPy  ndimage.correlate1d along W then along H (mode='constant', zero padding), whole batch;
  - OpenCV sepFilter2D per plane (BORDER_CONSTANT), 1x7 then 7x1 inside one call;
  - PyTorch CPU F.conv2d dense 7x7 depthwise (padding=3, groups=C);
  - PyTorch CPU F.conv2d 1x7 then 7x1 depthwise;
  - the machine's copy bandwidth: numpy.copyto of a 512 MiB float32 array (read + write bytes).
Every peer's output is validated against the others (separable: all three against SciPy in float64; dense: PyTorch
against a float64 NumPy direct sum on the first planes) before anything is timed; a mismatch exits 1.
Times: median of R calls after 2 warm-up calls. Mpx/s counts input pixels N*C*H*W per second.
--save-inputs writes the input tensors as DIR/conv_<shape>.npy so the Java benchmark runs on the same data.
"""
import argparse
import os
import sys
import time

import numpy as np

p = argparse.ArgumentParser()
p.add_argument("--save-inputs", default=None)
p.add_argument("--threads", type=int, default=os.cpu_count())
p.add_argument("--reps", type=int, default=7)
args = p.parse_args()

import cv2  # noqa: E402
import scipy  # noqa: E402
import scipy.ndimage as ndi  # noqa: E402
import scipy.special  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

torch.set_num_threads(args.threads)
cv2.setNumThreads(args.threads)
SHAPES = [(8, 96, 56, 56), (1, 16, 1024, 1024)]
K = 7
R = K // 2


def rel_l2(a, b):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return float(np.linalg.norm(a - b) / np.linalg.norm(a))


def timeit(fn, reps):
    fn()
    fn()
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return float(np.median(ts))


def report(name, shape, seconds, anchor=""):
    px = np.prod(shape)
    print(f"peer {name:28s} shape {','.join(map(str, shape)):15s} {seconds * 1e3:9.2f} ms  "
          f"Mpx/s: {px / seconds / 1e6:9.1f} {anchor}", flush=True)


print(f"python {sys.version.split()[0]}, numpy {np.__version__}, scipy {scipy.__version__}, "
      f"opencv {cv2.__version__}, torch {torch.__version__}; threads: torch {torch.get_num_threads()}, "
      f"opencv {cv2.getNumThreads()}, scipy 1")

# discrete Gaussian T(n; s=1) = e^-s I_n(s), n = -3..3 (not renormalised), as GaussianFilters builds it
g = scipy.special.ive(np.abs(np.arange(-R, R + 1)), 1.0).astype(np.float32)

# copy bandwidth
big = np.random.default_rng(0).standard_normal(128 << 20, dtype=np.float32)  # 512 MiB
dst = np.empty_like(big)
tc = timeit(lambda: np.copyto(dst, big), 5)
bw = 2 * big.nbytes / tc
print(f"copy bandwidth (numpy.copyto 512 MiB, read+write): {bw / 1e9:.1f} GB/s -> at 8 bytes/pixel "
      f"{bw / 8 / 1e6:.0f} Mpx/s", flush=True)
del big, dst

rng = np.random.default_rng(1)
for shape in SHAPES:
    n, c, h, w = shape
    x = rng.standard_normal(shape, dtype=np.float32)
    if args.save_inputs:
        os.makedirs(args.save_inputs, exist_ok=True)
        np.save(os.path.join(args.save_inputs, "conv_" + "x".join(map(str, shape)) + ".npy"), x)
    wd = (rng.standard_normal((c, 1, K, K)) / K).astype(np.float32)
    xt = torch.from_numpy(x)
    wdt = torch.from_numpy(wd)
    wrow = torch.from_numpy(np.tile(g, (c, 1)).reshape(c, 1, 1, K))
    wcol = torch.from_numpy(np.tile(g, (c, 1)).reshape(c, 1, K, 1))

    def scipy_sep():
        t = ndi.correlate1d(x, g, axis=3, mode="constant")
        return ndi.correlate1d(t, g, axis=2, mode="constant")

    ocv_out = np.empty_like(x)

    def ocv_sep():
        for i in range(n):
            for j in range(c):
                cv2.sepFilter2D(x[i, j], -1, g, g, dst=ocv_out[i, j], borderType=cv2.BORDER_CONSTANT)
        return ocv_out

    def torch_sep():
        with torch.no_grad():
            return F.conv2d(F.conv2d(xt, wrow, padding=(0, R), groups=c), wcol, padding=(R, 0), groups=c)

    def torch_dense():
        with torch.no_grad():
            return F.conv2d(xt, wdt, padding=R, groups=c)

    # ---- validate before timing
    ref = ndi.correlate1d(ndi.correlate1d(x.astype(np.float64), g.astype(np.float64), axis=3, mode="constant"),
                          g.astype(np.float64), axis=2, mode="constant")
    checks = {"scipy correlate1d": scipy_sep(), "opencv sepFilter2D": ocv_sep().copy(),
              "torch 1x7,7x1": torch_sep().numpy()}
    for name, out in checks.items():
        e = rel_l2(ref, out)
        print(f"validate {name:20s} {shape}: relative l2 vs float64 = {e:.2e}", flush=True)
        if not e <= 1e-5:
            sys.exit(f"peer {name} disagrees with the float64 reference on {shape}: {e}")
    planes = min(2, c)
    xp = np.pad(x[0, :planes].astype(np.float64), ((0, 0), (R, R), (R, R)))
    dref = np.zeros((planes, h, w))
    for i in range(K):
        for j in range(K):
            dref += wd[:planes, 0, i, j, None, None].astype(np.float64) * xp[:, i:i + h, j:j + w]
    e = rel_l2(dref, torch_dense().numpy()[0, :planes])
    print(f"validate torch dense 7x7      {shape}: relative l2 vs float64 direct sum = {e:.2e}", flush=True)
    if not e <= 1e-5:
        sys.exit(f"torch dense disagrees with the float64 reference on {shape}: {e}")
    # ---- time
    report("scipy correlate1d x2", shape, timeit(scipy_sep, args.reps))
    report("opencv sepFilter2D/plane", shape, timeit(ocv_sep, args.reps))
    report("torch conv2d 1x7,7x1", shape, timeit(torch_sep, args.reps))
    report("torch conv2d dense 7x7", shape, timeit(torch_dense, args.reps))
