#!/usr/bin/env python3
"""Generates the TFLite test fixtures of org.scalespace.io into src/test/resources/io/tflite/.

Run from the repository root with a Python 3 that has numpy:  python3 tools/gen_tflite_fixtures.py

The models are FlatBuffers of the TFLite schema (schema.fbs) written byte by byte by the small builder below, without
TensorFlow or the flatbuffers package, so the Java reader is checked against an independent writer. dw.tflite holds
one subgraph with, in operator order:
  * a CONV_2D (not depthwise: ignored),
  * DEPTHWISE_CONV_2D 'dw_f32'  : float32 [1,3,3,8] (C=4, depth multiplier 2),
  * DEPTHWISE_CONV_2D 'dw_int8' : int8 [1,5,5,6], per-channel scales and zero points along dimension 3,
  * DEQUANTIZE 'dw_f16' (float16 [1,7,7,3]) -> 'dw_f16_dequantize', then DEPTHWISE_CONV_2D on the latter,
  * DEPTHWISE_CONV_2D 'dw_uint8' : uint8 [1,3,3,4], one scale and zero point for the tensor,
  * DEPTHWISE_CONV_2D 'dw_1x1'   : float32 [1,1,1,5] (k = 1: skipped with a note),
  * DEPTHWISE_CONV_2D 'dw_3x5'   : float32 [1,3,5,2] (not square: skipped with a note),
  * DEPTHWISE_CONV_2D 'dw_sparse': float32 [1,3,3,2] with sparsity parameters (skipped with a note),
  * DEPTHWISE_CONV_2D reusing 'dw_f32' (one layer, not two);
and a second subgraph with one float32 DEPTHWISE_CONV_2D 'dw_sub' [1,3,3,2] (layer 'subgraph1/dw_sub').
The operator codes use builtin_code for some and only deprecated_builtin_code for others (readers take the larger).
dw_external.tflite is the same model with every buffer stored after the FlatBuffer (offset/size, as converters write
models past 2 GB). dw_empty_buffer.tflite has no values for 'dw_f32' (as for weights computed at run time: the
reader skips it with a note). expected.npz holds each read layer's filters as (N,k,k) float64 (filter o = W[0,:,:,o],
values dequantized as scale_o*(q - zp_o)); expected.json lists the layers and the skip notes. hostile/*.tflite are
broken variants; hostile.json maps each to a phrase its error message must contain.
"""
import json
import os
import struct

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "test", "resources", "io", "tflite")

CONV_2D, DEPTHWISE_CONV_2D, DEQUANTIZE = 3, 4, 6
FLOAT32, FLOAT16, UINT8, INT8 = 0, 1, 3, 9


# ---- a minimal FlatBuffer writer: objects laid out front to back, every uoffset pointing forward ----

class T:
    """A table: fields as {id: (fmt, value)}; fmt is a struct format ('b', 'B', 'i', 'I', 'q', 'Q', 'f') or 'o' for
    an offset to another object (T, V or S)."""

    def __init__(self, **fields):
        self.fields = fields


class V:
    """A vector of scalars (fmt) or, with fmt 'o', of tables."""

    def __init__(self, fmt, items, align=4):
        self.fmt = fmt
        self.items = list(items)
        self.align = align


class S:
    def __init__(self, text):
        self.data = text if isinstance(text, bytes) else text.encode("utf-8")


class Builder:
    def __init__(self, identifier=b"TFL3"):
        self.buf = bytearray(8)
        self.buf[4:8] = identifier
        self.pending = []  # (position of the uoffset, object)
        self.pos = {}  # id(object) -> position (table start / vector length word / string length word)

    def pad(self, align, extra=0):
        while (len(self.buf) + extra) % align:
            self.buf.append(0)

    def table(self, t):
        items = sorted(t.fields.items(), key=lambda kv: -struct.calcsize("<" + ("I" if kv[1][0] == "o" else kv[1][0])))
        nfields = 1 + max((int(k[1:]) for k in t.fields), default=-1)
        # inline layout: soffset, then fields largest first, each naturally aligned relative to the table start
        offsets = {}
        at = 4
        for k, (fmt, _) in items:
            size = struct.calcsize("<" + ("I" if fmt == "o" else fmt))
            at = (at + size - 1) // size * size
            offsets[k] = at
            at += size
        inline = (at + 3) // 4 * 4
        vt = bytearray(struct.pack("<HH", 4 + 2 * nfields, inline))
        for i in range(nfields):
            vt += struct.pack("<H", offsets.get("f%d" % i, 0))
        self.pad(8, len(vt))  # table start 8-aligned, right after its vtable
        vt_pos = len(self.buf)
        self.buf += vt
        start = len(self.buf)
        self.buf += bytearray(inline)
        struct.pack_into("<i", self.buf, start, start - vt_pos)
        for k, (fmt, value) in items:
            p = start + offsets[k]
            if fmt == "o":
                self.pending.append((p, value))
            else:
                struct.pack_into("<" + fmt, self.buf, p, value)
        self.pos[id(t)] = start
        return start

    def vector(self, v):
        size = 4 if v.fmt == "o" else struct.calcsize("<" + v.fmt)
        self.pad(max(v.align, size, 4), 4)
        start = len(self.buf)
        self.buf += struct.pack("<I", len(v.items))
        for x in v.items:
            if v.fmt == "o":
                self.pending.append((len(self.buf), x))
                self.buf += bytes(4)
            else:
                self.buf += struct.pack("<" + v.fmt, x)
        self.pos[id(v)] = start
        return start

    def string(self, s):
        self.pad(4)
        start = len(self.buf)
        self.buf += struct.pack("<I", len(s.data)) + s.data + b"\0"
        self.pos[id(s)] = start
        return start

    def write(self, obj):
        if isinstance(obj, T):
            return self.table(obj)
        if isinstance(obj, V):
            return self.vector(obj)
        return self.string(obj)

    def finish(self, root):
        struct.pack_into("<I", self.buf, 0, self.write(root))
        while self.pending:
            p, obj = self.pending.pop(0)
            target = self.pos[id(obj)] if id(obj) in self.pos else self.write(obj)
            struct.pack_into("<I", self.buf, p, target - p)
        return self.buf


# ---- the model ----

def sin_values(n, phase):
    return np.sin(0.37 * np.arange(n, dtype=np.float64) + phase)


def layers():
    """(name, type, shape, stored values as numpy array, quantization or None, dequantized filters (N,k,k) or None)."""
    out = []
    w = sin_values(1 * 3 * 3 * 8, 0.1).astype(np.float32).reshape(1, 3, 3, 8)
    out.append(("dw_f32", FLOAT32, w, None, w[0].astype(np.float64)))
    q = (np.round(sin_values(5 * 5 * 6, 0.2) * 120).astype(np.int8)).reshape(1, 5, 5, 6)
    scale = np.array([0.01, 0.02, 0.005, 0.1, 0.03, 0.0625], dtype=np.float32)
    zp = np.array([0, 1, -2, 3, 0, -1], dtype=np.int64)
    out.append(("dw_int8", INT8, q, (scale, zp, 3),
                scale.astype(np.float64) * (q[0].astype(np.float64) - zp.astype(np.float64))))
    h = sin_values(7 * 7 * 3, 0.3).astype(np.float16).reshape(1, 7, 7, 3)
    out.append(("dw_f16", FLOAT16, h, None, h[0].astype(np.float64)))
    u = (np.round((sin_values(3 * 3 * 4, 0.4) + 1) * 100).astype(np.uint8)).reshape(1, 3, 3, 4)
    out.append(("dw_uint8", UINT8, u, (np.array([0.0078125], np.float32), np.array([128], np.int64), 0),
                0.0078125 * (u[0].astype(np.float64) - 128)))
    out.append(("dw_1x1", FLOAT32, sin_values(5, 0.5).astype(np.float32).reshape(1, 1, 1, 5), None, None))
    out.append(("dw_3x5", FLOAT32, sin_values(30, 0.6).astype(np.float32).reshape(1, 3, 5, 2), None, None))
    out.append(("dw_sparse", FLOAT32, sin_values(18, 0.7).astype(np.float32).reshape(1, 3, 3, 2), None, None))
    return out


def sub_layer():
    """The one layer of the second subgraph."""
    w = sin_values(1 * 3 * 3 * 2, 0.8).astype(np.float32).reshape(1, 3, 3, 2)
    return "dw_sub", w, w[0].astype(np.float64)


def model(external=False, version=3, tweak=None):
    """The model's object graph; tweak(parts) may change it before it is built. Returns (root, parts)."""
    tweak = tweak or (lambda p: None)
    ls = layers()
    tensors = []
    buffers = [T()]  # buffer 0: empty, by convention
    payloads = []  # (buffer table, bytes) for external storage

    def add_tensor(name, ttype, shape, data=None, quant=None, into=tensors):
        fields = {"f0": ("o", V("i", shape)), "f1": ("b", ttype), "f3": ("o", S(name))}
        if name == "dw_sparse":
            fields["f6"] = ("o", T(f0=("o", V("i", [0, 1, 2, 3]))))  # a SparsityParameters table (traversal_order)
        if data is not None:
            b = T()
            if external:
                payloads.append((b, data))
            else:
                b.fields["f0"] = ("o", V("B", data, align=16))
            buffers.append(b)
            fields["f2"] = ("I", len(buffers) - 1)
        if quant is not None:
            scale, zp, dim = quant
            fields["f4"] = ("o", T(f2=("o", V("f", scale.tolist())), f3=("o", V("q", zp.tolist(), align=8)),
                                   f6=("i", dim)))
        into.append(T(**fields))
        return len(into) - 1

    x = add_tensor("input", FLOAT32, [1, 16, 16, 4])
    conv_w = add_tensor("conv_w", FLOAT32, [4, 1, 1, 4], np.ones(16, np.float32).tobytes())
    y = add_tensor("conv_out", FLOAT32, [1, 16, 16, 4])
    codes = [T(f0=("b", CONV_2D), f3=("i", CONV_2D)), T(f0=("b", DEPTHWISE_CONV_2D)),
             T(f0=("b", DEQUANTIZE), f2=("i", 2), f3=("i", DEQUANTIZE))]
    ops = [T(f0=("I", 0), f1=("o", V("i", [x, conv_w])), f2=("o", V("i", [y])))]
    by_name = {}
    for name, ttype, arr, quant, _ in ls:
        t = add_tensor(name, ttype, list(arr.shape), arr.tobytes(), quant)
        by_name[name] = t
        filt = t
        if ttype == FLOAT16:
            filt = add_tensor(name + "_dequantize", FLOAT32, list(arr.shape))
            ops.append(T(f0=("I", 2), f1=("o", V("i", [t])), f2=("o", V("i", [filt]))))
        out = add_tensor(name + "_out", FLOAT32, [1, 16, 16, arr.shape[3]])
        options = T(f0=("b", 0), f1=("i", 1), f2=("i", 1), f3=("i", 2 if name == "dw_f32" else 1))
        ops.append(T(f0=("I", 1), f1=("o", V("i", [y, filt, -1])), f2=("o", V("i", [out])),
                     f3=("B", 2), f4=("o", options)))
    ops.append(T(f0=("I", 1), f1=("o", V("i", [y, by_name["dw_f32"]])), f2=("o", V("i", [y]))))
    parts = {"tensors": tensors, "buffers": buffers, "ops": ops, "codes": codes, "by_name": by_name,
             "payloads": payloads, "second_subgraph": True}
    tweak(parts)
    sg = T(f0=("o", V("o", tensors)), f1=("o", V("i", [x])), f2=("o", V("i", [y])), f3=("o", V("o", ops)),
           f4=("o", S("main")))
    # a second subgraph with one depthwise layer (its layer name gets the prefix subgraph1/)
    tensors2 = []
    name2, w2, _ = sub_layer()
    x2 = add_tensor("input2", FLOAT32, [1, 8, 8, 2], into=tensors2)
    t2 = add_tensor(name2, FLOAT32, list(w2.shape), w2.tobytes(), into=tensors2)
    y2 = add_tensor("output2", FLOAT32, [1, 8, 8, 2], into=tensors2)
    sg2 = T(f0=("o", V("o", tensors2)), f1=("o", V("i", [x2])), f2=("o", V("i", [y2])),
            f3=("o", V("o", [T(f0=("I", 1), f1=("o", V("i", [x2, t2])), f2=("o", V("i", [y2])))])))
    subgraphs = [sg, sg2] if parts["second_subgraph"] else [sg]
    root = T(f0=("I", version), f1=("o", V("o", codes)), f2=("o", V("o", subgraphs)),
             f3=("o", S("scalespace fixture")), f4=("o", V("o", buffers)))
    parts["sg"] = sg
    parts["root"] = root
    return root, parts


def build(external=False, version=3, tweak=None, identifier=b"TFL3"):
    root, parts = model(external, version, tweak)
    b = Builder(identifier)
    for bt, _ in parts["payloads"]:
        bt.fields["f1"] = ("Q", 0)  # patched below, once the FlatBuffer's size is known
        bt.fields["f2"] = ("Q", 0)
    buf = b.finish(root)
    if parts["payloads"]:
        for bt, data in parts["payloads"]:
            while len(buf) % 16:
                buf.append(0)
            start = b.pos[id(bt)]
            vt = start - struct.unpack_from("<i", buf, start)[0]
            off1 = struct.unpack_from("<H", buf, vt + 6)[0]
            off2 = struct.unpack_from("<H", buf, vt + 8)[0]
            struct.pack_into("<Q", buf, start + off1, len(buf))
            struct.pack_into("<Q", buf, start + off2, len(data))
            buf += data
    return bytes(buf), b, parts


def field_pos(buf, table_pos, fid):
    vt = table_pos - struct.unpack_from("<i", buf, table_pos)[0]
    return table_pos + struct.unpack_from("<H", buf, vt + 4 + 2 * fid)[0]


def empty_buffer(p):
    p["buffers"][p["tensors"][p["by_name"]["dw_f32"]].fields["f2"][1]].fields.clear()


def hostile():
    """(file name, bytes, phrase the error must contain)."""
    out = []
    good, b, parts = build()
    out.append(("bad_identifier.tflite", build(identifier=b"TFL2")[0], "file identifier is 'TFL2'"))
    out.append(("version2.tflite", build(version=2)[0], "schema version 2, not 3"))

    def set_field(name, fid, value):
        def tweak(p):
            t = p["tensors"][p["by_name"][name]]
            fmt = t.fields["f%d" % fid][0]
            t.fields["f%d" % fid] = (fmt, value)
        return tweak

    out.append(("buffer_index.tflite", build(tweak=set_field("dw_f32", 2, 999))[0], "buffer index 999 is out of range"))

    def bad_input(p):
        p["ops"][2].fields["f1"] = ("o", V("i", [0, 9999, -1]))
    out.append(("tensor_index.tflite", build(tweak=bad_input)[0], "filter tensor index 9999 is out of range"))

    def bad_opcode(p):
        p["ops"][1].fields["f0"] = ("I", 77)
    out.append(("opcode_index.tflite", build(tweak=bad_opcode)[0], "opcode_index 77 is out of range"))

    def short_buffer(p):
        p["buffers"][p["tensors"][p["by_name"]["dw_f32"]].fields["f2"][1]].fields["f0"] = ("o", V("B", bytes(20)))
    out.append(("short_buffer.tflite", build(tweak=short_buffer)[0],
                "holds 20 bytes but FLOAT32 × [1,3,3,8] needs 288"))


    def scales(p):
        q = p["tensors"][p["by_name"]["dw_int8"]].fields["f4"][1]
        q.fields["f2"] = ("o", V("f", [0.1, 0.2, 0.3]))
    out.append(("scale_count.tflite", build(tweak=scales)[0], "INT8 weights with 3 scales for 6 filters"))

    def qdim(p):
        p["tensors"][p["by_name"]["dw_int8"]].fields["f4"][1].fields["f6"] = ("i", 0)
    out.append(("quantized_dimension.tflite", build(tweak=qdim)[0], "along dimension 0, not 3"))

    def nan_scale(p):
        q = p["tensors"][p["by_name"]["dw_int8"]].fields["f4"][1]
        q.fields["f2"] = ("o", V("f", [0.1, float("nan"), 0.1, 0.1, 0.1, 0.1]))
    out.append(("nan_scale.tflite", build(tweak=nan_scale)[0], "scale 1 is NaN"))

    def nan_weight(p):
        w = np.ones(72, np.float32)
        w[5] = np.inf
        p["buffers"][p["tensors"][p["by_name"]["dw_f32"]].fields["f2"][1]].fields["f0"] = ("o", V("B", w.tobytes()))
    out.append(("inf_weight.tflite", build(tweak=nan_weight)[0], "is Infinity"))

    # byte-level damage of the good model, at positions the builder recorded
    tensors_vec = b.pos[id(parts["sg"].fields["f0"][1])]
    huge = bytearray(good)
    struct.pack_into("<I", huge, tensors_vec, 0x7FFFFFFF)
    out.append(("huge_vector.tflite", bytes(huge), "claims 2147483647 elements"))

    t0 = b.pos[id(parts["tensors"][parts["by_name"]["dw_f32"]])]
    far = bytearray(good)
    struct.pack_into("<i", far, t0, -0x10000000)
    out.append(("vtable_outside.tflite", bytes(far), "outside the"))

    odd = bytearray(good)
    vt = t0 - struct.unpack_from("<i", good, t0)[0]
    struct.pack_into("<H", odd, vt, 7)
    out.append(("vtable_size.tflite", bytes(odd), "has size 7"))

    field_outside = bytearray(good)
    struct.pack_into("<H", field_outside, vt + 4, 4000)
    out.append(("field_outside.tflite", bytes(field_outside), "lies outside the table's"))

    name_pos = b.pos[id(parts["tensors"][parts["by_name"]["dw_f32"]].fields["f3"][1])]
    bad_utf8 = bytearray(good)
    bad_utf8[name_pos + 4] = 0xFF
    out.append(("name_utf8.tflite", bytes(bad_utf8), "is not valid UTF-8"))

    no_nul = bytearray(good)
    no_nul[name_pos + 4 + len("dw_f32")] = ord("x")
    out.append(("name_unterminated.tflite", bytes(no_nul), "is not 0-terminated"))

    root_far = bytearray(good)
    struct.pack_into("<I", root_far, 0, 0x7FFFFFF0)
    out.append(("root_outside.tflite", bytes(root_far), "past the end of the"))

    out.append(("truncated.tflite", good[: len(good) * 3 // 5], "truncated or corrupt FlatBuffer"))

    ext, eb, eparts = build(external=True)
    bt = eparts["buffers"][eparts["tensors"][eparts["by_name"]["dw_int8"]].fields["f2"][1]]
    past = bytearray(ext)
    struct.pack_into("<Q", past, field_pos(ext, eb.pos[id(bt)], 1), len(ext) - 10)
    out.append(("external_past_end.tflite", bytes(past), "past the end of the file"))
    out.append(("external_truncated.tflite", ext[:-400], "past the end of the file"))

    def no_depthwise(p):
        del p["ops"][1:]
        p["second_subgraph"] = False
    out.append(("no_depthwise.tflite", build(tweak=no_depthwise)[0], "no depthwise layer found"))
    return out


def main():
    os.makedirs(os.path.join(OUT, "hostile"), exist_ok=True)
    good = build()[0]
    with open(os.path.join(OUT, "dw.tflite"), "wb") as f:
        f.write(good)
    with open(os.path.join(OUT, "dw_external.tflite"), "wb") as f:
        f.write(build(external=True)[0])
    with open(os.path.join(OUT, "dw_empty_buffer.tflite"), "wb") as f:
        f.write(build(tweak=empty_buffer)[0])
    expected = {}
    meta = {"layers": [], "skipped": []}
    for name, ttype, arr, _, deq in layers():
        if deq is None:
            meta["skipped"].append(name)
            continue
        expected[name] = np.transpose(deq, (2, 0, 1)).copy()  # (k,k,N) -> (N,k,k): filter o = W[0,:,:,o]
        meta["layers"].append({"name": name, "k": int(arr.shape[1]), "count": int(arr.shape[3])})
    name2, w2, deq2 = sub_layer()
    expected["subgraph1/" + name2] = np.transpose(deq2, (2, 0, 1)).copy()
    meta["layers"].append({"name": "subgraph1/" + name2, "k": 3, "count": 2})
    np.savez(os.path.join(OUT, "expected.npz"), **expected)
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(meta, f, indent=1)
        f.write("\n")
    manifest = {}
    for name, data, phrase in hostile():
        with open(os.path.join(OUT, "hostile", name), "wb") as f:
            f.write(data)
        manifest[name] = phrase
    with open(os.path.join(OUT, "hostile.json"), "w") as f:
        json.dump(manifest, f, indent=1, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
