#!/usr/bin/env python3
"""Generates the ONNX test fixtures of org.scalespace.io.OnnxReader into src/test/resources/io/onnx/.

Run from the repository root with Debian's python3 (numpy, torch 1.13):  /usr/bin/python3 tools/gen_onnx_fixtures.py

- dw_float32.onnx: torch.onnx.export of a small PyTorch model with depthwise convolutions (3x3, 5x5 with depth
  multiplier 2, a strided 3x3, one depthwise module applied twice so its weight is shared by two Conv nodes), a dense
  stem and a grouped (not depthwise) convolution. dw_float32_expected.npz holds PyTorch's depthwise weights, keyed by
  the initializer names.
- dw_fp16.onnx: the same export with its depthwise initializers rewritten in Python: one FLOAT16 in raw_data, one
  FLOAT16 in int32_data, one BFLOAT16 in int32_data, one DOUBLE in double_data (the graph is not retyped: only the
  reader is tested). dw_fp16_expected.npz: the rounded values.
- dw_int8.onnx (written byte by byte): int8 weights behind DequantizeLinear with per-channel scales (axis 0), uint8
  weights behind Identity + per-tensor DequantizeLinear, a QLinearConv with uint8 weights and per-channel scales, and
  an If node whose then_branch holds a float depthwise Conv with its own initializer, and a Constant-node weight.
  dw_int8_expected.npz: the dequantized values, scale*(q - zero_point), computed with numpy.
- dw_external.onnx + dw_external.bin: a float weight stored as external data (offset 16 in the .bin).
- dw_traversal.onnx: external data whose location is '../x' (must be refused).

The protobuf encoder below is written from the wire-format description; field numbers are those of onnx.proto.
"""
import os
import struct

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "test", "resources", "io", "onnx")

FLOAT, UINT8, INT8, INT32, INT64, FLOAT16, DOUBLE, BFLOAT16 = 1, 2, 3, 6, 7, 10, 11, 16


# ---------------------------------------------------------------- protobuf wire format

def varint(n):
    if n < 0:
        n += 1 << 64
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def key(num, wt):
    return varint(num << 3 | wt)


def f_varint(num, v):
    return key(num, 0) + varint(v)


def f_bytes(num, b):
    if isinstance(b, str):
        b = b.encode()
    return key(num, 2) + varint(len(b)) + b


def packed(num, vals):
    return f_bytes(num, b"".join(varint(int(v)) for v in vals))


def fields(buf):
    i = 0
    while i < len(buf):
        k, i = read_varint(buf, i)
        num, wt = k >> 3, k & 7
        start = i
        if wt == 0:
            _, i = read_varint(buf, i)
        elif wt == 1:
            i += 8
        elif wt == 5:
            i += 4
        elif wt == 2:
            ln, i = read_varint(buf, i)
            start = i
            i += ln
        yield num, wt, buf[start:i], buf


def read_varint(buf, i):
    out = shift = 0
    while True:
        b = buf[i]
        i += 1
        out |= (b & 0x7F) << shift
        if b < 0x80:
            return out, i
        shift += 7


def reencode(num, wt, payload):
    if wt == 2:
        return f_bytes(num, payload)
    return key(num, wt) + payload


# ---------------------------------------------------------------- ONNX messages

def tensor(name, dims, dtype, raw=None, int32=None, floats=None, doubles=None, external=None):
    t = packed(1, dims) + f_varint(2, dtype)
    if floats is not None:
        t += f_bytes(4, struct.pack("<%df" % len(floats), *floats))
    if int32 is not None:
        t += packed(5, int32)
    t += f_bytes(8, name)
    if raw is not None:
        t += f_bytes(9, raw)
    if doubles is not None:
        t += f_bytes(10, struct.pack("<%dd" % len(doubles), *doubles))
    if external is not None:
        for k, v in external:
            t += f_bytes(13, f_bytes(1, k) + f_bytes(2, v))
        t += f_varint(14, 1)
    return t


def attr_int(name, v):
    return f_bytes(1, name) + f_varint(3, v) + f_varint(20, 2)


def attr_ints(name, vs):
    return f_bytes(1, name) + packed(8, vs) + f_varint(20, 7)


def attr_graph(name, g):
    return f_bytes(1, name) + f_bytes(6, g) + f_varint(20, 5)


def attr_tensor(name, t):
    return f_bytes(1, name) + f_bytes(5, t) + f_varint(20, 4)


def node(op, inputs, outputs, name, attrs=()):
    n = b"".join(f_bytes(1, i) for i in inputs) + b"".join(f_bytes(2, o) for o in outputs)
    n += f_bytes(3, name) + f_bytes(4, op)
    n += b"".join(f_bytes(5, a) for a in attrs)
    return n


def graph(name, nodes, inits):
    return b"".join(f_bytes(1, n) for n in nodes) + f_bytes(2, name) + b"".join(f_bytes(5, t) for t in inits)


def model(g):
    return f_varint(1, 8) + f_bytes(2, "gen_onnx_fixtures") + f_bytes(7, g) + f_bytes(8, f_bytes(1, "") + f_varint(2, 13))


def dw_attrs(c, k, stride=1):
    p = k // 2
    return [attr_int("group", c), attr_ints("kernel_shape", [k, k]), attr_ints("strides", [stride, stride]),
            attr_ints("pads", [p, p, p, p]), attr_ints("dilations", [1, 1])]


def write(name, data):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


# ---------------------------------------------------------------- torch export

def torch_models():
    import torch
    import torch.nn as nn

    torch.manual_seed(13)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = nn.Conv2d(3, 8, 3, padding=1)
            self.dw3 = nn.Conv2d(8, 8, 3, padding=1, groups=8, bias=False)
            self.dw5 = nn.Conv2d(8, 16, 5, padding=2, groups=8)  # depth multiplier 2
            self.dws = nn.Conv2d(16, 16, 3, stride=2, padding=1, groups=16, bias=False)
            self.shared = nn.Conv2d(16, 16, 3, padding=1, groups=16, bias=False)
            self.grouped = nn.Conv2d(16, 16, 3, padding=1, groups=4, bias=False)

        def forward(self, x):
            x = self.dw5(torch.relu(self.dw3(self.stem(x))))
            x = self.dws(x)
            x = self.shared(self.shared(x))  # one weight, two Conv nodes
            return self.grouped(x)

    net = Net().eval()
    path = os.path.join(OUT, "dw_float32.onnx")
    torch.onnx.export(net, torch.randn(1, 3, 16, 16), path, opset_version=13, do_constant_folding=False,
                      input_names=["x"], output_names=["y"])
    expected = {n + ".weight": getattr(net, n).weight.detach().numpy().astype(np.float64)
                for n in ("dw3", "dw5", "dws", "shared")}
    np.savez(os.path.join(OUT, "dw_float32_expected.npz"), **expected)
    return path, {k: getattr(net, k.split(".")[0]).weight.detach().numpy() for k in expected}


def retype(path, weights):
    """Rewrites the depthwise initializers of an exported model in other data types."""
    data = open(path, "rb").read()
    to_f16 = lambda a: a.astype(np.float16)
    bf16_bits = lambda a: ((a.astype(np.float32).view(np.uint32).astype(np.uint64) + 0x7FFF
                            + ((a.astype(np.float32).view(np.uint32) >> 16) & 1)) >> 16).astype(np.uint16)
    plan = {
        "dw3.weight": ("f16raw", lambda a: tensor("dw3.weight", a.shape, FLOAT16, raw=to_f16(a).tobytes())),
        "dw5.weight": ("f16int32", lambda a: tensor("dw5.weight", a.shape, FLOAT16,
                                                    int32=to_f16(a).ravel().view(np.uint16).tolist())),
        "dws.weight": ("bf16int32", lambda a: tensor("dws.weight", a.shape, BFLOAT16, int32=bf16_bits(a).ravel().tolist())),
        "shared.weight": ("double", lambda a: tensor("shared.weight", a.shape, DOUBLE,
                                                     doubles=a.astype(np.float64).ravel().tolist())),
    }
    expected = {
        "dw3.weight": to_f16(weights["dw3.weight"]).astype(np.float64),
        "dw5.weight": to_f16(weights["dw5.weight"]).astype(np.float64),
        "dws.weight": (bf16_bits(weights["dws.weight"]).astype(np.uint32) << 16).view(np.float32).astype(np.float64),
        "shared.weight": weights["shared.weight"].astype(np.float64),
    }
    out = bytearray()
    for num, wt, payload, _ in fields(data):
        if num != 7:
            out += reencode(num, wt, payload)
            continue
        g = bytearray()
        for gn, gwt, gp, _ in fields(payload):
            if gn == 5:
                name = next(p.decode() for n, w, p, _ in fields(gp) if n == 8)
                if name in plan:
                    g += f_bytes(5, plan[name][1](weights[name]))
                    continue
            g += reencode(gn, gwt, gp)
        out += f_bytes(7, bytes(g))
    write("dw_fp16.onnx", bytes(out))
    np.savez(os.path.join(OUT, "dw_fp16_expected.npz"), **expected)


# ---------------------------------------------------------------- hand-built models

def int8_model():
    rng = np.random.default_rng(13)
    c = 4
    q8 = rng.integers(-128, 128, size=(c, 1, 3, 3)).astype(np.int8)
    s8 = rng.uniform(0.01, 0.05, size=c).astype(np.float32)
    z8 = rng.integers(-5, 6, size=c).astype(np.int8)
    qu = rng.integers(0, 256, size=(c, 1, 5, 5)).astype(np.uint8)
    su = np.array([0.02], np.float32)
    zu = np.array([128], np.uint8)
    qq = rng.integers(0, 256, size=(c * 2, 1, 3, 3)).astype(np.uint8)  # depth multiplier 2
    sq = rng.uniform(0.01, 0.05, size=c * 2).astype(np.float32)
    zq = rng.integers(100, 150, size=c * 2).astype(np.uint8)
    fs = rng.normal(size=(c, 1, 3, 3)).astype(np.float32)
    fc = rng.normal(size=(c, 1, 7, 7)).astype(np.float32)

    inner = graph("then", [node("Conv", ["x", "sub.w"], ["t"], "sub_conv", dw_attrs(c, 3))],
                  [tensor("sub.w", fs.shape, FLOAT, floats=fs.ravel().tolist())])
    nodes = [
        node("DequantizeLinear", ["w8.q", "w8.scale", "w8.zp"], ["w8"], "deq8", [attr_int("axis", 0)]),
        node("Conv", ["x", "w8"], ["a"], "conv_int8", dw_attrs(c, 3)),
        node("Identity", ["wu.q"], ["wu.q.id"], "ident"),
        node("DequantizeLinear", ["wu.q.id", "wu.scale", "wu.zp"], ["wu"], "dequ"),
        node("Conv", ["a", "wu"], ["b"], "conv_uint8", dw_attrs(c, 5)),
        node("QLinearConv", ["b", "xs", "xz", "wq.q", "wq.scale", "wq.zp", "ys", "yz"], ["c"], "qconv",
             dw_attrs(c, 3)),
        node("If", ["cond"], ["d"], "branch", [attr_graph("then_branch", inner),
                                               attr_graph("else_branch", graph("else", [], []))]),
        node("Constant", [], ["const.w"], "const",
             [attr_tensor("value", tensor("const.w", fc.shape, FLOAT, raw=fc.tobytes()))]),
        node("Conv", ["d", "const.w"], ["e"], "conv_const", dw_attrs(c, 7)),
    ]
    inits = [
        tensor("w8.q", q8.shape, INT8, int32=q8.ravel().tolist()),
        tensor("w8.scale", [c], FLOAT, raw=s8.tobytes()),
        tensor("w8.zp", [c], INT8, raw=z8.tobytes()),
        tensor("wu.q", qu.shape, UINT8, raw=qu.tobytes()),
        tensor("wu.scale", [], FLOAT, floats=su.tolist()),
        tensor("wu.zp", [], UINT8, int32=zu.tolist()),
        tensor("wq.q", qq.shape, UINT8, raw=qq.tobytes()),
        tensor("wq.scale", [c * 2], FLOAT, raw=sq.tobytes()),
        tensor("wq.zp", [c * 2], UINT8, raw=zq.tobytes()),
    ]
    write("dw_int8.onnx", model(graph("int8", nodes, inits)))
    deq = lambda q, s, z: (s.astype(np.float64).reshape(-1, 1, 1, 1)
                           * (q.astype(np.float64) - z.astype(np.float64).reshape(-1, 1, 1, 1)))
    np.savez(os.path.join(OUT, "dw_int8_expected.npz"), **{
        "w8.q": deq(q8, s8, z8), "wu.q": deq(qu, su, zu), "wq.q": deq(qq, sq, zq),
        "sub.w": fs.astype(np.float64), "const.w": fc.astype(np.float64)})


def external_models():
    rng = np.random.default_rng(14)
    w = rng.normal(size=(3, 1, 3, 3)).astype(np.float32)
    write("dw_external.bin", b"\0" * 16 + w.tobytes() + b"\0" * 8)
    ext = [("location", "dw_external.bin"), ("offset", "16"), ("length", str(w.nbytes))]
    g = graph("ext", [node("Conv", ["x", "ext.w"], ["y"], "conv_ext", dw_attrs(3, 3))],
              [tensor("ext.w", w.shape, FLOAT, external=ext)])
    write("dw_external.onnx", model(g))
    np.save(os.path.join(OUT, "dw_external_expected.npy"), w.astype(np.float64))
    bad = [("location", "../x"), ("offset", "0"), ("length", str(w.nbytes))]
    g = graph("ext", [node("Conv", ["x", "ext.w"], ["y"], "conv_ext", dw_attrs(3, 3))],
              [tensor("ext.w", w.shape, FLOAT, external=bad)])
    write("dw_traversal.onnx", model(g))


def main():
    os.makedirs(OUT, exist_ok=True)
    path, weights = torch_models()
    retype(path, weights)
    int8_model()
    external_models()
    for f in sorted(os.listdir(OUT)):
        print(f, os.path.getsize(os.path.join(OUT, f)))


if __name__ == "__main__":
    main()
