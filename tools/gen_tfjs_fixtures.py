#!/usr/bin/env python3
"""Generates the TF.js test fixtures of org.scalespace.io into src/test/resources/io/tfjs/.

Run from the repository root with a Python 3 that has numpy:  python3 tools/gen_tfjs_fixtures.py

layers/model.json is a layers-model (modelTopology of a Keras Sequential model, written by hand) whose weights are,
in manifest order:
  * group 0, two shards (group1-shard1of2.bin, group1-shard2of2.bin, split in the middle of dw_u8's bytes):
    'conv/kernel' float32 [3,3,2,4] (Conv2D: not read),
    'dw_f32/depthwise_kernel' float32 [3,3,4,2] (DepthwiseConv2D, depth multiplier 2),
    'dw_u8/depthwise_kernel' uint8-quantized [5,5,3,2] (DepthwiseConv2D, w = scale*q + min),
    'looks_depthwise/kernel' float32 [3,3,2,1] (a Conv2D whose name says depthwise: the topology rules it out);
  * group 1, one shard (group2-shard1of1.bin):
    'sep/depthwise_kernel' float16-quantized [7,7,3,2] (SeparableConv2D), 'sep/pointwise_kernel' [1,1,6,4],
    'dw_even/depthwise_kernel' float32 [4,4,2,2] (k even: skipped with a note).
graph/model.json is a graph-model: a DepthwiseConv2dNative node whose filter input is an Identity of the Const
'StatefulPartitionedCall/dw/ReadVariableOp' (float32 [3,3,2,2]). manifest/weights_manifest.json is a bare weights
manifest (no topology: read by name) with 'block/depthwise_filter' uint16-quantized [3,3,2,2] and 'block/filters'.
expected.npz holds each read layer's filters as (C*M, k, k) float64, filter o = c*M + m being K[:, :, c, m].
hostile/*.json are broken manifests (beside a shard hostile/w.bin); hostile.json maps each to a phrase its error
message must contain.
"""
import json
import os

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "test", "resources", "io", "tfjs")


def filters(kernel):
    k, _, c, m = kernel.shape
    return kernel.reshape(k, k, c * m).transpose(2, 0, 1).astype(np.float64)


def write(path, data):
    path = os.path.join(OUT, path)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def layer(cls, name, **config):
    return {"class_name": cls, "config": dict(name=name, trainable=True, **config)}


def main():
    rng = np.random.default_rng(13)
    expected = {}

    # ---- layers-model
    conv = rng.standard_normal((3, 3, 2, 4)).astype("<f4")
    dw_f32 = rng.standard_normal((3, 3, 4, 2)).astype("<f4")
    q_u8 = rng.integers(0, 256, (5, 5, 3, 2), dtype=np.uint8)
    scale_u8, min_u8 = 0.0078125, -1.0  # exact in binary: the reader's double products match
    looks = rng.standard_normal((3, 3, 2, 1)).astype("<f4")
    sep = rng.standard_normal((7, 7, 3, 2)).astype("<f2")
    sep_pw = rng.standard_normal((1, 1, 6, 4)).astype("<f2")
    even = rng.standard_normal((4, 4, 2, 2)).astype("<f4")
    expected["dw_f32/depthwise_kernel"] = filters(dw_f32)
    expected["dw_u8/depthwise_kernel"] = filters(scale_u8 * q_u8.astype(np.float64) + min_u8)
    expected["sep/depthwise_kernel"] = filters(sep.astype(np.float64))

    g0 = conv.tobytes() + dw_f32.tobytes() + q_u8.tobytes() + looks.tobytes()
    cut = len(conv.tobytes()) + len(dw_f32.tobytes()) + 37  # inside dw_u8
    g1 = sep.tobytes() + sep_pw.tobytes() + even.tobytes()
    write("layers/group1-shard1of2.bin", g0[:cut])
    write("layers/group1-shard2of2.bin", g0[cut:])
    write("layers/group2-shard1of1.bin", g1)
    topology = {
        "class_name": "Sequential",
        "config": {"name": "sequential", "layers": [
            layer("Conv2D", "conv", filters=4, kernel_size=[3, 3], batch_input_shape=[None, 16, 16, 2]),
            layer("DepthwiseConv2D", "dw_f32", kernel_size=[3, 3], depth_multiplier=2),
            layer("DepthwiseConv2D", "dw_u8", kernel_size=[5, 5], depth_multiplier=2),
            layer("Conv2D", "looks_depthwise", filters=1, kernel_size=[3, 3]),
            layer("SeparableConv2D", "sep", filters=4, kernel_size=[7, 7], depth_multiplier=2),
            layer("DepthwiseConv2D", "dw_even", kernel_size=[4, 4], depth_multiplier=2),
        ]},
        "keras_version": "2.15.0", "backend": "tensorflow"}
    f32 = lambda n, s: {"name": n, "shape": list(s), "dtype": "float32"}
    model = {
        "format": "layers-model", "generatedBy": "gen_tfjs_fixtures.py", "convertedBy": None,
        "modelTopology": topology,
        "weightsManifest": [
            {"paths": ["group1-shard1of2.bin", "group1-shard2of2.bin"], "weights": [
                f32("conv/kernel", conv.shape), f32("dw_f32/depthwise_kernel", dw_f32.shape),
                {"name": "dw_u8/depthwise_kernel", "shape": list(q_u8.shape), "dtype": "float32",
                 "quantization": {"dtype": "uint8", "scale": scale_u8, "min": min_u8}},
                f32("looks_depthwise/kernel", looks.shape)]},
            {"paths": ["group2-shard1of1.bin"], "weights": [
                {"name": "sep/depthwise_kernel", "shape": list(sep.shape), "dtype": "float32",
                 "quantization": {"dtype": "float16"}},
                {"name": "sep/pointwise_kernel", "shape": list(sep_pw.shape), "dtype": "float32",
                 "quantization": {"dtype": "float16"}},
                f32("dw_even/depthwise_kernel", even.shape)]}]}
    write("layers/model.json", json.dumps(model, indent=1).encode())

    # ---- graph-model
    gdw = rng.standard_normal((3, 3, 2, 2)).astype("<f4")
    bias = rng.standard_normal(4).astype("<f4")
    wname = "StatefulPartitionedCall/dw/ReadVariableOp"
    expected[wname] = filters(gdw)
    write("graph/group1-shard1of1.bin", bias.tobytes() + gdw.tobytes())
    graph = {
        "format": "graph-model", "generatedBy": "gen_tfjs_fixtures.py",
        "modelTopology": {"node": [
            {"name": "input", "op": "Placeholder", "attr": {}},
            {"name": wname, "op": "Const", "attr": {}},
            {"name": "bias", "op": "Const", "attr": {}},
            {"name": "dw/filter", "op": "Identity", "input": [wname + ":0"]},
            {"name": "dw", "op": "DepthwiseConv2dNative", "input": ["input", "dw/filter", "^bias"],
             "attr": {"padding": {"s": "U0FNRQ=="}}},
            {"name": "out", "op": "BiasAdd", "input": ["dw", "bias"]}],
            "library": {}, "versions": {"producer": 1395}},
        "weightsManifest": [{"paths": ["group1-shard1of1.bin"], "weights": [
            {"name": "bias", "shape": [4], "dtype": "float32"},
            {"name": wname, "shape": list(gdw.shape), "dtype": "float32"}]}]}
    write("graph/model.json", json.dumps(graph).encode())

    # ---- bare weights manifest, read by name
    q16 = rng.integers(0, 65536, (3, 3, 2, 2), dtype=np.uint16).astype("<u2")
    s16, m16 = 2.0 ** -14, -2.0
    pw = rng.integers(0, 256, (1, 1, 4, 3), dtype=np.uint8)
    expected["block/depthwise_filter"] = filters(s16 * q16.astype(np.float64) + m16)
    write("manifest/block.bin", q16.tobytes() + pw.tobytes())
    manifest = [{"weights": [
        {"name": "block/depthwise_filter", "shape": [3, 3, 2, 2], "dtype": "float32",
         "quantization": {"dtype": "uint16", "scale": s16, "min": m16}},
        {"name": "block/filters", "shape": [1, 1, 4, 3], "dtype": "float32",
         "quantization": {"dtype": "uint8", "scale": 0.5, "min": 0}}], "paths": ["block.bin"]}]
    write("manifest/weights_manifest.json", json.dumps(manifest).encode())

    np.savez(os.path.join(OUT, "expected.npz"), **expected)

    # ---- hostile variants, beside a 72-byte shard w.bin
    shard = rng.standard_normal((3, 3, 2, 1)).astype("<f4")
    write("hostile/w.bin", shard.tobytes())

    def manifest_of(paths=("w.bin",), shape=(3, 3, 2, 1), name="a/depthwise_kernel", **extra):
        w = {"name": name, "shape": list(shape), "dtype": "float32"}
        w.update(extra)
        return [{"paths": list(paths), "weights": [w]}]

    hostile = {}

    def bad(name, obj, phrase):
        write("hostile/" + name, obj if isinstance(obj, bytes) else json.dumps(obj).encode())
        hostile[name] = phrase

    bad("dotdot.json", manifest_of(paths=["../layers/group2-shard1of1.bin"]), "leads out of the model's directory")
    bad("dotdot_inner.json", manifest_of(paths=["sub/../../w.bin"]), "leads out of the model's directory")
    bad("absolute.json", manifest_of(paths=["/etc/passwd"]), "is absolute")
    bad("missing_shard.json", manifest_of(paths=["nope.bin"]), "no such file")
    bad("short_shard.json", manifest_of(shape=(3, 3, 2, 2)), "run past the end of group 0's shards (72 bytes)")
    bad("shape_overflow.json", manifest_of(shape=(2 ** 40, 2 ** 40, 4, 4)), "has too many elements")
    bad("shape_negative.json", manifest_of(shape=(3, -3, 2, 1)), "is not a non-negative integer")
    bad("deep.json", ("[" * 2000 + "]" * 2000).encode(), "line 1, column 65: not valid JSON: Document nesting depth")
    bad("syntax.json", b'{\n "weightsManifest": [\n  {"paths": ["w.bin"],, "weights": []}\n ]\n}\n',
        "line 3, column")
    bad("truncated.json", json.dumps(manifest_of()).encode()[:40], "not valid JSON")
    bad("no_manifest.json", {"modelTopology": {}}, "has no weightsManifest")
    bad("bad_dtype.json", manifest_of(dtype="float128"), "dtype 'float128' is unknown")
    bad("bad_quant.json", manifest_of(quantization={"dtype": "uint8", "scale": "x", "min": 0}),
        "scale and min must be finite")
    bad("no_depthwise.json", manifest_of(name="a/kernel"), "no depthwise layer found")
    bad("not_json_root.json", b"42", "not a JSON object or array")
    # a string weight (uint32 length + bytes per element) whose first length, w.bin's first float, runs past the end
    bad("string_past_end.json", manifest_of(dtype="string", shape=[1]), "runs past the end of its shards")
    with open(os.path.join(OUT, "hostile.json"), "w") as f:
        json.dump(hostile, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
