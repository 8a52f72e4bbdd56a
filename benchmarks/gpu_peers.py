#!/usr/bin/env python3
"""GPU peers of the CUDA convolution benchmark, PyTorch on the same shapes, on one CUDA device.

  python3 benchmarks/gpu_peers.py [--shape 64,96,56,56 ...] [--reps 50] [--device 0] [--save-input DIR] [--json FILE]

On a float32 tensor of each given shape (--shape may be repeated; default (64, 96, 56, 56)), fixed seed:
  - F.conv2d dense 7x7 depthwise (padding=3, groups=C) on the NCHW tensor: for float32 NCHW PyTorch runs its own
    depthwise kernel (aten's conv_depthwise2d) rather than cuDNN; which one it picked is printed;
  - the same on a channels-last copy, where PyTorch hands depthwise convolutions to cuDNN (printed too);
    torch.backends.cudnn.benchmark = True;
  - F.conv2d 1x7 then 7x1 depthwise (the separable filter: discrete Gaussian, sigma = 1, as `scalespace bench conv`);
  - a device-to-device copy of the same tensor (torch.Tensor.copy_), reported as bandwidth (read + write bytes),
    the reference for "fraction of copy bandwidth".
Validated before timing: dense, channels-last dense and separable against a float64 CPU computation on the first 2
images (relative l2 <= 1e-5; cuDNN's TF32 is switched off), the copy against its source; a mismatch exits 1.
Timing: CUDA events around each call after 5 warm-up calls, synchronised; median of R. Gpx/s counts N*C*H*W input
pixels per second; GB/s counts the input read and the output written once (8 bytes per pixel).
Which convolution backend PyTorch selects comes from torch._C._select_conv_backend where it exists, and the kernels
that ran from the profiler (one call, after the timings; left out where the profiler fails).
--save-input writes the first shape's input as DIR/gpu_input.npy for `scalespace bench conv --input`.
--json writes every figure to FILE (benchmarks/gpu/run_all.sh reads it).
Without PyTorch or without a CUDA device it prints "SKIP: <reason>" and exits 0.
"""
import argparse
import json
import math
import statistics
import sys

p = argparse.ArgumentParser()
p.add_argument("--shape", action="append", default=None, help="N,C,H,W (repeatable; default 64,96,56,56)")
p.add_argument("--reps", type=int, default=50)
p.add_argument("--device", type=int, default=0)
p.add_argument("--save-input", default=None)
p.add_argument("--json", default=None)
args = p.parse_args()
shapes = [tuple(int(v) for v in s.split(",")) for s in (args.shape or ["64,96,56,56"])]
for s in shapes:
    if len(s) != 4 or min(s) < 1:
        print(f"gpu_peers: --shape {s}: need N,C,H,W, four positive integers", file=sys.stderr)
        sys.exit(2)

try:
    import numpy as np
    import torch
    import torch.nn.functional as F
except ImportError as e:
    print(f"SKIP: PyTorch or NumPy not importable here ({e})")
    sys.exit(0)
if not torch.cuda.is_available():
    print(f"SKIP: torch {torch.__version__} sees no CUDA device")
    sys.exit(0)
torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False
torch.backends.cudnn.benchmark = True
dev = torch.device("cuda", args.device)
k, r = 7, 3


# discrete Gaussian T(n; s) = e^{-s} I_n(s), s = sigma^2 = 1, taps -3..3 (series; exact enough at s = 1)
def discrete_gauss(s, rad):
    out = []
    for m in range(-rad, rad + 1):
        m = abs(m)
        term = sum((s / 2) ** (2 * j + m) / (math.factorial(j) * math.factorial(j + m)) for j in range(30))
        out.append(math.exp(-s) * term)
    return out


def rel_l2(a, b):
    return float(torch.linalg.vector_norm((a - b).double()) / torch.linalg.vector_norm(b.double()))


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


def conv_backend(x, w, padding, groups):
    """The backend PyTorch's convolution dispatch picks for these arguments (e.g. CudaDepthwise2d, Cudnn)."""
    a = (x, w, None, (1, 1), padding, (1, 1), False, (0, 0), groups)
    err = None
    for extra in ((None,), ()):  # private API: PyTorch 2 takes bias_sizes_opt last, 1.x does not
        try:
            return str(torch._C._select_conv_backend(*a, *extra)).split(".")[-1]
        except Exception as e:
            err = e
    return f"unknown ({type(err).__name__})"


def kernels_of(fn):
    """CUDA kernel names of one call, from the profiler; None where the profiler is unavailable."""
    try:
        from torch.profiler import ProfilerActivity, profile
        with profile(activities=[ProfilerActivity.CUDA]) as prof:
            fn()
            torch.cuda.synchronize(dev)
        names = []
        for e in prof.key_averages():
            t = getattr(e, "self_device_time_total", None)
            if t is None:
                t = getattr(e, "self_cuda_time_total", 0)
            if t and t > 0 and e.key not in names:
                names.append(e.key[:120])
        return names[:6]
    except Exception as e:
        return [f"profiler unavailable: {type(e).__name__}: {str(e)[:120]}"]


doc = {"device": torch.cuda.get_device_name(dev), "torch": torch.__version__, "cuda": torch.version.cuda,
       "cudnn": torch.backends.cudnn.version(), "reps": args.reps, "shapes": []}
props = torch.cuda.get_device_properties(dev)
doc["props"] = {"sms": props.multi_processor_count, "cc": f"{props.major}.{props.minor}",
                "memory_gib": round(props.total_memory / 2 ** 30, 1)}
print(f"device {doc['device']} (cc {doc['props']['cc']}, {doc['props']['sms']} SMs), torch {torch.__version__}, "
      f"CUDA {torch.version.cuda}, cuDNN {doc['cudnn']}, float32, median of {args.reps}")


def save():
    if args.json:
        with open(args.json, "w") as f:
            json.dump(doc, f, indent=1)


later = []  # (shape entry, name, fn): kernels to name with the profiler after every timing
for si, (n, c, h, w) in enumerate(shapes):
    g = torch.Generator().manual_seed(1)
    x_cpu = torch.rand((n, c, h, w), generator=g, dtype=torch.float32) * 2 - 1
    if args.save_input and si == 0:
        np.save(f"{args.save_input}/gpu_input.npy", x_cpu.numpy())
    dense_cpu = torch.rand((c, 1, k, k), generator=g, dtype=torch.float32) * 2 - 1
    taps = torch.tensor(discrete_gauss(1.0, r), dtype=torch.float32)
    row_w = taps.view(1, 1, 1, k).repeat(c, 1, 1, 1)  # 1x7 (along W)
    col_w = taps.view(1, 1, k, 1).repeat(c, 1, 1, 1)  # 7x1 (along H)

    x = x_cpu.to(dev)
    x_cl = x.contiguous(memory_format=torch.channels_last)
    dense = dense_cpu.to(dev)
    dense_cl = dense.contiguous(memory_format=torch.channels_last)
    row_d, col_d = row_w.to(dev), col_w.to(dev)
    dst = torch.empty_like(x)

    def run_dense(x=x, dense=dense, c=c):
        return F.conv2d(x, dense, padding=r, groups=c)

    def run_dense_cl(x_cl=x_cl, dense_cl=dense_cl, c=c):
        return F.conv2d(x_cl, dense_cl, padding=r, groups=c)

    def run_sep(x=x, row_d=row_d, col_d=col_d, c=c):
        return F.conv2d(F.conv2d(x, row_d, padding=(0, r), groups=c), col_d, padding=(r, 0), groups=c)

    def run_copy(x=x, dst=dst):
        dst.copy_(x)
        return dst

    # ---- validate before timing
    m = min(n, 2)
    xs = x_cpu[:m].double()
    want_dense = F.conv2d(xs, dense_cpu.double(), padding=r, groups=c)
    want_sep = F.conv2d(F.conv2d(xs, row_w.double(), padding=(0, r), groups=c), col_w.double(), padding=(r, 0),
                        groups=c)
    checks = {
        "dense 7x7": rel_l2(run_dense()[:m].cpu(), want_dense),
        "dense 7x7 channels-last": rel_l2(run_dense_cl()[:m].contiguous().cpu(), want_dense),
        "1x7+7x1": rel_l2(run_sep()[:m].cpu(), want_sep),
        "copy": rel_l2(run_copy().cpu(), x_cpu),
    }
    print(f"shape {(n, c, h, w)}: validate " + ", ".join(f"{k_} rel l2 {e:.2e}" for k_, e in checks.items()))
    for name, err in checks.items():
        if not err <= 1e-5:
            print(f"FAIL: {name} on {(n, c, h, w)} does not match the float64 reference (rel l2 {err:.2e})")
            sys.exit(1)

    px = n * c * h * w
    entry = {"shape": [n, c, h, w]}
    be = {"dense": conv_backend(x, dense, (r, r), c), "dense_channels_last": conv_backend(x_cl, dense_cl, (r, r), c),
          "sep": conv_backend(x, row_d, (0, r), c)}
    for key, name, fn in (("dense", "dense 7x7 depthwise NCHW", run_dense),
                          ("dense_channels_last", "dense 7x7 depthwise chan-last", run_dense_cl),
                          ("sep", "1x7 + 7x1 depthwise", run_sep),
                          ("copy", "device-to-device copy", run_copy)):
        ms = time_it(fn)
        gpxs = px / ms / 1e6
        entry[key] = {"ms": round(ms, 5), "gpxs": round(gpxs, 3), "gbps": round(8 * gpxs, 1)}
        label = "GB/s (read + write)" if key == "copy" else "GB/s effective (in + out once)"
        extra = ""
        if key in be:
            entry[key]["backend"] = be[key]
            extra = f"  [{be[key]}]"
        print(f"  {name:31s} {ms:8.3f} ms  {gpxs:8.2f} Gpx/s  {8 * gpxs:8.1f} {label}{extra}")
        if key != "copy" and si == 0:
            later.append((entry, key, fn))
    doc["shapes"].append(entry)
    save()
    del x, x_cl, dst

# the kernels behind the first shape's figures (after the timings: a profiler failure costs no figure)
for entry, key, fn in later:
    entry[key]["kernels"] = kernels_of(fn)
    print(f"kernels of {key} on {tuple(entry['shape'])}: {', '.join(entry[key]['kernels']) or 'none seen'}")
save()
