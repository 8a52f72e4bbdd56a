#!/usr/bin/env python3
"""Generates the small test fixtures of org.scalespace.io into src/test/resources/io/.

Run from the repository root with a Python 3 that has numpy:  python3 tools/gen_io_fixtures.py

Every array holds value[i] = sin(0.1*i + phase) over its flat (C-order) index i, with the phase listed below,
so the Java tests recompute the expected values independently. The safetensors file is written by hand
(8-byte little-endian header length, JSON header padded with spaces to a multiple of 8, raw little-endian data);
F16 values are numpy's float16 rounding, BF16 values are float32 rounded to nearest-even on the upper 16 bits.
"""
import json
import os
import struct

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "test", "resources", "io")


def values(shape, phase, dtype):
    n = int(np.prod(shape)) if len(shape) else 1
    return np.sin(0.1 * np.arange(n, dtype=np.float64) + phase).astype(dtype).reshape(shape)


def path(name):
    return os.path.join(OUT, name)


def save_npy(name, arr, version=None):
    with open(path(name), "wb") as f:
        if version is None:
            np.save(f, arr)
        else:
            np.lib.format.write_array(f, arr, version=version)


def bf16_bits(a32):
    bits = np.asarray(a32, dtype=np.float32).view(np.uint32).astype(np.uint64)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16
    return rounded.astype(np.uint16)


def write_safetensors(name, tensors, metadata):
    """tensors: list of (name, dtype string, shape, raw little-endian bytes)."""
    header = {"__metadata__": metadata}
    offset = 0
    for tname, dtype, shape, raw in tensors:
        header[tname] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path(name), "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for _, _, _, raw in tensors:
            f.write(raw)


def main():
    os.makedirs(OUT, exist_ok=True)

    # .npy: each accepted filter shape in float32 and float64
    for dt, tag in ((np.float32, "f32"), (np.float64, "f64")):
        save_npy(f"{tag}_nkk.npy", values((3, 5, 5), 0.0, dt))
        save_npy(f"{tag}_c1kk.npy", values((4, 1, 3, 3), 0.5, dt))
        save_npy(f"{tag}_kk.npy", values((7, 7), 1.0, dt))
    # other header versions
    save_npy("v2_header.npy", values((2, 3, 3), 0.25, np.float32), version=(2, 0))
    save_npy("v3_header.npy", values((2, 3, 3), 0.25, np.float64), version=(3, 0))
    # valid .npy files that the filter readers must reject
    save_npy("fortran.npy", np.asfortranarray(values((3, 5), 0.0, np.float32)))
    save_npy("bigendian.npy", values((2, 3, 3), 0.0, np.float32).astype(">f4"))
    save_npy("int32.npy", np.arange(18, dtype="<i4").reshape(2, 3, 3))

    # .npz: two depthwise layers and one non-filter array, stored and deflated
    arrays = {
        "blocks.0.dwconv": values((4, 1, 7, 7), 2.0, np.float32),
        "blocks.1.dwconv": values((6, 3, 3), 3.0, np.float64),
        "norm.weight": values((4,), 0.0, np.float32),
    }
    np.savez(path("layers.npz"), **arrays)
    np.savez_compressed(path("layers_compressed.npz"), **arrays)

    # safetensors: depthwise F32, F16, BF16, F64 tensors, a non-depthwise conv weight and a bias
    t_f32 = values((4, 1, 7, 7), 0.1, np.float32)
    t_f16 = values((3, 1, 5, 5), 0.2, np.float16)
    t_bf16 = bf16_bits(values((2, 1, 3, 3), 0.3, np.float32))
    t_f64 = values((2, 1, 3, 3), 0.4, np.float64)
    t_stem = values((2, 3, 3, 3), 0.5, np.float32)
    t_bias = values((5,), 0.6, np.float32)
    write_safetensors("model.safetensors", [
        ("stem.weight", "F32", t_stem.shape, t_stem.astype("<f4").tobytes()),
        ("blocks.10.dwconv.weight", "F64", t_f64.shape, t_f64.astype("<f8").tobytes()),
        ("blocks.0.dwconv.weight", "F32", t_f32.shape, t_f32.astype("<f4").tobytes()),
        ("blocks.1.dwconv.weight", "F16", t_f16.shape, t_f16.astype("<f2").tobytes()),
        ("blocks.2.dwconv.weight", "BF16", (2, 1, 3, 3), t_bf16.astype("<u2").tobytes()),
        ("head.bias", "F32", t_bias.shape, t_bias.astype("<f4").tobytes()),
    ], {"format": "pt"})

    total = sum(os.path.getsize(path(n)) for n in os.listdir(OUT))
    print(f"wrote {len(os.listdir(OUT))} fixtures, {total} bytes, to {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
