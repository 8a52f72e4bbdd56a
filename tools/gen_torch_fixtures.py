#!/usr/bin/env python3
"""Generates the PyTorch test fixtures of org.scalespace.io into src/test/resources/io/torch/.

Run from the repository root with a Python 3 that has torch (1.13 was used) and numpy:
    /usr/bin/python3 tools/gen_torch_fixtures.py

Each NAME.pt (or .pth/.ckpt) file is written by torch.save (or torch.jit.save), and NAME.json beside it lists what
torch.load gives for it, so the Java tests compare against torch, not against the reader itself:
    {"layers": [{"name": full key path, "shape": [C·M, 1, k, k], "values": flat C-order float64 list}, ...]}
in the order the reader must return them (the pickle's order). The expected layers are chosen here by walking the
loaded object independently: every tensor or numpy array of shape (C·M, 1, k, k), odd square k >= 3, float dtype
(or int8/uint8, dequantized with the per-channel 'scale' and 'zero_point' tensors beside it), not under optimizer state.
The big-endian file is crafted: torch 1.13 writes only little-endian archives, so its storages are byte-swapped and
a 'byteorder' record saying 'big' is added (as a big-endian torch writes it).
"""
import argparse
import io
import json
import os
import zipfile

import numpy as np
import torch
import torch.nn as nn

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "test", "resources", "io", "torch")
OPTIMIZER_KEYS = {"optimizer", "optimizers", "optimizer_states", "exp_avg", "exp_avg_sq", "momentum_buffer"}


class TaggedTensor(torch.Tensor):
    """A tensor subclass: torch.save pickles it through torch._tensor._rebuild_from_type_v2."""


def tagged(t):
    t = t.as_subclass(TaggedTensor)
    t.tag = "dw"  # torch 1.13 cannot load a subclass pickled without state
    return t


class Block(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.dwconv = nn.Conv2d(dim, dim, 7, padding=3, groups=dim)
        self.norm = nn.LayerNorm(dim)
        self.pwconv1 = nn.Linear(dim, 2 * dim)
        self.pwconv2 = nn.Linear(2 * dim, dim)
        self.gamma = nn.Parameter(torch.full((dim,), 1e-6))

    def forward(self, x):
        y = self.dwconv(x).permute(0, 2, 3, 1)
        y = self.pwconv2(torch.nn.functional.gelu(self.pwconv1(self.norm(y))))
        return x + (self.gamma * y).permute(0, 3, 1, 2)


class ConvNeXtLike(nn.Module):
    def __init__(self, dims=(4, 8)):
        super().__init__()
        self.stem = nn.Conv2d(3, dims[0], 4, stride=4)
        self.blocks = nn.Sequential(Block(dims[0]), Block(dims[0]))
        self.downsample = nn.Conv2d(dims[0], dims[1], 2, stride=2)
        self.stage2 = nn.Sequential(Block(dims[1]))
        self.dw3 = nn.Conv2d(dims[1], 2 * dims[1], 3, groups=dims[1])  # depth multiplier 2
        self.head = nn.Linear(dims[1], 5)

    def forward(self, x):
        x = self.stage2(self.downsample(self.blocks(self.stem(x))))
        return self.head(self.dw3(x).mean(dim=(2, 3))[:, :x.shape[1]])


def is_depthwise(shape):
    return (len(shape) == 4 and shape[1] == 1 and shape[2] == shape[3] and shape[2] % 2 == 1
            and 3 <= shape[2] <= 31 and shape[0] >= 1)


def expected_layers(obj):
    """The depthwise layers of a loaded object, by full key path, in pickle (insertion) order."""
    out = []

    def walk(o, path, siblings):
        if isinstance(o, dict):
            for k, v in o.items():
                if str(k) in OPTIMIZER_KEYS:
                    continue
                walk(v, path + [str(k)], o)
        elif isinstance(o, (list, tuple)):
            for i, v in enumerate(o):
                walk(v, path + [str(i)], None)
        elif isinstance(o, (torch.Tensor, np.ndarray)):
            t = torch.from_numpy(o) if isinstance(o, np.ndarray) else o.detach()
            if not is_depthwise(tuple(t.shape)):
                return
            if t.dtype in (torch.int8, torch.uint8):
                key = path[-1]
                prefix = key[:key.rfind(".") + 1] if "." in key else ""
                scale = siblings.get(prefix + "scale") if siblings is not None else None
                zero = siblings.get(prefix + "zero_point") if siblings is not None else None
                v = t.double()
                if scale is not None:
                    if zero is not None:
                        v = v - zero.double().reshape(-1, 1, 1, 1)
                    v = v * scale.double().reshape(-1, 1, 1, 1)
            elif t.is_floating_point():
                v = t.double()
            else:
                return
            out.append({"name": ".".join(path), "shape": list(t.shape),
                        "values": [float(x) for x in v.contiguous().reshape(-1).tolist()]})

    walk(obj, [], None)
    return out


def save(name, obj, expected=None, **kwargs):
    path = os.path.join(OUT, name)
    torch.save(obj, path, **kwargs)
    write_expected(name, expected if expected is not None else expected_layers(torch.load(path)))


def write_expected(name, layers):
    with open(os.path.join(OUT, os.path.splitext(name)[0] + ".json"), "w") as f:
        json.dump({"layers": layers}, f)
        f.write("\n")


def make_bigendian(src, dst):
    """Rewrites a little-endian archive as a big-endian one: storages byte-swapped, byteorder 'big' added."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_STORED) as zout:
        prefix = zin.namelist()[0].split("/")[0]
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename.startswith(prefix + "/data/"):
                data = np.frombuffer(data, dtype="<f4").astype(">f4").tobytes()
            zout.writestr(info.filename.replace(prefix, "bigendian", 1), data)
        zout.writestr("bigendian/byteorder", b"big")


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(13)
    np.random.seed(13)

    # a ConvNeXt-like state dict: dwconv 7x7 per block, a 3x3 depthwise conv with multiplier 2, other convs,
    # linears, norms
    model = ConvNeXtLike()
    save("convnext_like.pth", model.state_dict())

    # a Lightning-style checkpoint: state_dict nesting, an EMA copy, optimizer state holding tensors of depthwise
    # shape, and non-tensor globals (argparse.Namespace, an optimizer class) in hyper_parameters
    small = ConvNeXtLike(dims=(2, 4))
    opt = torch.optim.AdamW(small.parameters(), lr=1e-3)
    for p in small.parameters():
        p.grad = torch.randn_like(p)
    opt.step()
    ema = {k: v.clone() * 0.5 + 0.25 for k, v in small.state_dict().items()}
    ckpt = {
        "epoch": 3, "global_step": 120, "pytorch-lightning_version": "1.9.0",
        "state_dict": {"model." + k: v for k, v in small.state_dict().items()},
        "model_ema": ema,
        "optimizer_states": [opt.state_dict()],
        "lr_schedulers": [],
        "hyper_parameters": {"args": argparse.Namespace(lr=1e-3, depths=[2, 1]), "optimizer_class": torch.optim.AdamW,
                             "layer_scale": 1e-6},
    }
    save("checkpoint.ckpt", ckpt)

    # shared storages and non-contiguous views
    base = torch.randn(8, 1, 3, 3)
    t = torch.randn(6, 1, 5, 5)
    flat = torch.randn(100)
    views = {
        "base": base,
        "every_other": base[::2],              # (4,1,3,3), stride 18 on dim 0, same storage
        "transposed": t.transpose(2, 3),       # strides (25,25,1,5)
        "offset": flat[10:10 + 36].view(4, 1, 3, 3),  # storage offset 10
        "flat": flat,
        "permuted": torch.randn(3, 3, 1, 5).permute(3, 2, 0, 1),  # (5,1,3,3), fully permuted strides
        "param": nn.Parameter(torch.randn(3, 1, 3, 3)),  # pickled through torch._utils._rebuild_parameter
        "subclass": tagged(torch.randn(2, 1, 3, 3)),
    }
    save("views.pt", views)

    # dtypes: float16, bfloat16, float64 (and a float32 reference)
    save("dtypes.pt", {
        "f16.weight": torch.randn(3, 1, 3, 3).half(),
        "bf16.weight": torch.randn(3, 1, 5, 5).bfloat16(),
        "f64.weight": torch.randn(2, 1, 3, 3).double(),
        "f32.weight": torch.randn(2, 1, 3, 3),
    })

    # numpy arrays inside a checkpoint (pickled by numpy's own reduce: _reconstruct, dtype, _codecs.encode bytes)
    save("numpy_inside.pt", {
        "np_dw": np.random.randn(4, 1, 3, 3).astype(np.float32),
        "np_dw64": np.asfortranarray(np.random.randn(2, 1, 3, 3)),
        "np_scalar": np.float64(0.5),
        "np_vector": np.arange(5, dtype=np.int64),
        "tensor_dw": torch.randn(2, 1, 3, 3),
    })

    # int8 depthwise weights with a per-channel scale beside them, and uint8 without one
    q = torch.randint(-127, 128, (6, 1, 3, 3), dtype=torch.int8)
    save("int8_dw.pt", {
        "dw.weight": q,
        "dw.scale": torch.rand(6) * 0.05 + 0.01,
        "raw.weight": torch.randint(1, 255, (2, 1, 3, 3), dtype=torch.uint8),
        "zp.weight": torch.randint(0, 256, (3, 1, 5, 5), dtype=torch.uint8),
        "zp.scale": torch.rand(3).double() * 0.1 + 0.01,
        "zp.zero_point": torch.tensor([128, 127, 129]),
    })

    # big-endian
    tmp = os.path.join(OUT, "_tmp_le.pt")
    be = {"dw.weight": torch.randn(3, 1, 3, 3), "other": torch.randn(4)}
    torch.save(be, tmp)
    make_bigendian(tmp, os.path.join(OUT, "bigendian.pt"))
    write_expected("bigendian.pt", expected_layers(torch.load(tmp)))
    os.remove(tmp)

    # pickle protocol 4 (frames, MEMOIZE, SHORT_BINUNICODE) instead of torch.save's default 2
    save("protocol4.pt", {"blocks.0.dwconv.weight": torch.randn(4, 1, 7, 7), "meta": {"k": (7, 7), "s": {1, 2}}},
         pickle_protocol=4)

    # ZIP64 extra fields in the local headers (torch writes ZIP64 only past 4 GiB; here forced on a small archive;
    # TorchReaderTest builds one with a ZIP64 end record, which needs > 65535 records)
    src = os.path.join(OUT, "convnext_like.pth")
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(os.path.join(OUT, "zip64.pt"), "w") as zout:
        for info in zin.infolist():
            with zout.open(info.filename.replace("convnext_like", "zip64", 1), "w", force_zip64=True) as f:
                f.write(zin.read(info))
    write_expected("zip64.pt", expected_layers(torch.load(src)))

    # legacy (pre-zip) format
    torch.save({"dw.weight": torch.randn(2, 1, 3, 3)}, os.path.join(OUT, "legacy.pt"),
               _use_new_zipfile_serialization=False)

    # TorchScript
    ts_model = ConvNeXtLike(dims=(2, 4))
    torch.jit.script(ts_model).save(os.path.join(OUT, "torchscript.pt"))
    write_expected("torchscript.pt", expected_layers(ts_model.state_dict()))

    # a whole pickled module (torch.save(model)): its tensors sit inside a class the reader does not rebuild
    torch.save(nn.Sequential(nn.Conv2d(2, 2, 3, groups=2)), os.path.join(OUT, "whole_module.pt"))

    for f in sorted(os.listdir(OUT)):
        print(f, os.path.getsize(os.path.join(OUT, f)))


if __name__ == "__main__":
    main()
