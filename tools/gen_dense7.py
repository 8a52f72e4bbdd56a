#!/usr/bin/env python3
"""Writes the generated dense 7x7 kernels of the SIMD engine (Mac.dense7Rows3, dense7Rows3Acc and dense7Row6) to stdout.

A 7x7 filter is applied in three passes over a band, each with at most 21 taps in registers: filter rows 0-2
(dense7Rows3), rows 3-5 (dense7Rows3Acc), both into a partial-sum tile O of row stride
ow = w rounded up to L, and row 6 (dense7Row6), which adds O and writes the output plane. Output rows go in pairs: each
padded input vector P[m][x + j] is loaded once and multiplied into both rows of the pair that it reaches. Straight-
line code per pass (no vector value carried around a loop), one accumulator per filter row (dependency chains of 7
FMAs); the last pass's last vector of a row may overlap the one
before it, since it stores complete sums (no masked or scalar tail). Why not one method with all 49 taps: C1 gives
up on such a method ("out of virtual registers"), and until C2 has compiled it the Vector API runs its slow Java
fallback. Usage: python3 tools/gen_dense7.py > /tmp/k.java, then replace the block between the markers in Mac.java.
"""
K = 7


def pair_block(rows_f, ind, acc, final):
    """One output row pair (a: row y, b: row y+1) over filter rows rows_f (relative to the pass's first). Each filter
    row accumulates in its own register (a0, a1, … / b0, b1, …: dependency chains of 7 FMAs, not 7·F), summed at the
    end in filter-row order, after the partial sum from o when there is one."""
    F = len(rows_f)
    out = [f"{ind}FloatVector v;"]
    for r in ("a", "b"):
        for i in range(F):
            out.append(f"{ind}FloatVector {r}{i};")
    started = {}
    for m in range(F + 1):  # padded rows y+m relative to the pass's first filter row
        for j in range(K):
            off = f"q + {j}" if m == 0 else (f"q + ps + {j}" if m == 1 else f"q + p{m} + {j}")
            out.append(f"{ind}v = FloatVector.fromArray(S, p, {off});")
            for r, name in ((0, "a"), (1, "b")):
                i = m - r
                if 0 <= i < F:
                    acc_name = f"{name}{i}"
                    if acc_name not in started:
                        out.append(f"{ind}{acc_name} = v.mul(t{i}{j});")
                        started[acc_name] = True
                    else:
                        out.append(f"{ind}{acc_name} = v.fma(t{i}{j}, {acc_name});")
    for name, row in (("a", "x"), ("b", "ow + x")):
        terms = [f"{name}{i}" for i in range(F)]
        if acc or final:
            expr = f"FloatVector.fromArray(S, o, oq + {row})"
            for t in terms:
                expr += f".add({t})"
        else:
            expr = terms[0]
            for t in terms[1:]:
                expr += f".add({t})"
        if final:
            dst = "out, d + x" if name == "a" else "out, d + w + x"
        else:
            dst = f"o, oq + {row}"
        out.append(f"{ind}({expr}).intoArray({dst});")
    return out


def single_block(ind):
    out = [f"{ind}FloatVector a0 = FloatVector.fromArray(S, p, q).mul(t00);"]
    for j in range(1, K):
        out.append(f"{ind}a0 = FloatVector.fromArray(S, p, q + {j}).fma(t0{j}, a0);")
    out.append(f"{ind}FloatVector.fromArray(S, o, oq + x).add(a0).intoArray(out, d + x);")
    return out


def taps(F, ind="        "):
    return [f"{ind}final FloatVector t{i}{j} = FloatVector.broadcast(S, wts[wo + {i * K + j}]);"
            for i in range(F) for j in range(K)]


def rows3(acc):
    name = "dense7Rows3Acc" if acc else "dense7Rows3"
    L = []
    L.append("    /**")
    L.append("     * Three filter rows of a dense 7×7 filter (taps wts[wo …] row-major, row stride 7) into the partial-sum tile o")
    L.append("     * (from oo, row stride ow ≥ w, a multiple of L): {@code o[oo + y·ow + x] " + ("+=" if acc else "=")
             + " Σ_{i<3, j<7} wts[wo + 7i + j]·p[po + (y+i)·ps + x + j]}")
    L.append("     * for x < ow and an even number of rows. Output rows in pairs, each tile vector loaded once.")
    L.append("     */")
    L.append(f"    static void {name}(float[] p, int po, int ps, float[] wts, int wo, float[] o, int oo, int ow, int rows) {{")
    L += taps(3)
    L.append("        final int p2 = 2 * ps;")
    L.append("        final int p3 = 3 * ps;")
    L.append("        for (int y = 0; y < rows; y += 2) {")
    L.append("            final int pq = po + y * ps;")
    L.append("            final int oq = oo + y * ow;")
    L.append("            for (int x = 0; x < ow; x += L) {")
    L.append("                final int q = pq + x;")
    L += pair_block([0, 1, 2], "                ", acc, False)
    L.append("            }")
    L.append("        }")
    L.append("    }")
    return L


def row6():
    L = []
    L.append("    /**")
    L.append("     * The last filter row of a dense 7×7 filter (taps wts[wo …], the row's 7 taps) plus the partial sums o (from oo, row")
    L.append("     * stride ow) into {@code rows} rows of the output plane (row stride w ≥ L, first row at ob):")
    L.append("     * {@code out[ob + y·w + x] = o[oo + y·ow + x] + Σ_{j<7} wts[wo + j]·p[po + y·ps + x + j]}. Output rows in")
    L.append("     * pairs, then an odd last row; the last vector of a row overlaps the one before it when L does not divide w.")
    L.append("     */")
    L.append("    static void dense7Row6(float[] p, int po, int ps, float[] wts, int wo, float[] o, int oo, int ow, float[] out,")
    L.append("                           int ob, int w, int rows) {")
    L += taps(1)
    L.append("        final int last = w - L;")
    L.append("        int y = 0;")
    L.append("        for (; y + 1 < rows; y += 2) {")
    L.append("            final int pq = po + y * ps;")
    L.append("            final int oq = oo + y * ow;")
    L.append("            final int d = ob + y * w;")
    L.append("            for (int x = 0; ; x += L) {")
    L.append("                if (x > last) {")
    L.append("                    x = last;")
    L.append("                }")
    L.append("                final int q = pq + x;")
    L += pair_block([0], "                ", False, True)
    L.append("                if (x == last) {")
    L.append("                    break;")
    L.append("                }")
    L.append("            }")
    L.append("        }")
    L.append("        if (y < rows) {")
    L.append("            final int pq = po + y * ps;")
    L.append("            final int oq = oo + y * ow;")
    L.append("            final int d = ob + y * w;")
    L.append("            for (int x = 0; ; x += L) {")
    L.append("                if (x > last) {")
    L.append("                    x = last;")
    L.append("                }")
    L.append("                final int q = pq + x;")
    L += single_block("                ")
    L.append("                if (x == last) {")
    L.append("                    break;")
    L.append("                }")
    L.append("            }")
    L.append("        }")
    L.append("    }")
    return L


print("    // ---- generated by tools/gen_dense7.py; edit the script, not these methods ----")
print()
print("\n".join(rows3(False)))
print()
print("\n".join(rows3(True)))
print()
print("\n".join(row6()))
print()
print("    // ---- end of generated code ----")
