#!/usr/bin/env python3
"""Writes src/main/java/org/scalespace/backend/simd/BlockKernels.java, the generated block kernels of the SIMD engine: for k in KS,
denseKBlock8 (dense k×k), vertKBlock8 and horizK (the two passes of a one-term separable k-tap filter), and the
dispatchers denseBlock8, vertBlock8, horiz and hasBlockKernels.

All work on blocks of R = 8 output rows, one output vector (L lanes) per step along the row, the last one overlapping
the one before when L does not divide the width (no masked or scalar tail).

Dense k×k, all k² taps of each output summed in a register:

    for each tap column j = 0..k-1 (a loop):            (the k taps A[0..k-1][j] broadcast)
        for each padded input row m = 0..R+k-2:         (straight-line code)
            v = P[m][x + j .. x + j + L)                (one load)
            a[m - i] += A[i][j] * v  for every filter row i with 0 <= m - i < R

So one load feeds up to min(k, R) FMAs and there is no partial-sum tile: (R+k-1)*k loads and k*k broadcasts per R
output vectors (7x7: about 18 loads per output vector, against 47 memory operations for the former three passes of
21 taps with output rows in pairs). On the 2-core AVX-512 machine a 512-bit load costs about as much as two FMAs, so
the number of loads decides the speed. Each output is summed in the order (j, i), the same for every row and block,
so results do not depend on where a block starts. Measured in a kernel-only probe (one thread, 56x56 planes, 7x7,
JDK 17 / JDK 25): about 1,250-1,350 / 1,200-1,350 Mpx/s, against 575 / 710 for the three passes. R = 12 or 16 was
slower (register pressure), R = 8 best.

Why the loop over j (the 8 accumulators are carried around it as vector phis, which C2 17 and 25 keep in registers):
with all seven columns of a 7x7 unrolled the method has ~7,000 bytecodes. C1 then gives up on it ("out of virtual
registers") at tier 3 but not at tier 2, and when C2's queue is long at startup HotSpot 17 compiles it at tier 2
first, then can never move it on (tier 3 fails, so no profile, so no C2): the Vector API ran at ~20 Mpx/s for the
whole process. The loop keeps the method at ~1,250 bytecodes, which C1 compiles. (Unrolled, C2 also scheduled all 98
loads early and spilled, unless stores into a scratch array were interleaved to order them; with the loop no such
help is needed.)

Separable, vertical pass first: vertKBlock8 loads each of the R+k-1 input rows of a step once and feeds every output
row it reaches ((R+k-1)/R loads per output vector instead of k), output row r summed in the order i = 0..k-1;
horizK then does the k shifted loads per output vector along the row, summed in the order j.

Usage: python3 tools/gen_block_kernels.py [OUT]   (default: stdout), from the repository root:
    python3 tools/gen_block_kernels.py src/main/java/org/scalespace/backend/simd/BlockKernels.java
GeneratedCodeTest checks that the committed file is what this script writes.
"""
import sys

TARGET = "src/main/java/org/scalespace/backend/simd/BlockKernels.java"
KS = (3, 5, 7, 9, 11, 13)
R = 8


# one output vector per step along the row, the last one at w - L (overlapping the one before when L does not divide w)
X_LOOP_HEAD = ["        final int last = w - L;",
               "        for (int x = 0; ; x += L) {",
               "            if (x > last) {",
               "                x = last;",
               "            }"]
X_LOOP_TAIL = ["            if (x == last) {",
               "                break;",
               "            }",
               "        }",
               "    }"]


def fan_out(K, array, stride, ind, fma):
    """The loads of the R + K - 1 rows a block reads (row m at q + m * stride), each followed by the multiply-adds of
    every output row r it reaches with tap i = m - r: fma(r, i) gives their lines."""
    L = []
    for m in range(R + K - 1):
        row = "q" if m == 0 else (f"q + {stride}" if m == 1 else f"q + {m} * {stride}")
        L.append(f"{ind}v = FloatVector.fromArray(S, {array}, {row});")
        for i in range(K):
            r = m - i
            if 0 <= r < R:
                L += fma(r, i)
    return L


def dense_block(K):
    L = []
    L.append("    /**")
    L.append(f"     * {R} output rows of a dense {K}×{K} filter (taps wts[wo …] row-major, row stride {K}) from the padded tile p (row")
    L.append(f"     * stride ps ≥ w + {K - 1}, rows from po) into the output plane (row stride w ≥ L, first row at ob):")
    L.append(f"     * {{@code out[ob + y·w + x] = Σ_{{j<{K}}} Σ_{{i<{K}}} wts[wo + {K}i + j]·p[po + (y+i)·ps + x + j]}} for y < {R}, x < w,")
    L.append("     * summed in that order.")
    L.append("     */")
    L.append(f"    static void dense{K}Block8(float[] p, int po, int ps, float[] wts, int wo, float[] out, int ob, int w) {{")
    L += X_LOOP_HEAD
    for r in range(R):
        L.append(f"            FloatVector a{r} = FloatVector.zero(S);")
    L.append(f"            for (int j = 0; j < {K}; j++) {{")
    L.append("                final int q = po + x + j;")
    for i in range(K):
        L.append(f"                final FloatVector t{i} = FloatVector.broadcast(S, wts[wo + {i * K} + j]);")
    L.append("                FloatVector v;")
    L += fan_out(K, "p", "ps", "                ", lambda r, i: [f"                a{r} = v.fma(t{i}, a{r});"])
    L.append("            }")
    for r in range(R):
        dst = "ob + x" if r == 0 else ("ob + w + x" if r == 1 else f"ob + {r} * w + x")
        L.append(f"            a{r}.intoArray(out, {dst});")
    L += X_LOOP_TAIL
    return L


def taps(K, ind="        "):
    return [f"{ind}final FloatVector t{i} = FloatVector.broadcast(S, taps[t + {i}]);" if i else
            f"{ind}final FloatVector t0 = FloatVector.broadcast(S, taps[t]);" for i in range(K)]


def vert_block(K):
    L = []
    L.append("    /**")
    L.append(f"     * Vertical {K}-tap pass for {R} output rows: {{@code dst[d + r·ds + x] = Σ_{{i<{K}}} taps[t+i]·src[s + (r+i)·ss + x]}}")
    L.append(f"     * for r < {R}, x < w (w ≥ L), summed in the order i.")
    L.append("     */")
    L.append(f"    static void vert{K}Block8(float[] src, int s, int ss, float[] taps, int t, float[] dst, int d, int ds, int w) {{")
    L += taps(K)
    L += X_LOOP_HEAD
    L.append("            final int q = s + x;")
    L.append("            FloatVector v;")
    for r in range(R):
        L.append(f"            FloatVector a{r};")
    def vert_fma(r, i):
        lines = [f"            a{r} = v.mul(t0);" if i == 0 else f"            a{r} = v.fma(t{i}, a{r});"]
        if i == K - 1:  # the row's last tap: store it
            dst = "d + x" if r == 0 else ("d + ds + x" if r == 1 else f"d + {r} * ds + x")
            lines.append(f"            a{r}.intoArray(dst, {dst});")
        return lines

    L += fan_out(K, "src", "ss", "            ", vert_fma)
    L += X_LOOP_TAIL
    return L


def horiz(K):
    L = []
    L.append("    /**")
    L.append(f"     * Horizontal {K}-tap pass over {{@code rows}} rows: {{@code out[o + y·w + x] = Σ_{{j<{K}}} taps[t+j]·h[hq + y·hs + x + j]}}")
    L.append("     * for x < w (w ≥ L), summed in the order j.")
    L.append("     */")
    L.append(f"    static void horiz{K}(float[] h, int hq, int hs, float[] taps, int t, float[] out, int o, int w, int rows) {{")
    L += taps(K)
    L.append("        final int last = w - L;")
    L.append("        for (int y = 0; y < rows; y++) {")
    L.append("            final int hr = hq + y * hs;")
    L.append("            final int or = o + y * w;")
    L.append("            for (int x = 0; ; x += L) {")
    L.append("                if (x > last) {")
    L.append("                    x = last;")
    L.append("                }")
    L.append("                final int q = hr + x;")
    L.append("                FloatVector a = FloatVector.fromArray(S, h, q).mul(t0);")
    for j in range(1, K):
        L.append(f"                a = FloatVector.fromArray(S, h, q + {j}).fma(t{j}, a);")
    L.append("                a.intoArray(out, or + x);")
    L.append("                if (x == last) {")
    L.append("                    break;")
    L.append("                }")
    L.append("            }")
    L.append("        }")
    L.append("    }")
    return L


XS = (8, 7, 4)


def chan_block(K, X):
    """X output pixels of one row, vectors over L channels (the channel-interleaved path for narrow planes)."""
    L = []
    L.append("    /**")
    L.append(f"     * {X} output pixels of one row of a dense {K}×{K} filter over L channels at once: t is a channel-interleaved")
    L.append("     * padded tile (cell (v, u) at t[to + v·ts + u·L …], L channels), wt the taps as vectors (tap (i, j) at")
    L.append(f"     * wt[wo + ({K}i + j)·L …]): {{@code o[oo + x·L + c] = Σ_{{i<{K}}} Σ_{{j<{K}}} wt[wo + ({K}i + j)·L + c]·t[to + i·ts + (x+j)·L + c]}}")
    L.append(f"     * for x < {X}, summed in that order. Each cell vector is loaded once per filter row and feeds every output")
    L.append("     * pixel it reaches.")
    L.append("     */")
    L.append(f"    static void chan{K}x{X}(float[] t, int to, int ts, float[] wt, int wo, float[] o, int oo) {{")
    for x in range(X):
        L.append(f"        FloatVector a{x} = FloatVector.zero(S);")
    L.append(f"        for (int i = 0; i < {K}; i++) {{")
    L.append("            final int q = to + i * ts;")
    L.append(f"            final int wq = wo + i * {K} * L;")
    for j in range(K):
        off = "wq" if j == 0 else f"wq + {j} * L"
        L.append(f"            final FloatVector t{j} = FloatVector.fromArray(S, wt, {off});")
    L.append("            FloatVector v;")
    for m in range(X + K - 1):
        off = "q" if m == 0 else f"q + {m} * L"
        L.append(f"            v = FloatVector.fromArray(S, t, {off});")
        for j in range(K):
            x = m - j
            if 0 <= x < X:
                L.append(f"            a{x} = v.fma(t{j}, a{x});")
    L.append("        }")
    for x in range(X):
        off = "oo" if x == 0 else f"oo + {x} * L"
        L.append(f"        a{x}.intoArray(o, {off});")
    L.append("    }")
    return L


def dispatchers():
    ks = ", ".join(str(k) for k in KS)
    L = []
    L.append(f"    /** Output rows per call of the block kernels. */")
    L.append(f"    static final int BLOCK_ROWS = {R};")
    L.append("")
    L.append(f"    /** Whether k has block kernels ({ks}). */")
    L.append("    static boolean hasBlockKernels(int k) {")
    L.append("        return " + " || ".join(f"k == {k}" for k in KS) + ";")
    L.append("    }")
    L.append("")
    L.append("    /** {@code dense<k>Block8}; k must have block kernels. */")
    L.append("    static void denseBlock8(int k, float[] p, int po, int ps, float[] wts, int wo, float[] out, int ob, int w) {")
    L.append("        switch (k) {")
    for k in KS:
        L.append(f"            case {k} -> dense{k}Block8(p, po, ps, wts, wo, out, ob, w);")
    L.append("            default -> throw new IllegalArgumentException(\"no block kernel for k = \" + k);")
    L.append("        }")
    L.append("    }")
    L.append("")
    L.append(f"    /** Output pixels per call of the channel kernels ({', '.join(str(x) for x in XS)}). */")
    L.append("    static final int[] CHAN_PIXELS = {" + ", ".join(str(x) for x in XS) + "};")
    L.append("")
    L.append("    /** {@code chan<k>x<pixels>}; k must have block kernels, pixels one of {@link #CHAN_PIXELS}. */")
    L.append("    static void chan(int k, int pixels, float[] t, int to, int ts, float[] wt, int wo, float[] o, int oo) {")
    L.append("        switch (pixels * 16 + k) {")
    for x in XS:
        for k in KS:
            L.append(f"            case {x * 16 + k} -> chan{k}x{x}(t, to, ts, wt, wo, o, oo);")
    L.append("            default -> throw new IllegalArgumentException(\"no channel kernel for k = \" + k + \", \" + pixels + \" pixels\");")
    L.append("        }")
    L.append("    }")
    L.append("")
    L.append("    /** {@code vert<k>Block8}; k must have block kernels. */")
    L.append("    static void vertBlock8(int k, float[] src, int s, int ss, float[] taps, int t, float[] dst, int d, int ds, int w) {")
    L.append("        switch (k) {")
    for k in KS:
        L.append(f"            case {k} -> vert{k}Block8(src, s, ss, taps, t, dst, d, ds, w);")
    L.append("            default -> throw new IllegalArgumentException(\"no block kernel for k = \" + k);")
    L.append("        }")
    L.append("    }")
    L.append("")
    L.append("    /** {@code horiz<k>}; k must have block kernels. */")
    L.append("    static void horiz(int k, float[] h, int hq, int hs, float[] taps, int t, float[] out, int o, int w, int rows) {")
    L.append("        switch (k) {")
    for k in KS:
        L.append(f"            case {k} -> horiz{k}(h, hq, hs, taps, t, out, o, w, rows);")
    L.append("            default -> throw new IllegalArgumentException(\"no block kernel for k = \" + k);")
    L.append("        }")
    L.append("    }")
    return L


def java_file():
    out = []
    out.append("""// Generated by tools/gen_block_kernels.py: edit the script, not this file. Regenerate, from the repository root:
//     python3 tools/gen_block_kernels.py """ + TARGET + """
package org.scalespace.backend.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The block kernels of the SIMD engine: dense k×k in 8-row blocks, the two passes of one-term separable filters, and
 * the channel-vectorised kernels for narrow planes, for k = """ + ", ".join(str(k) for k in KS) + """. Generated by
 * tools/gen_block_kernels.py, which explains their shape; edit the script, not this file.
 */
final class BlockKernels {
    static final VectorSpecies<Float> S = Mac.S;
    static final int L = Mac.L;

    private BlockKernels() {
    }
""")
    out.append("\n".join(dispatchers()))
    for k in KS:
        out.append("")
        out.append("\n".join(dense_block(k)))
        out.append("")
        out.append("\n".join(vert_block(k)))
        out.append("")
        out.append("\n".join(horiz(k)))
        for x in XS:
            out.append("")
            out.append("\n".join(chan_block(k, x)))
    out.append("}")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    if len(sys.argv) > 2:
        sys.exit("usage: gen_block_kernels.py [OUT]")
    if len(sys.argv) == 2:
        with open(sys.argv[1], "w", encoding="utf-8", newline="\n") as f:
            f.write(java_file())
    else:
        sys.stdout.write(java_file())
