#!/usr/bin/env python3
"""Counts the depthwise filters of TFLite models, per filter size k, without TensorFlow or the flatbuffers package.

An independent check of the Java reader (org.scalespace.io.TfliteReader): a small flatbuffer walker written from the
TFLite schema (schema.fbs) that finds every DEPTHWISE_CONV_2D operator, takes its filter tensor (input 1; when that
tensor is the output of a DEQUANTIZE operator, the DEQUANTIZE's input), and reports, per model, each layer's name
(the stored tensor's), shape [1, k, k, C*M], tensor type, the sum and absolute sum of its dequantized values and its
all-zero filters, and the number of filters per k (square, odd 3 <= k <= 31 of a read type only; others are listed as
skipped).

    /usr/bin/python3 tools/tflite_count.py MODEL.tflite [...]          # JSON summary on stdout
    /usr/bin/python3 tools/tflite_count.py --dump OUT.npz MODEL.tflite # also the dequantized filters, (C*M, k, k)
"""
import json
import struct
import sys

import numpy as np

DEPTHWISE_CONV_2D = 4
DEQUANTIZE = 6
TYPES = {0: "float32", 1: "float16", 2: "int32", 3: "uint8", 4: "int64", 9: "int8", 10: "float64"}
NUMPY = {0: "<f4", 1: "<f2", 3: "u1", 9: "i1", 10: "<f8"}


class Table:
    """A flatbuffer table at absolute position pos of buf."""

    def __init__(self, buf, pos):
        self.buf = buf
        self.pos = pos
        vt = pos - struct.unpack_from("<i", buf, pos)[0]
        self.vt_len = struct.unpack_from("<H", buf, vt)[0]
        self.vt = vt

    def field(self, i):
        """Absolute position of field i, or None when absent."""
        slot = 4 + 2 * i
        if slot + 2 > self.vt_len:
            return None
        off = struct.unpack_from("<H", self.buf, self.vt + slot)[0]
        return None if off == 0 else self.pos + off

    def scalar(self, i, fmt, default=0):
        p = self.field(i)
        return default if p is None else struct.unpack_from("<" + fmt, self.buf, p)[0]

    def _target(self, i):
        p = self.field(i)
        return None if p is None else p + struct.unpack_from("<I", self.buf, p)[0]

    def table(self, i):
        p = self._target(i)
        return None if p is None else Table(self.buf, p)

    def vector(self, i):
        """(start, length) of vector field i, or (0, 0)."""
        p = self._target(i)
        if p is None:
            return 0, 0
        return p + 4, struct.unpack_from("<I", self.buf, p)[0]

    def scalars(self, i, fmt):
        start, n = self.vector(i)
        size = struct.calcsize("<" + fmt)
        return [struct.unpack_from("<" + fmt, self.buf, start + size * j)[0] for j in range(n)]

    def tables(self, i):
        start, n = self.vector(i)
        out = []
        for j in range(n):
            p = start + 4 * j
            out.append(Table(self.buf, p + struct.unpack_from("<I", self.buf, p)[0]))
        return out

    def string(self, i):
        start, n = self.vector(i)
        return None if start == 0 else self.buf[start:start + n].decode("utf-8")


def depthwise_layers(path):
    buf = open(path, "rb").read()
    if buf[4:8] != b"TFL3":
        raise SystemExit(f"{path}: no TFL3 file identifier")
    model = Table(buf, struct.unpack_from("<I", buf, 0)[0])
    codes = []
    for oc in model.tables(1):
        codes.append(max(oc.scalar(0, "b"), oc.scalar(3, "i")))
    buffers = model.tables(4)
    layers = []
    for si, sg in enumerate(model.tables(2)):
        tensors = sg.tables(0)
        ops = sg.tables(3)
        producer = {}
        for op in ops:
            for t in op.scalars(2, "i"):
                producer[t] = op
        seen = set()
        for op in ops:
            if codes[op.scalar(0, "I")] != DEPTHWISE_CONV_2D:
                continue
            fi = op.scalars(1, "i")[1]
            via = False
            p = producer.get(fi)
            if p is not None and codes[p.scalar(0, "I")] == DEQUANTIZE:
                via = True
                fi = p.scalars(1, "i")[0]
            if fi in seen:  # a filter tensor shared by several operators is one layer
                continue
            seen.add(fi)
            t = tensors[fi]
            shape = t.scalars(0, "i")
            ttype = t.scalar(1, "b")
            name = t.string(3) or f"tensor {fi}"
            if si > 0:
                name = f"subgraph{si}/{name}"
            layers.append((name, shape, ttype, t, buffers[t.scalar(2, "I")], via, buf))
    return layers


def filters(layer):
    """The dequantized filters of a layer, (C*M, k, k) float64, filter o = W[0, :, :, o]."""
    name, shape, ttype, t, b, _, buf = layer
    start, n = b.vector(0)
    if n == 0 and b.scalar(1, "Q") > 1:
        start, n = b.scalar(1, "Q"), b.scalar(2, "Q")
    w = np.frombuffer(buf[start:start + n], dtype=NUMPY[ttype]).astype(np.float64).reshape(shape)
    if ttype in (3, 9):
        q = t.table(4)
        scale = np.array(q.scalars(2, "f"), dtype=np.float64)
        zp = np.array(q.scalars(3, "q"), dtype=np.float64)
        w = scale * (w - zp)  # broadcasts along the last axis (quantized_dimension 3) or per tensor (length 1)
    return np.transpose(w[0], (2, 0, 1))


def accepted(shape):
    return len(shape) == 4 and shape[0] == 1 and shape[1] == shape[2] and shape[1] % 2 == 1 and 3 <= shape[1] <= 31


def summary(path):
    per_k = {}
    zero = 0
    out = {"file": path, "layers": [], "skipped": []}
    for layer in depthwise_layers(path):
        name, shape, ttype, t, _, dq, _ = layer
        row = {"name": name, "shape": shape, "type": TYPES.get(ttype, str(ttype)), "via_dequantize": dq}
        ok = accepted(shape) and ttype in (0, 1, 3, 9) and t.field(6) is None  # no sparsity
        (out["layers"] if ok else out["skipped"]).append(row)
        if ok:
            per_k[str(shape[1])] = per_k.get(str(shape[1]), 0) + shape[3]
            f = filters(layer)
            row["sum"] = float(f.sum())
            row["abs_sum"] = float(np.abs(f).sum())
            dead = int((np.abs(f).reshape(f.shape[0], -1).max(axis=1) == 0).sum())
            row["all_zero_filters"] = dead
            zero += dead
    out["filters_per_k"] = dict(sorted(per_k.items(), key=lambda kv: int(kv[0])))
    out["layer_count"] = len(out["layers"])
    out["all_zero_filters"] = zero
    return out


def main(argv):
    dump = None
    if argv[:1] == ["--dump"]:
        dump, argv = argv[1], argv[2:]
    results = [summary(p) for p in argv]
    if dump:
        arrays = {}
        for layer in depthwise_layers(argv[0]):
            if accepted(layer[1]) and layer[2] in (0, 1, 3, 9):
                arrays[layer[0]] = filters(layer)
        np.savez(dump, **arrays)
    json.dump(results if len(results) > 1 else results[0], sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main(sys.argv[1:])
