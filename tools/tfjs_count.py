#!/usr/bin/env python3
"""Counts the depthwise filters of TF.js models, per filter size k, with json and numpy only.

An independent check of the Java reader (org.scalespace.io.TfjsReader). MODEL is a model.json (an object with
weightsManifest and, usually, modelTopology) or a bare weights manifest (an array of {paths, weights} groups). The
depthwise kernels are: in a graph model, the filter input (input 1, through Identity nodes) of DepthwiseConv2dNative
nodes; in a layers model, <layer>/depthwise_kernel of DepthwiseConv2D/SeparableConv2D layers; without a topology,
every 4-D weight whose name contains 'depthwise'. Kernels have shape [k, k, C, M]; filter o = c*M + m is
K[:, :, c, m]. Values are dequantized as scale*q + min (uint8/uint16) or read as float16/float32. Reports, per
model, each kernel's name, shape, dtype, sum, absolute sum and all-zero filters, and the number of filters per k
(square, odd 3 <= k <= 31 only; others are listed as skipped).

    /usr/bin/python3 tools/tfjs_count.py MODEL.json [...]          # JSON summary on stdout
    /usr/bin/python3 tools/tfjs_count.py --dump OUT.npz MODEL.json # also the filters, (C*M, k, k) float64
"""
import json
import os
import sys

import numpy as np

WIDTH = {"float32": 4, "int32": 4, "bool": 1, "complex64": 8}
QWIDTH = {"uint8": 1, "uint16": 2, "float16": 2}


def marker(topology):
    """A predicate on weight names, or None when there is no topology to go by."""
    if not isinstance(topology, dict):
        return None
    if isinstance(topology.get("node"), list):
        nodes = {n.get("name"): n for n in topology["node"] if isinstance(n, dict)}
        names = set()

        def node(ref):
            ref = ref[1:] if ref.startswith("^") else ref
            head, sep, tail = ref.rpartition(":")
            return head if sep and head and tail.isdigit() else ref

        for n in nodes.values():
            if n.get("op") in ("DepthwiseConv2dNative", "FusedDepthwiseConv2dNative") and len(n.get("input", [])) > 1:
                w = node(n["input"][1])
                for _ in range(8):
                    p = nodes.get(w)
                    if not p or p.get("op") != "Identity" or not p.get("input"):
                        break
                    w = node(p["input"][0])
                names.add(w)
        return lambda w: w in names
    layers, saw = set(), [False]

    def walk(o):
        if isinstance(o, dict):
            if isinstance(o.get("class_name"), str):
                saw[0] = True
                if o["class_name"] in ("DepthwiseConv2D", "SeparableConv2D") and isinstance(o.get("config"), dict):
                    layers.add(o["config"].get("name"))
            for v in o.values():
                walk(v)
        elif isinstance(o, list):
            for v in o:
                walk(v)

    walk(topology)
    if not saw[0]:
        return None
    return lambda w: len(w.split("/")) >= 2 and w.split("/")[-1].startswith("depthwise_kernel") \
        and w.split("/")[-2] in layers


def count(path, dump=None):
    with open(path, "rb") as f:
        root = json.load(f)
    if isinstance(root, dict):
        groups, topology = root["weightsManifest"], root.get("modelTopology")
    else:
        groups, topology = root, None
    is_dw = marker(topology)
    by_name = is_dw is None
    base = os.path.dirname(os.path.abspath(path))
    layers, per_k, skipped = [], {}, []
    for g in groups:
        data = b"".join(open(os.path.join(base, p), "rb").read() for p in g["paths"])
        off = 0
        for w in g["weights"]:
            shape = [int(d) for d in w["shape"]]
            n = int(np.prod(shape, dtype=np.int64)) if shape else 1
            q = w.get("quantization")
            width = QWIDTH[q["dtype"]] if q else WIDTH[w["dtype"]]
            nbytes = n * width
            dw = (len(shape) == 4 and "depthwise" in w["name"]) if by_name else is_dw(w["name"])
            if dw:
                raw = data[off:off + nbytes]
                ok = len(shape) == 4 and shape[0] == shape[1] and shape[0] % 2 == 1 and 3 <= shape[0] <= 31
                if not ok or (q is None and w["dtype"] != "float32"):
                    skipped.append(w["name"])
                else:
                    if q is None:
                        v = np.frombuffer(raw, "<f4").astype(np.float64)
                    elif q["dtype"] == "float16":
                        v = np.frombuffer(raw, "<f2").astype(np.float64)
                    else:
                        qv = np.frombuffer(raw, "u1" if q["dtype"] == "uint8" else "<u2").astype(np.float64)
                        v = q["scale"] * qv + q["min"]
                    k, c, m = shape[0], shape[2], shape[3]
                    filt = v.reshape(k, k, c * m).transpose(2, 0, 1)  # o = c*M + m
                    zero = [int(i) for i in range(c * m) if not filt[i].any()]
                    layers.append({"name": w["name"], "shape": shape, "dtype": q["dtype"] if q else w["dtype"],
                                   "k": k, "filters": c * m, "sum": float(filt.sum()),
                                   "abs_sum": float(np.abs(filt).sum()), "zero_filters": zero})
                    per_k[k] = per_k.get(k, 0) + c * m
                    if dump is not None:
                        dump[w["name"]] = filt
            off += nbytes
        assert off <= len(data), f"{path}: manifest needs {off} bytes, shards hold {len(data)}"
    return {"model": os.path.basename(path), "by_name": by_name, "layers": len(layers),
            "filters_per_k": {str(k): per_k[k] for k in sorted(per_k)}, "skipped": skipped, "kernels": layers}


def main(argv):
    dump_to = None
    if argv[:1] == ["--dump"]:
        dump_to, argv = argv[1], argv[2:]
    dump = {} if dump_to else None
    out = [count(p, dump) for p in argv]
    if dump_to:
        np.savez(dump_to, **dump)
    json.dump(out, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main(sys.argv[1:])
