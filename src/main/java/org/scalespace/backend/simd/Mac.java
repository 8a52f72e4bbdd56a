package org.scalespace.backend.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector kernels of the SIMD engine: {@code dst[d+x] = (acc ? dst[d+x] : 0) + Σ_m t_m · src[o_m + x]} for
 * x in [0, n), n a multiple of the vector length. A horizontal (row) pass uses offsets o_m = o + m, a vertical
 * (column) pass the offsets of m ring rows, a dense k×k filter one call per filter row. The straight-line code per
 * tap count (no vector value is carried around an inner loop, which C2 in JDK 17 would box) is generated:
 * {@link MacKernels}, by tools/gen_mac_kernels.py. Here {@link #mac} and {@link #mac2} split larger tap counts into
 * chunks that accumulate through {@code dst}, which stays in L1; the rest of the class moves data: the row copies
 * and zero fills of the tiles, and the channel path's 16×16 transposes, gathers and scatters.
 */
final class Mac {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();

    private Mac() {
    }

    /**
     * dst[d+x] (=|+=) Σ_{m<count} taps[tOff+m] · src[offs[oOff+m] + x], splitting count into chunks of 7, 5, 4, 3, 2
     * and 1 taps.
     */
    static void mac(float[] src, int[] offs, int oOff, float[] taps, int tOff, int count, float[] dst, int d, int n,
                    boolean acc) {
        mac(src, 0, offs, oOff, taps, tOff, count, dst, d, n, acc);
    }

    /** As above, reading {@code src[base + offs[oOff+m] + x]}. */
    static void mac(float[] src, int base, int[] offs, int oOff, float[] taps, int tOff, int count, float[] dst, int d,
                    int n, boolean acc) {
        int m = 0;
        boolean a = acc;
        while (m < count) {
            int left = count - m;
            int o = oOff + m;
            int t = tOff + m;
            if (left >= 7) {
                MacKernels.mac7(src, base + offs[o], base + offs[o + 1], base + offs[o + 2], base + offs[o + 3],
                        base + offs[o + 4], base + offs[o + 5], base + offs[o + 6],
                        taps[t], taps[t + 1], taps[t + 2], taps[t + 3], taps[t + 4], taps[t + 5], taps[t + 6],
                        dst, d, n, a);
                m += 7;
            } else if (left >= 5) {
                MacKernels.mac5(src, base + offs[o], base + offs[o + 1], base + offs[o + 2], base + offs[o + 3],
                        base + offs[o + 4],
                        taps[t], taps[t + 1], taps[t + 2], taps[t + 3], taps[t + 4], dst, d, n, a);
                m += 5;
            } else if (left == 4) {
                MacKernels.mac4(src, base + offs[o], base + offs[o + 1], base + offs[o + 2], base + offs[o + 3],
                        taps[t], taps[t + 1], taps[t + 2], taps[t + 3], dst, d, n, a);
                m += 4;
            } else if (left == 3) {
                MacKernels.mac3(src, base + offs[o], base + offs[o + 1], base + offs[o + 2], taps[t], taps[t + 1],
                        taps[t + 2], dst, d, n, a);
                m += 3;
            } else if (left == 2) {
                MacKernels.mac2(src, base + offs[o], base + offs[o + 1], taps[t], taps[t + 1], dst, d, n, a);
                m += 2;
            } else {
                MacKernels.mac1(src, base + offs[o], taps[t], dst, d, n, a);
                m += 1;
            }
            a = true;
        }
        if (count == 0 && !acc) {
            java.util.Arrays.fill(dst, d, d + n, 0f);
        }
    }

    /**
     * Two outputs from one set of loads (register blocking over two output rows of a dense filter):
     * {@code dst[dA+x] += Σ_m tapsA[m]·src[base+offs[m]+x]} and
     * {@code dst[dB+x] (=|+=) Σ_m tapsB[m]·src[base+offs[m]+x]}
     * for x in [0, n), chunked like {@link #mac}.
     */
    static void mac2(float[] src, int base, int[] offs, float[] tapsA, int tA, float[] tapsB, int tB, int count,
                     float[] dst, int dA, int dB, int n, boolean accB) {
        int m = 0;
        boolean b = accB;
        while (m < count) {
            int left = count - m;
            int o = m;
            int a = tA + m;
            int c = tB + m;
            if (left >= 7) {
                MacKernels.mac7x2(src, base + offs[o], base + offs[o + 1], base + offs[o + 2], base + offs[o + 3],
                        base + offs[o + 4], base + offs[o + 5], base + offs[o + 6],
                        tapsA[a], tapsA[a + 1], tapsA[a + 2], tapsA[a + 3], tapsA[a + 4], tapsA[a + 5], tapsA[a + 6],
                        tapsB[c], tapsB[c + 1], tapsB[c + 2], tapsB[c + 3], tapsB[c + 4], tapsB[c + 5], tapsB[c + 6],
                        dst, dA, dB, n, b);
                m += 7;
            } else if (left >= 5) {
                MacKernels.mac5x2(src, base + offs[o], base + offs[o + 1], base + offs[o + 2], base + offs[o + 3],
                        base + offs[o + 4], tapsA[a], tapsA[a + 1], tapsA[a + 2], tapsA[a + 3], tapsA[a + 4],
                        tapsB[c], tapsB[c + 1], tapsB[c + 2], tapsB[c + 3], tapsB[c + 4], dst, dA, dB, n, b);
                m += 5;
            } else if (left == 4) {
                MacKernels.mac4x2(src, base + offs[o], base + offs[o + 1], base + offs[o + 2], base + offs[o + 3],
                        tapsA[a], tapsA[a + 1], tapsA[a + 2], tapsA[a + 3],
                        tapsB[c], tapsB[c + 1], tapsB[c + 2], tapsB[c + 3], dst, dA, dB, n, b);
                m += 4;
            } else if (left == 3) {
                MacKernels.mac3x2(src, base + offs[o], base + offs[o + 1], base + offs[o + 2], tapsA[a],
                        tapsA[a + 1], tapsA[a + 2], tapsB[c], tapsB[c + 1], tapsB[c + 2], dst, dA, dB, n, b);
                m += 3;
            } else if (left == 2) {
                MacKernels.mac2x2(src, base + offs[o], base + offs[o + 1], tapsA[a], tapsA[a + 1], tapsB[c],
                        tapsB[c + 1], dst, dA, dB, n, b);
                m += 2;
            } else {
                MacKernels.mac1x2(src, base + offs[o], tapsA[a], tapsB[c], dst, dA, dB, n, b);
                m += 1;
            }
            b = true;
        }
    }

    // ------------------------------------------------------------------------------------------ 7-tap fast path

    /**
     * Rows with at least this many floats before their last vector take the counted-loop form in {@link #copy} and
     * {@link #zero}: JDK 17's C2 hoists the Vector API's bounds checks out of a counted loop only, while on rows of a
     * few vectors (56²) the counted loop's pre/main/post split cost more than the checks.
     */
    static final int WIDE_ROW = 8 * L;

    /** Lane permutations and masks of {@link #transpose16}, stage by stage (block sizes 8, 4, 2, 1). */
    private static final VectorShuffle<Float>[] T_DOWN = transposeShuffles(true);
    private static final VectorShuffle<Float>[] T_UP = transposeShuffles(false);
    private static final VectorMask<Float>[] T_SET = transposeMasks(true);
    private static final VectorMask<Float>[] T_CLR = transposeMasks(false);

    @SuppressWarnings("unchecked")
    private static VectorShuffle<Float>[] transposeShuffles(boolean down) {
        VectorShuffle<Float>[] r = new VectorShuffle[4];
        if (L != 16) {
            return r;
        }
        for (int st = 0; st < 4; st++) {
            int b = 8 >> st;
            int[] idx = new int[16];
            for (int l = 0; l < 16; l++) {
                idx[l] = down ? ((l & b) != 0 ? l - b : l) : ((l & b) == 0 ? l + b : l);
            }
            r[st] = VectorShuffle.fromArray(S, idx, 0);
        }
        return r;
    }

    @SuppressWarnings("unchecked")
    private static VectorMask<Float>[] transposeMasks(boolean set) {
        VectorMask<Float>[] r = new VectorMask[4];
        if (L != 16) {
            return r;
        }
        for (int st = 0; st < 4; st++) {
            int b = 8 >> st;
            boolean[] m = new boolean[16];
            for (int l = 0; l < 16; l++) {
                m[l] = ((l & b) != 0) == set;
            }
            r[st] = VectorMask.fromArray(S, m, 0);
        }
        return r;
    }

    /**
     * 16×16 transpose (L = 16 only): row i read at src[so[i] …16), column i written at dst[dOff[i] …16), i.e.
     * dst[dOff[i] + j] = src[so[j] + i]. Four stages, each exchanging off-diagonal blocks of 8, 4, 2, 1 lanes
     * between row pairs with two lane permutations and two blends.
     */
    static void transpose16(float[] src, int[] so, float[] dst, int[] dOff) {
        FloatVector v0 = FloatVector.fromArray(S, src, so[0]);
        FloatVector v1 = FloatVector.fromArray(S, src, so[1]);
        FloatVector v2 = FloatVector.fromArray(S, src, so[2]);
        FloatVector v3 = FloatVector.fromArray(S, src, so[3]);
        FloatVector v4 = FloatVector.fromArray(S, src, so[4]);
        FloatVector v5 = FloatVector.fromArray(S, src, so[5]);
        FloatVector v6 = FloatVector.fromArray(S, src, so[6]);
        FloatVector v7 = FloatVector.fromArray(S, src, so[7]);
        FloatVector v8 = FloatVector.fromArray(S, src, so[8]);
        FloatVector v9 = FloatVector.fromArray(S, src, so[9]);
        FloatVector v10 = FloatVector.fromArray(S, src, so[10]);
        FloatVector v11 = FloatVector.fromArray(S, src, so[11]);
        FloatVector v12 = FloatVector.fromArray(S, src, so[12]);
        FloatVector v13 = FloatVector.fromArray(S, src, so[13]);
        FloatVector v14 = FloatVector.fromArray(S, src, so[14]);
        FloatVector v15 = FloatVector.fromArray(S, src, so[15]);
        FloatVector a;
        FloatVector b;
        a = v0.blend(v8.rearrange(T_DOWN[0]), T_SET[0]);
        b = v8.blend(v0.rearrange(T_UP[0]), T_CLR[0]);
        v0 = a;
        v8 = b;
        a = v1.blend(v9.rearrange(T_DOWN[0]), T_SET[0]);
        b = v9.blend(v1.rearrange(T_UP[0]), T_CLR[0]);
        v1 = a;
        v9 = b;
        a = v2.blend(v10.rearrange(T_DOWN[0]), T_SET[0]);
        b = v10.blend(v2.rearrange(T_UP[0]), T_CLR[0]);
        v2 = a;
        v10 = b;
        a = v3.blend(v11.rearrange(T_DOWN[0]), T_SET[0]);
        b = v11.blend(v3.rearrange(T_UP[0]), T_CLR[0]);
        v3 = a;
        v11 = b;
        a = v4.blend(v12.rearrange(T_DOWN[0]), T_SET[0]);
        b = v12.blend(v4.rearrange(T_UP[0]), T_CLR[0]);
        v4 = a;
        v12 = b;
        a = v5.blend(v13.rearrange(T_DOWN[0]), T_SET[0]);
        b = v13.blend(v5.rearrange(T_UP[0]), T_CLR[0]);
        v5 = a;
        v13 = b;
        a = v6.blend(v14.rearrange(T_DOWN[0]), T_SET[0]);
        b = v14.blend(v6.rearrange(T_UP[0]), T_CLR[0]);
        v6 = a;
        v14 = b;
        a = v7.blend(v15.rearrange(T_DOWN[0]), T_SET[0]);
        b = v15.blend(v7.rearrange(T_UP[0]), T_CLR[0]);
        v7 = a;
        v15 = b;
        a = v0.blend(v4.rearrange(T_DOWN[1]), T_SET[1]);
        b = v4.blend(v0.rearrange(T_UP[1]), T_CLR[1]);
        v0 = a;
        v4 = b;
        a = v1.blend(v5.rearrange(T_DOWN[1]), T_SET[1]);
        b = v5.blend(v1.rearrange(T_UP[1]), T_CLR[1]);
        v1 = a;
        v5 = b;
        a = v2.blend(v6.rearrange(T_DOWN[1]), T_SET[1]);
        b = v6.blend(v2.rearrange(T_UP[1]), T_CLR[1]);
        v2 = a;
        v6 = b;
        a = v3.blend(v7.rearrange(T_DOWN[1]), T_SET[1]);
        b = v7.blend(v3.rearrange(T_UP[1]), T_CLR[1]);
        v3 = a;
        v7 = b;
        a = v8.blend(v12.rearrange(T_DOWN[1]), T_SET[1]);
        b = v12.blend(v8.rearrange(T_UP[1]), T_CLR[1]);
        v8 = a;
        v12 = b;
        a = v9.blend(v13.rearrange(T_DOWN[1]), T_SET[1]);
        b = v13.blend(v9.rearrange(T_UP[1]), T_CLR[1]);
        v9 = a;
        v13 = b;
        a = v10.blend(v14.rearrange(T_DOWN[1]), T_SET[1]);
        b = v14.blend(v10.rearrange(T_UP[1]), T_CLR[1]);
        v10 = a;
        v14 = b;
        a = v11.blend(v15.rearrange(T_DOWN[1]), T_SET[1]);
        b = v15.blend(v11.rearrange(T_UP[1]), T_CLR[1]);
        v11 = a;
        v15 = b;
        a = v0.blend(v2.rearrange(T_DOWN[2]), T_SET[2]);
        b = v2.blend(v0.rearrange(T_UP[2]), T_CLR[2]);
        v0 = a;
        v2 = b;
        a = v1.blend(v3.rearrange(T_DOWN[2]), T_SET[2]);
        b = v3.blend(v1.rearrange(T_UP[2]), T_CLR[2]);
        v1 = a;
        v3 = b;
        a = v4.blend(v6.rearrange(T_DOWN[2]), T_SET[2]);
        b = v6.blend(v4.rearrange(T_UP[2]), T_CLR[2]);
        v4 = a;
        v6 = b;
        a = v5.blend(v7.rearrange(T_DOWN[2]), T_SET[2]);
        b = v7.blend(v5.rearrange(T_UP[2]), T_CLR[2]);
        v5 = a;
        v7 = b;
        a = v8.blend(v10.rearrange(T_DOWN[2]), T_SET[2]);
        b = v10.blend(v8.rearrange(T_UP[2]), T_CLR[2]);
        v8 = a;
        v10 = b;
        a = v9.blend(v11.rearrange(T_DOWN[2]), T_SET[2]);
        b = v11.blend(v9.rearrange(T_UP[2]), T_CLR[2]);
        v9 = a;
        v11 = b;
        a = v12.blend(v14.rearrange(T_DOWN[2]), T_SET[2]);
        b = v14.blend(v12.rearrange(T_UP[2]), T_CLR[2]);
        v12 = a;
        v14 = b;
        a = v13.blend(v15.rearrange(T_DOWN[2]), T_SET[2]);
        b = v15.blend(v13.rearrange(T_UP[2]), T_CLR[2]);
        v13 = a;
        v15 = b;
        a = v0.blend(v1.rearrange(T_DOWN[3]), T_SET[3]);
        b = v1.blend(v0.rearrange(T_UP[3]), T_CLR[3]);
        v0 = a;
        v1 = b;
        a = v2.blend(v3.rearrange(T_DOWN[3]), T_SET[3]);
        b = v3.blend(v2.rearrange(T_UP[3]), T_CLR[3]);
        v2 = a;
        v3 = b;
        a = v4.blend(v5.rearrange(T_DOWN[3]), T_SET[3]);
        b = v5.blend(v4.rearrange(T_UP[3]), T_CLR[3]);
        v4 = a;
        v5 = b;
        a = v6.blend(v7.rearrange(T_DOWN[3]), T_SET[3]);
        b = v7.blend(v6.rearrange(T_UP[3]), T_CLR[3]);
        v6 = a;
        v7 = b;
        a = v8.blend(v9.rearrange(T_DOWN[3]), T_SET[3]);
        b = v9.blend(v8.rearrange(T_UP[3]), T_CLR[3]);
        v8 = a;
        v9 = b;
        a = v10.blend(v11.rearrange(T_DOWN[3]), T_SET[3]);
        b = v11.blend(v10.rearrange(T_UP[3]), T_CLR[3]);
        v10 = a;
        v11 = b;
        a = v12.blend(v13.rearrange(T_DOWN[3]), T_SET[3]);
        b = v13.blend(v12.rearrange(T_UP[3]), T_CLR[3]);
        v12 = a;
        v13 = b;
        a = v14.blend(v15.rearrange(T_DOWN[3]), T_SET[3]);
        b = v15.blend(v14.rearrange(T_UP[3]), T_CLR[3]);
        v14 = a;
        v15 = b;
        v0.intoArray(dst, dOff[0]);
        v1.intoArray(dst, dOff[1]);
        v2.intoArray(dst, dOff[2]);
        v3.intoArray(dst, dOff[3]);
        v4.intoArray(dst, dOff[4]);
        v5.intoArray(dst, dOff[5]);
        v6.intoArray(dst, dOff[6]);
        v7.intoArray(dst, dOff[7]);
        v8.intoArray(dst, dOff[8]);
        v9.intoArray(dst, dOff[9]);
        v10.intoArray(dst, dOff[10]);
        v11.intoArray(dst, dOff[11]);
        v12.intoArray(dst, dOff[12]);
        v13.intoArray(dst, dOff[13]);
        v14.intoArray(dst, dOff[14]);
        v15.intoArray(dst, dOff[15]);
    }

    /** t[q + p] = src[s + lanes[p]] for every lane p: one cell of the channel-interleaved tile. */
    static void gatherCell(float[] src, int s, int[] lanes, float[] t, int q) {
        FloatVector.fromArray(S, src, s, lanes, 0).intoArray(t, q);
    }

    /** dst[d + lanes[p] + e] = o[e·L + p] for e < n, every lane p: one scatter per element vector. */
    static void scatterPlanes(float[] o, int n, float[] dst, int d, int[] lanes) {
        for (int e = 0; e < n; e++) {
            FloatVector.fromArray(S, o, e * L).intoArray(dst, d + e, lanes, 0);
        }
    }

    /**
     * Copies {@code n ≥ L} floats {@code src[s …)} to {@code dst[d …)} with vector moves, the last one overlapping
     * the one before when L does not divide n.
     */
    static void copy(float[] src, int s, float[] dst, int d, int n) {
        final int last = n - L;
        if (last >= WIDE_ROW) {
            for (int x = 0; x < last; x += L) { // counted: C2 hoists the bounds checks
                FloatVector.fromArray(S, src, s + x).intoArray(dst, d + x);
            }
            { // the last vector, overlapping the one before when L does not divide the row
                final int x = last;
                FloatVector.fromArray(S, src, s + x).intoArray(dst, d + x);
            }
        } else { // a few vectors: this loop beats a counted loop's pre/main/post split
            for (int x = 0; ; x += L) {
                if (x > last) {
                    x = last;
                }
                FloatVector.fromArray(S, src, s + x).intoArray(dst, d + x);
                if (x == last) {
                    break;
                }
            }
        }
    }

    /** Sets {@code dst[d … d+n)} to zero, n ≥ L, with vector stores. */
    static void zero(float[] dst, int d, int n) {
        final FloatVector z = FloatVector.zero(S);
        final int last = n - L;
        if (last >= WIDE_ROW) {
            for (int x = 0; x < last; x += L) { // counted: C2 hoists the bounds checks
                z.intoArray(dst, d + x);
            }
            { // the last vector, overlapping the one before when L does not divide the row
                final int x = last;
                z.intoArray(dst, d + x);
            }
        } else { // a few vectors: this loop beats a counted loop's pre/main/post split
            for (int x = 0; ; x += L) {
                if (x > last) {
                    x = last;
                }
                z.intoArray(dst, d + x);
                if (x == last) {
                    break;
                }
            }
        }
    }
}
