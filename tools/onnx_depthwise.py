#!/usr/bin/env python3
"""Independent count of the depthwise layers of an ONNX model, for checking io.OnnxReader.

A depthwise layer is a Conv (or QLinearConv) node whose weight is a (C*M, 1, k, k) tensor with group = C*M/M = the
input channels (weight dim 1 == 1 and dim 0 divisible by group), odd square k >= 3. The weight is an initializer,
possibly behind DequantizeLinear. Subgraphs (If/Loop attributes of type GRAPH) are searched too. One layer per weight
tensor (shared weights count once).

A tiny protobuf wire decoder written here from the wire-format description, so it shares no code with the Java
reader and needs no onnx package. Prints one line per layer: name, filters, k, sum of values, sum of squares, and
the number of all-zero filters; then filters per k.

    python3 tools/onnx_depthwise.py model.onnx [--json]
"""
import json
import struct
import sys

import numpy as np


def fields(buf):
    """Yields (field number, wire type, value) of one message; value is int for varint/fixed, bytes for LEN."""
    i = 0
    n = len(buf)
    while i < n:
        key, i = varint(buf, i)
        num, wt = key >> 3, key & 7
        if wt == 0:
            v, i = varint(buf, i)
        elif wt == 1:
            v = buf[i:i + 8]
            i += 8
        elif wt == 2:
            ln, i = varint(buf, i)
            v = buf[i:i + ln]
            i += ln
        elif wt == 5:
            v = buf[i:i + 4]
            i += 4
        else:
            raise ValueError("wire type %d" % wt)
        yield num, wt, v


def varint(buf, i):
    shift = 0
    out = 0
    while True:
        b = buf[i]
        i += 1
        out |= (b & 0x7F) << shift
        if not b & 0x80:
            return out, i
        shift += 7


def signed64(v):
    return v - (1 << 64) if v >= 1 << 63 else v


def packed_varints(v, wt):
    if wt == 0:
        return [signed64(v)]
    out, i = [], 0
    while i < len(v):
        x, i = varint(v, i)
        out.append(signed64(x))
    return out


NP = {1: np.float32, 2: np.uint8, 3: np.int8, 6: np.int32, 7: np.int64, 10: np.float16, 11: np.float64}


def tensor(buf):
    t = {"dims": [], "type": 0, "name": "", "raw": None, "f": [], "i32": [], "i64": [], "d": []}
    for num, wt, v in fields(buf):
        if num == 1:
            t["dims"] += packed_varints(v, wt)
        elif num == 2:
            t["type"] = v
        elif num == 8:
            t["name"] = v.decode()
        elif num == 9:
            t["raw"] = bytes(v)
        elif num == 4:
            t["f"] += list(struct.unpack("<%df" % (len(v) // 4), v))
        elif num == 5:
            t["i32"] += packed_varints(v, wt)
        elif num == 7:
            t["i64"] += packed_varints(v, wt)
        elif num == 10:
            t["d"] += list(struct.unpack("<%dd" % (len(v) // 8), v))
    return t


def values(t):
    """The tensor's values as float64 numpy array, shape = dims."""
    ty = t["type"]
    if t["raw"] is not None:
        if ty == 16:
            a = np.frombuffer(t["raw"], "<u2").astype(np.uint32) << 16
            a = a.view(np.float32)
        else:
            a = np.frombuffer(t["raw"], np.dtype(NP[ty]).newbyteorder("<"))
    elif ty == 1:
        a = np.array(t["f"], np.float32)
    elif ty == 11:
        a = np.array(t["d"], np.float64)
    elif ty == 10:
        a = np.array(t["i32"], np.uint16).view(np.float16)
    elif ty == 16:
        a = (np.array(t["i32"], np.uint32) << 16).view(np.float32)
    elif ty in (2, 3, 6):
        a = np.array(t["i32"], np.int64)
    elif ty == 7:
        a = np.array(t["i64"], np.int64)
    else:
        raise ValueError("type %d" % ty)
    return a.astype(np.float64).reshape(t["dims"])


def node(buf):
    n = {"in": [], "out": [], "op": "", "name": "", "attrs": {}, "graphs": []}
    for num, wt, v in fields(buf):
        if num == 1:
            n["in"].append(v.decode())
        elif num == 2:
            n["out"].append(v.decode())
        elif num == 3:
            n["name"] = v.decode()
        elif num == 4:
            n["op"] = v.decode()
        elif num == 5:
            name, ival, graphs, tens = None, None, [], None
            for an, awt, av in fields(v):
                if an == 1:
                    name = av.decode()
                elif an == 3:
                    ival = signed64(av)
                elif an == 6:
                    graphs.append(av)
                elif an == 11:
                    graphs.append(av)
                elif an == 5:
                    tens = av
            n["attrs"][name] = ival if tens is None else tens
            n["graphs"] += graphs
    return n


def graph(buf, inits, nodes):
    for num, wt, v in fields(buf):
        if num == 5:
            t = tensor(v)
            inits[t["name"]] = t
        elif num == 1:
            nd = node(v)
            nodes.append(nd)
            for g in nd["graphs"]:
                graph(g, inits, nodes)


def depthwise(path):
    data = open(path, "rb").read()
    inits, nodes = {}, []
    for num, wt, v in fields(data):
        if num == 7:
            graph(v, inits, nodes)
    produced = {}
    for nd in nodes:
        for o in nd["out"]:
            produced[o] = nd
        if nd["op"] == "Constant" and "value" in nd["attrs"] and len(nd["out"]) == 1:
            t = tensor(nd["attrs"]["value"])
            t["name"] = nd["out"][0]
            inits.setdefault(nd["out"][0], t)
    layers = {}
    for nd in nodes:
        if nd["op"] == "Conv":
            wname = nd["in"][1]
        elif nd["op"] == "QLinearConv":
            wname = nd["in"][3]
        else:
            continue
        src = wname
        while src not in inits and src in produced and produced[src]["op"] == "Identity":
            src = produced[src]["in"][0]
        deq = None
        if src not in inits and src in produced and produced[src]["op"] == "DequantizeLinear":
            deq = produced[src]
            src = deq["in"][0]
            while src not in inits and src in produced and produced[src]["op"] == "Identity":
                src = produced[src]["in"][0]
        if src not in inits:
            continue
        w = inits[src]
        dims = w["dims"]
        g = nd["attrs"].get("group", 1)
        if len(dims) != 4 or dims[1] != 1 or dims[0] % g != 0 or dims[2] != dims[3] or dims[2] < 3 or dims[2] % 2 == 0:
            continue
        v = values(w)
        if deq is not None or nd["op"] == "QLinearConv":
            if nd["op"] == "QLinearConv":
                s, z = values(inits[nd["in"][4]]), values(inits[nd["in"][5]])
            else:
                s = values(inits[deq["in"][1]])
                z = values(inits[deq["in"][2]]) if len(deq["in"]) > 2 and deq["in"][2] else np.zeros_like(s)
            s = s.reshape(-1, 1, 1, 1) if s.size > 1 else s.reshape(())
            z = z.reshape(-1, 1, 1, 1) if z.size > 1 else z.reshape(())
            v = s * (v - z)
        layers.setdefault(src, (v, dims[2]))
    return layers


def main():
    path = sys.argv[1]
    layers = depthwise(path)
    per_k = {}
    out = []
    for name, (v, k) in layers.items():
        f = v.reshape(v.shape[0], -1)
        zero = int(np.sum(np.all(f == 0, axis=1)))
        per_k[k] = per_k.get(k, 0) + f.shape[0]
        out.append({"name": name, "filters": f.shape[0], "k": int(k), "sum": float(v.sum()),
                    "sumsq": float((v * v).sum()), "zero": zero})
    if "--json" in sys.argv:
        print(json.dumps({"layers": out, "per_k": {str(k): n for k, n in sorted(per_k.items())}}))
        return
    for o in out:
        print("%s %d %d %.17g %.17g %d" % (o["name"], o["filters"], o["k"], o["sum"], o["sumsq"], o["zero"]))
    print("layers %d; filters per k: %s" % (len(out), ", ".join("%d: %d" % kv for kv in sorted(per_k.items()))))


if __name__ == "__main__":
    main()
