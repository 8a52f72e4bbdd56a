#!/usr/bin/env python3
"""Writes src/main/java/org/scalespace/backend/simd/FitRuns.java, the generated inner loops of the SIMD coarse-fit
kernel (SimdFitKernel): runGeneral, runSymmetric, runAntisymmetric and runDog, their mask-free variants on the packed
tables (run*Max) and those for two groups of filters at once (run*Max2).

Each method scores one run of candidates (consecutive candidates that share their column vector, or for dog their σ)
with four independent (score, index) arg-min accumulators, four candidates per iteration, then the rest of the run
into accumulator 0. Why generated straight-line code: on JDK 17 a compare-and-blend goes through a mask held in a
vector register (a ~15-cycle chain), so one accumulator would serialise the candidates; and a FloatVector may not
cross a call that C2 does not inline (it is then boxed and the Vector API runs its allocating fallback), so the four
copies of the candidate body cannot be a helper method. The variants differ only in the dot product D of a
candidate's row with the run's W vectors:
  general        D = Σ_{i<k} row_i·W_i (two FMA chains)
  symmetric      D = Σ_{i<r} row_i·(W_i + W_{k−1−i}) + row_r·W_r
  antisymmetric  D = Σ_{i<r} row_i·(W_i − W_{k−1−i})
  dog            D = h_centre + coef·lap (one FMA per α)
Usage: python3 tools/gen_fit_runs.py [OUT]   (default: stdout), from the repository root:
    python3 tools/gen_fit_runs.py src/main/java/org/scalespace/backend/simd/FitRuns.java
GeneratedCodeTest checks that the committed file is what this script writes.
"""
import sys

TARGET = "src/main/java/org/scalespace/backend/simd/FitRuns.java"

ACC = 4


def dot(kind, j):
    cj = f"c + {j}" if j else "c"
    rb = f"rb{j}"
    if kind == "dog":
        return (f"            FloatVector d{j} = lap.fma(FloatVector.broadcast(S, coef[3 * ({cj}) + 1]), hc);\n")
    head = f"            int {rb} = ({cj}) * 8;\n"
    if kind == "general":
        return head + (
            f"            FloatVector p{j} = v2.fma(FloatVector.broadcast(S, rc[{rb} + 2]),\n"
            f"                    v1.fma(FloatVector.broadcast(S, rc[{rb} + 1]), v0.mul(rc[{rb}])));\n"
            f"            FloatVector e{j} = v6.fma(FloatVector.broadcast(S, rc[{rb} + 6]),\n"
            f"                    v5.fma(FloatVector.broadcast(S, rc[{rb} + 5]),\n"
            f"                            v4.fma(FloatVector.broadcast(S, rc[{rb} + 4]), v3.mul(rc[{rb} + 3]))));\n"
            f"            FloatVector d{j} = p{j}.add(e{j});\n")
    if kind == "symmetric":
        return head + (
            f"            FloatVector d{j} = v1.fma(FloatVector.broadcast(S, rc[{rb} + 1]), v0.mul(rc[{rb}]))\n"
            f"                    .add(vc.fma(FloatVector.broadcast(S, rc[{rb} + r]), v2.mul(rc[{rb} + 2])));\n")
    return head + (
        f"            FloatVector d{j} = v2.fma(FloatVector.broadcast(S, rc[{rb} + 2]),\n"
        f"                    v1.fma(FloatVector.broadcast(S, rc[{rb} + 1]), v0.mul(rc[{rb}])));\n")


def score(j):
    cj = f"c + {j}" if j else "c"
    return (f"            FloatVector n{j} = x.fma(FloatVector.broadcast(S, a[{cj}]), d{j});\n"
            f"            FloatVector s{j} = quad ? n{j}.mul(n{j}).mul(q[{cj}]) "
            f": n{j}.fma(lin, FloatVector.broadcast(S, qm[{cj}]));\n")


def update(j):
    cj = f"c + {j}" if j else "c"
    return (f"            VectorMask<Float> m{j} = s{j}.compare(VectorOperators.LT, bs{j});\n"
            f"            bs{j} = bs{j}.blend(s{j}, m{j});\n"
            f"            bc{j} = bc{j}.blend(FloatVector.broadcast(S, (float) ({cj})), m{j});\n")


def folded_prolog(op, what, centre):
    """The W vectors of a folded run: v_i = W_i (op) W_{k−1−i} for i < r, and the centre vector when it is used."""
    lines = [f"        // v_i = {what}", "        FloatVector zero = FloatVector.zero(S);", "        int r = k / 2;"]
    for i in range(3):
        a = "wb" if i == 0 else f"wb + {'L' if i == 1 else f'{i} * L'}"
        lines.append(f"        FloatVector v{i} = r > {i} ? FloatVector.fromArray(S, w, {a})")
        lines.append(f"                .{op}(FloatVector.fromArray(S, w, wb + (k - {i + 1}) * L)) : zero;")
    if centre:
        lines.append("        FloatVector vc = FloatVector.fromArray(S, w, wb + r * L);")
    return "\n".join(lines) + "\n"


PROLOG = {
    "general": """        FloatVector zero = FloatVector.zero(S);
        FloatVector v0 = FloatVector.fromArray(S, w, wb);
        FloatVector v1 = k > 1 ? FloatVector.fromArray(S, w, wb + L) : zero;
        FloatVector v2 = k > 2 ? FloatVector.fromArray(S, w, wb + 2 * L) : zero;
        FloatVector v3 = k > 3 ? FloatVector.fromArray(S, w, wb + 3 * L) : zero;
        FloatVector v4 = k > 4 ? FloatVector.fromArray(S, w, wb + 4 * L) : zero;
        FloatVector v5 = k > 5 ? FloatVector.fromArray(S, w, wb + 5 * L) : zero;
        FloatVector v6 = k > 6 ? FloatVector.fromArray(S, w, wb + 6 * L) : zero;
""",
    "symmetric": folded_prolog("add", "W_i + W_{k−1−i} for i < r (zero beyond), vc = W_r", True),
    "antisymmetric": folded_prolog("sub", "W_i − W_{k−1−i} for i < r (zero beyond); the centre tap is 0", False),
    "dog": """        FloatVector lap = FloatVector.fromArray(S, lapArr, 0);
        FloatVector hc = FloatVector.fromArray(S, h, hcOff);
""",
}

DOC = {
    "general": """    /**
     * One run of {@link SimdFitKernel#blockL2OneTerm} (candidates c0..c1 sharing the column vector at w[wb]), any
     * rows.
     */""",
    "symmetric": """    /**
     * {@link #runGeneral} for a run whose rows are all symmetric (row[i] = row[k−1−i], as the T profile): folded, a
     * candidate costs r + 1 multiply-adds instead of k.
     */""",
    "antisymmetric": """    /**
     * {@link #runGeneral} for a run whose rows are all antisymmetric (row[i] = −row[k−1−i], as the central
     * difference D): folded, a candidate costs r multiply-adds.
     */""",
    "dog": """    /**
     * One σ of {@link SimdFitKernel#blockL2Dog}: candidates c0..c1 (the α grid) with the Laplacian dot products in
     * lapArr; both Laplacian terms carry the same coefficient −α, so D = h_centre − α·⟨h, L_σ⟩.
     */""",
}

SIG = {
    "general": "runGeneral(float[] rc, float[] w, int wb, int k, float[] xl, float[] a, float[] q,\n"
               "                                   float[] qm, boolean quad, int c0, int c1, float[] best) {",
    "symmetric": "runSymmetric(float[] rc, float[] w, int wb, int k, float[] xl, float[] a, float[] q,\n"
                 "                                     float[] qm, boolean quad, int c0, int c1, float[] best) {",
    "antisymmetric": "runAntisymmetric(float[] rc, float[] w, int wb, int k, float[] xl, float[] a, float[] q,\n"
                     "                                         float[] qm, boolean quad, int c0, int c1, float[] best) {",
    "dog": "runDog(float[] lapArr, float[] h, int hcOff, float[] xl, float[] coef, float[] a, float[] q,\n"
           "                               float[] qm, boolean quad, int c0, int c1, float[] best) {",
}


def signature(sig):
    """The method's declaration: package-private (SimdFitKernel calls it), continuation lines under the parameters."""
    return "    static void " + sig.replace("\n" + " " * len("private "), "\n")


def method(kind):
    out = [DOC[kind], signature(SIG[kind]), PROLOG[kind].rstrip("\n")]
    out.append("        FloatVector x = FloatVector.fromArray(S, xl, 0);")
    out.append("        FloatVector lin = FloatVector.fromArray(S, xl, L);")
    for j in range(ACC):
        out.append(f"        FloatVector bs{j} = FloatVector.fromArray(S, best, {2 * j} * L);")
        out.append(f"        FloatVector bc{j} = FloatVector.fromArray(S, best, {2 * j + 1} * L);")
    out.append("        int c = c0;")
    out.append(f"        for (; c + {ACC - 1} < c1; c += {ACC}) {{")
    body = "".join(dot(kind, j) + score(j) for j in range(ACC)) + "".join(update(j) for j in range(ACC))
    out.append(body.rstrip("\n"))
    out.append("        }")
    out.append("        for (; c < c1; c++) { // the rest of the run, into accumulator 0 (indices still increase there)")
    out.append((dot(kind, 0) + score(0) + update(0)).rstrip("\n"))
    out.append("        }")
    for j in range(ACC):
        out.append(f"        bs{j}.intoArray(best, {2 * j} * L);")
        out.append(f"        bc{j}.intoArray(best, {2 * j + 1} * L);")
    out.append("    }")
    return "\n".join(out)


MAX_DOC = """    /**
     * {@link #%s} for the gain-offset and gain scores, without masks, from the packed table of score mode
     * 0 or 1 ({@link SimdFitTables#packed}; this run's records from {@code p0}, %d floats per candidate): each
     * candidate's explained energy n'² ≥ 0 (its score is −n'²), and for floats ≥ 0 the order of their bit patterns as
     * ints is their order as floats. The energy's low {@code bits} bits are replaced by (c1 − 1 − c), so one integer
     * max per candidate (one cycle, no mask register) keeps the best score and, among equal truncated scores, the
     * lowest index (c1 − c0 ≤ 2^bits). The run's best is merged into accumulator 0 by the truncated score, strict &lt;,
     * so the earlier run wins ties too. The truncation costs {@code bits} of the energy's 24 significant bits (6 for
     * the default runs of 48: 8e-6 relative to the explained energy); the winners are re-evaluated in double precision
     * on the host.
     */"""

STRIDE = {"general": 8, "symmetric": 5, "antisymmetric": 4, "dog": 3}


def packed_dot(kind):
    """n0 = s_c·(D + x·a_c) from the packed record at pk[p]."""
    if kind == "dog":
        return ("            FloatVector n0 = lap.fma(FloatVector.broadcast(S, pk[p]),\n"
                "                    x.fma(FloatVector.broadcast(S, pk[p + 1]), hc.mul(pk[p + 2])));\n")
    if kind == "general":
        return ("            FloatVector f0 = v2.fma(FloatVector.broadcast(S, pk[p + 2]),\n"
                "                    v1.fma(FloatVector.broadcast(S, pk[p + 1]), v0.mul(pk[p])));\n"
                "            FloatVector e0 = v6.fma(FloatVector.broadcast(S, pk[p + 6]),\n"
                "                    v5.fma(FloatVector.broadcast(S, pk[p + 5]),\n"
                "                            v4.fma(FloatVector.broadcast(S, pk[p + 4]), v3.mul(pk[p + 3]))));\n"
                "            FloatVector n0 = x.fma(FloatVector.broadcast(S, pk[p + 7]), f0.add(e0));\n")
    if kind == "symmetric":
        return ("            FloatVector d0 = v1.fma(FloatVector.broadcast(S, pk[p + 1]), v0.mul(pk[p]))\n"
                "                    .add(vc.fma(FloatVector.broadcast(S, pk[p + 3]), v2.mul(pk[p + 2])));\n"
                "            FloatVector n0 = x.fma(FloatVector.broadcast(S, pk[p + 4]), d0);\n")
    return ("            FloatVector d0 = v2.fma(FloatVector.broadcast(S, pk[p + 2]),\n"
            "                    v1.fma(FloatVector.broadcast(S, pk[p + 1]), v0.mul(pk[p])));\n"
            "            FloatVector n0 = x.fma(FloatVector.broadcast(S, pk[p + 3]), d0);\n")


MAX_SIG = {
    "general": "runGeneralMax(float[] pk, int p0, float[] w, int wb, int k, float[] xl, int c0, int c1,\n"
               "                                      float[] best, int bits) {",
    "symmetric": "runSymmetricMax(float[] pk, int p0, float[] w, int wb, int k, float[] xl, int c0, int c1,\n"
                 "                                        float[] best, int bits) {",
    "antisymmetric": "runAntisymmetricMax(float[] pk, int p0, float[] w, int wb, int k, float[] xl, int c0,\n"
                     "                                            int c1, float[] best, int bits) {",
    "dog": "runDogMax(float[] pk, int p0, float[] lapArr, float[] h, int hcOff, float[] xl, int c0,\n"
           "                                  int c1, float[] best, int bits) {",
}


def max_method(kind):
    base = {"general": "runGeneral", "symmetric": "runSymmetric", "antisymmetric": "runAntisymmetric",
            "dog": "runDog"}[kind]
    st = STRIDE[kind]
    out = [MAX_DOC % (base, st), signature(MAX_SIG[kind]), PROLOG[kind].rstrip("\n")]
    out.append("        FloatVector x = FloatVector.fromArray(S, xl, 0);")
    out.append("        IntVector keep = IntVector.broadcast(IS, -(1 << bits));")
    out.append("        IntVector acc = IntVector.broadcast(IS, 0);")
    out.append("        int top = c1 - 1;")
    out.append(f"        for (int c = c0, p = p0; c < c1; c++, p += {st}) {{")
    body = packed_dot(kind) + (
        "            IntVector s0 = n0.mul(n0).reinterpretAsInts();\n"
        "            acc = acc.max(s0.and(keep).or(top - c));\n")
    out.append(body.rstrip("\n"))
    out.append("        }")
    out.append("        // the run's best: truncated score (−energy) and index, merged into accumulator 0 (strict <)")
    out.append("        FloatVector rs = acc.and(keep).reinterpretAsFloats().neg();")
    out.append("        FloatVector ri = (FloatVector) IntVector.broadcast(IS, top).sub(acc.and((1 << bits) - 1))")
    out.append("                .convert(VectorOperators.I2F, 0);")
    out.append("        FloatVector bs = FloatVector.fromArray(S, best, 0);")
    out.append("        VectorMask<Float> m = rs.compare(VectorOperators.LT, bs);")
    out.append("        bs.blend(rs, m).intoArray(best, 0);")
    out.append("        FloatVector.fromArray(S, best, L).blend(ri, m).intoArray(best, L);")
    out.append("    }")
    return "\n".join(out)


MAX2_DOC = """    /**
     * {@link #%s} for two groups of L filters at once (W in w and wB, score lanes in xl and xlB, accumulators
     * in best and bestB): each packed record is read and broadcast once for both groups. Per group the operations
     * are those of {@link #%s}, in the same order, so the results are the same bit for bit.
     */"""

MAX2_SIG = {
    "general": "runGeneralMax2(float[] pk, int p0, float[] w, float[] wB, int wb, int k, float[] xl,\n"
               "                                       float[] xlB, int c0, int c1, float[] best, float[] bestB,\n"
               "                                       int bits) {",
    "symmetric": "runSymmetricMax2(float[] pk, int p0, float[] w, float[] wB, int wb, int k, float[] xl,\n"
                 "                                         float[] xlB, int c0, int c1, float[] best, float[] bestB,\n"
                 "                                         int bits) {",
    "antisymmetric": "runAntisymmetricMax2(float[] pk, int p0, float[] w, float[] wB, int wb, int k,\n"
                     "                                             float[] xl, float[] xlB, int c0, int c1, float[] best,\n"
                     "                                             float[] bestB, int bits) {",
    "dog": "runDogMax2(float[] pk, int p0, float[] lapArr, float[] lapArrB, float[] h, float[] hB,\n"
           "                                   int hcOff, float[] xl, float[] xlB, int c0, int c1, float[] best,\n"
           "                                   float[] bestB, int bits) {",
}


def prolog_b(kind):
    """Group B's loop invariants: PROLOG with w → wB and v → u (lap, hc → lapB, hcB for dog)."""
    if kind == "dog":
        return ("        FloatVector lapB = FloatVector.fromArray(S, lapArrB, 0);\n"
                "        FloatVector hcB = FloatVector.fromArray(S, hB, hcOff);\n")
    lines = []
    for line in PROLOG[kind].rstrip("\n").split("\n"):
        if "FloatVector zero" in line or "int r = " in line or line.strip().startswith("//"):
            continue
        line = line.replace("(S, w, ", "(S, wB, ")
        for name in ["v0", "v1", "v2", "v3", "v4", "v5", "v6", "vc"]:
            line = line.replace(name + " =", "u" + name[1:] + " =")
        lines.append(line)
    return "\n".join(lines) + "\n"


def packed_pair(kind):
    """Both groups' n from one set of broadcasts of the record at pk[p]."""
    st = STRIDE[kind]
    out = [f"            FloatVector r{i} = FloatVector.broadcast(S, pk[p{' + ' + str(i) if i else ''}]);\n"
           for i in range(st)]
    out.append("            IntVector idx = IntVector.broadcast(IS, top - c);\n")
    for g, (v, x, acc) in enumerate([("v", "x", "acc"), ("u", "xB", "accB")]):
        n = "nA" if g == 0 else "nB"
        if kind == "dog":
            lap, hc = ("lap", "hc") if g == 0 else ("lapB", "hcB")
            out.append(f"            FloatVector {n} = {lap}.fma(r0, {x}.fma(r1, {hc}.mul(r2)));\n")
        elif kind == "general":
            out.append(f"            FloatVector {n} = {x}.fma(r7, {v}2.fma(r2, {v}1.fma(r1, {v}0.mul(r0)))\n"
                       f"                    .add({v}6.fma(r6, {v}5.fma(r5, {v}4.fma(r4, {v}3.mul(r3))))));\n")
        elif kind == "symmetric":
            out.append(f"            FloatVector {n} = {x}.fma(r4, {v}1.fma(r1, {v}0.mul(r0))\n"
                       f"                    .add({v}c.fma(r3, {v}2.mul(r2))));\n")
        else:
            out.append(f"            FloatVector {n} = {x}.fma(r3, {v}2.fma(r2, {v}1.fma(r1, {v}0.mul(r0))));\n")
        out.append(f"            {acc} = {acc}.max({n}.mul({n}).reinterpretAsInts().and(keep).or(idx));\n")
    return "".join(out)


def merge(g):
    acc, best = "acc" + g, "best" + g
    return [f"        FloatVector rs{g} = {acc}.and(keep).reinterpretAsFloats().neg();",
            f"        FloatVector ri{g} = (FloatVector) IntVector.broadcast(IS, top).sub({acc}.and((1 << bits) - 1))",
            "                .convert(VectorOperators.I2F, 0);",
            f"        FloatVector bs{g} = FloatVector.fromArray(S, {best}, 0);",
            f"        VectorMask<Float> m{g} = rs{g}.compare(VectorOperators.LT, bs{g});",
            f"        bs{g}.blend(rs{g}, m{g}).intoArray({best}, 0);",
            f"        FloatVector.fromArray(S, {best}, L).blend(ri{g}, m{g}).intoArray({best}, L);"]


def max2_method(kind):
    base = {"general": "runGeneral", "symmetric": "runSymmetric", "antisymmetric": "runAntisymmetric",
            "dog": "runDog"}[kind]
    st = STRIDE[kind]
    out = [MAX2_DOC % (base + "Max", base + "Max"), signature(MAX2_SIG[kind]),
           PROLOG[kind].rstrip("\n"), prolog_b(kind).rstrip("\n")]
    out.append("        FloatVector x = FloatVector.fromArray(S, xl, 0);")
    out.append("        FloatVector xB = FloatVector.fromArray(S, xlB, 0);")
    out.append("        IntVector keep = IntVector.broadcast(IS, -(1 << bits));")
    out.append("        IntVector acc = IntVector.broadcast(IS, 0);")
    out.append("        IntVector accB = IntVector.broadcast(IS, 0);")
    out.append("        int top = c1 - 1;")
    out.append(f"        for (int c = c0, p = p0; c < c1; c++, p += {st}) {{")
    out.append(packed_pair(kind).rstrip("\n"))
    out.append("        }")
    out.append("        // each group's best: truncated score (−energy) and index, merged into its accumulator 0 (strict <)")
    out += merge("") + merge("B")
    out.append("    }")
    return "\n".join(out)


HEADER = """// Generated by tools/gen_fit_runs.py: edit the script, not this file. Regenerate, from the repository root:
//     python3 tools/gen_fit_runs.py """ + TARGET + """
package org.scalespace.backend.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The inner loops of the SIMD coarse-fit kernel ({@link SimdFitKernel}): each scores one run of candidates that share
 * their column vector (or, for dog, their σ) against a group of L filters and keeps the per-lane arg-min. Straight-line
 * code with four independent accumulators, since on JDK 17 a vector must not cross a call that C2 does not inline;
 * tools/gen_fit_runs.py explains the shape.
 */
final class FitRuns {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> IS = IntVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    private FitRuns() {
    }
"""


def java_file():
    return (HEADER + "\n"
            + "\n\n".join([method(k) for k in ["general", "symmetric", "antisymmetric", "dog"]]
                          + [max_method(k) for k in ["general", "symmetric", "antisymmetric", "dog"]]
                          + [max2_method(k) for k in ["general", "symmetric", "antisymmetric", "dog"]])
            + "\n}\n")


if __name__ == "__main__":
    if len(sys.argv) > 2:
        sys.exit("usage: gen_fit_runs.py [OUT]")
    if len(sys.argv) == 2:
        with open(sys.argv[1], "w", encoding="utf-8", newline="\n") as f:
            f.write(java_file())
    else:
        sys.stdout.write(java_file())
