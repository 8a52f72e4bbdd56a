package org.scalespace.backend.simd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.scalespace.backend.scalar.ScalarConvEngine;
import org.scalespace.conv.ConvEngine;
import org.scalespace.conv.ConvEngineContract;
import org.scalespace.conv.DenseFilters;
import org.scalespace.conv.Padding;
import org.scalespace.conv.SeparableBank;
import org.scalespace.conv.Tensor4;
import org.scalespace.conv.TestData;

/** The contract on the SIMD engine, plus its own checks: equal to scalar, thread-count independence, border path. */
class SimdConvEngineTest extends ConvEngineContract {
    @Override
    protected String backendName() {
        return "simd";
    }

    @Override
    protected String unavailableReason() {
        return VectorSupport.unavailableReason().orElse(null);
    }

    @Override
    protected ConvEngine createEngine() {
        return new SimdConvEngine(3); // more threads than cores on small machines: exercises the pool
    }

    @Test
    void equalToScalarOnABatch() {
        try (ScalarConvEngine scalar = new ScalarConvEngine()) {
            Tensor4 x = TestData.random(11, 2, 5, 37, 61);
            SeparableBank b = TestData.randomSeparable(12, 5, 7, 3);
            DenseFilters f = TestData.randomDense(13, 5, 7);
            for (Padding p : Padding.values()) {
                assertClose(scalar.separable(x, b, p), engine.separable(x, b, p), 1e-6, "separable " + p);
                assertClose(scalar.dense(x, f, p), engine.dense(x, f, p), 1e-6, "dense " + p);
            }
        }
    }

    @Test
    void ringAndFlatTilePathsAgreeWithTheReference() {
        // both paths switch schedule at a width (separable: flat tiles / row ring; dense: flat chunks / row pairs);
        // force each on the awkward shapes
        try (SimdConvEngine ring = new SimdConvEngine(2, 1); SimdConvEngine flat = new SimdConvEngine(2, 1 << 30)) {
            long seed = 500;
            for (int[] s : SHAPES) {
                for (Padding p : Padding.values()) {
                    Tensor4 x = TestData.random(seed++, s[0], s[1], s[2], s[3]);
                    SeparableBank b = TestData.randomSeparable(seed++, s[1], s[4], SeparableBank.MAX_TERMS);
                    Tensor4 ref = org.scalespace.conv.ReferenceConv.separable(x, b, p);
                    assertClose(ref, ring.separable(x, b, p), TOL, "ring " + p + " " + java.util.Arrays.toString(s));
                    assertClose(ref, flat.separable(x, b, p), TOL, "flat " + p + " " + java.util.Arrays.toString(s));
                    DenseFilters f = TestData.randomDense(seed++, s[1], s[4]);
                    Tensor4 refD = org.scalespace.conv.ReferenceConv.dense(x, f, p);
                    assertClose(refD, ring.dense(x, f, p), TOL, "dense pairs " + p + " " + java.util.Arrays.toString(s));
                    assertClose(refD, flat.dense(x, f, p), TOL, "dense flat " + p + " " + java.util.Arrays.toString(s));
                }
            }
            // a plane taller than one flat tile: several tiles per plane
            Tensor4 x = TestData.random(9, 1, 2, 700, 200);
            SeparableBank b = TestData.randomSeparable(10, 2, 7, 2);
            DenseFilters f = TestData.randomDense(11, 2, 7);
            for (Padding p : Padding.values()) {
                assertClose(org.scalespace.conv.ReferenceConv.separable(x, b, p), flat.separable(x, b, p), TOL,
                        "flat multi-tile " + p);
                assertClose(org.scalespace.conv.ReferenceConv.dense(x, f, p), flat.dense(x, f, p), TOL,
                        "dense multi-tile " + p);
            }
        }
    }

    @Test
    void sevenTapFastPathsAgreeWithTheReference() {
        // the k = 7 paths with vector tails that overlap the vector before (widths L … L + 15, L-multiples, and
        // rows wider than Mac.WIDE_ROW + L, which take the counted-loop form),
        // odd and even row counts, rows fewer than the taps, planes taller than one tile; one-term channels
        // (separable fast path) next to multi-term ones (general path) in one bank
        int lanes = SimdConvEngine.lanes();
        int[][] shapes = {{2, 3, 56, 56}, {1, 2, lanes, lanes}, {1, 2, 5, lanes + 1}, {1, 2, 1, lanes + 7},
            {1, 2, 2, 2 * lanes}, {1, 2, 3, 3 * lanes - 1}, {1, 1, 9, 127}, {1, 1, 1200, 20},
            // rows wide enough for the counted-loop form (Mac.WIDE_ROW): at its threshold, above it with and
            // without an overlapping last vector
            {1, 1, 3, 9 * lanes}, {1, 2, 5, 9 * lanes + 5}, {1, 1, 6, 10 * lanes}, {1, 1, 4, 9 * lanes - 1}};
        long seed = 900;
        try (SimdConvEngine e = new SimdConvEngine(2)) {
            for (int[] s : shapes) {
                for (Padding p : Padding.values()) {
                    Tensor4 x = TestData.random(seed++, s[0], s[1], s[2], s[3]);
                    SeparableBank b = TestData.randomSeparable(seed++, s[1], 7, 2);
                    String what = p + " " + java.util.Arrays.toString(s);
                    assertClose(org.scalespace.conv.ReferenceConv.separable(x, b, p), e.separable(x, b, p), TOL,
                            "separable " + what);
                    DenseFilters f = TestData.randomDense(seed++, s[1], 7);
                    assertClose(org.scalespace.conv.ReferenceConv.dense(x, f, p), e.dense(x, f, p), TOL,
                            "dense " + what);
                }
            }
        }
    }

    @Test
    void blockKernelPathsAtPlaneEdgesAndBlockOverlaps() {
        // the k with block kernels (3 … 13): separable with one term per channel (vertical pass first), with
        // several terms (composed dense filters next to a one-term channel) and dense;
        // heights around the 8-row block and the 8 + 2r rows a block reads (blocks touching the top and the bottom
        // edge, overlapping last blocks, planes shorter than a block), widths at and just above the vector length;
        // a channel with no term (zero filter) next to ones with a term; one and three workers (bands split on
        // 8-row boundaries), which must agree bit for bit
        int lanes = SimdConvEngine.lanes();
        int[] heights = {1, 7, 8, 9, 10, 12, 13, 14, 15, 16, 17, 25, 56, 130};
        int[] widths = {lanes, lanes + 3, 56};
        long seed = 1700;
        try (SimdConvEngine one = new SimdConvEngine(1); SimdConvEngine three = new SimdConvEngine(3)) {
            for (int k : new int[] {3, 5, 7, 9, 11, 13}) {
                for (int h : heights) {
                    for (int w : widths) {
                        for (Padding p : Padding.values()) {
                            Tensor4 x = TestData.random(seed++, 2, 3, h, w);
                            SeparableBank b = TestData.randomSeparable(seed++, 3, k, 1);
                            java.util.List<java.util.List<SeparableBank.Term>> terms = new java.util.ArrayList<>();
                            terms.add(b.terms(0));
                            terms.add(java.util.List.of());
                            terms.add(b.terms(2));
                            SeparableBank withZero = SeparableBank.of(k, terms);
                            // 1, 2 and 3 terms: the one-term channel separable, the others as composed dense filters
                            SeparableBank multi = TestData.randomSeparable(seed++, 3, k, 3);
                            String what = "k " + k + " " + p + " " + h + "x" + w;
                            for (SeparableBank bank : new SeparableBank[] {b, withZero, multi}) {
                                Tensor4 ref = org.scalespace.conv.ReferenceConv.separable(x, bank, p);
                                Tensor4 a = one.separable(x, bank, p);
                                assertClose(ref, a, TOL, "separable, one worker, " + what);
                                assertArrayEquals(a.data(), three.separable(x, bank, p).data(),
                                        "separable, three workers, " + what);
                            }
                            DenseFilters f = TestData.randomDense(seed++, 3, k);
                            Tensor4 refD = org.scalespace.conv.ReferenceConv.dense(x, f, p);
                            Tensor4 d = one.dense(x, f, p);
                            assertClose(refD, d, TOL, "dense, one worker, " + what);
                            assertArrayEquals(d.data(), three.dense(x, f, p).data(), "dense, three workers, " + what);
                        }
                    }
                }
            }
        }
    }

    @Test
    void channelPathOnPlanesNarrowerThanAVector() {
        // widths below the vector length (ConvNeXt's 14² and 7² stages) with a k that has block kernels: the planes
        // go through the vector lanes, L at a time. Channel counts that L divides (one tap table) and that it does
        // not (taps per group, a partial last group), groups straddling batch items, k larger than the plane,
        // separable banks (as composed dense filters), planes taller than one band, one vs three workers bit for bit
        int lanes = SimdConvEngine.lanes();
        int[][] shapes = {{2, lanes, 7, 7}, {3, 5, 14, 14}, {1, 2 * lanes + 3, 5, lanes - 1}, {2, 1, 9, 4},
            {1, 7, 1, 6}, {4, 3, 20, 8}, {1, lanes, 3, 11},
            // taller than one band of the interleaved tile (TILE_FLOATS / (w + 2r)·L rows)
            {1, 3, Geometry.TILE_FLOATS / (8 * lanes) + 37, 5},
            // enough pixels for the transposes (TRANSPOSE_MIN_PIXELS), a partial group and one of 16 planes
            {1, lanes + 5, 9, 8}, {2, lanes, 14, 13}};
        long seed = 2100;
        try (SimdConvEngine one = new SimdConvEngine(1); SimdConvEngine three = new SimdConvEngine(3)) {
            for (int[] s : shapes) {
                for (int k : new int[] {3, 5, 7, 9, 11, 13}) {
                    for (Padding p : Padding.values()) {
                        Tensor4 x = TestData.random(seed++, s[0], s[1], s[2], s[3]);
                        String what = "k " + k + " " + p + " " + java.util.Arrays.toString(s);
                        DenseFilters f = TestData.randomDense(seed++, s[1], k);
                        Tensor4 d = one.dense(x, f, p);
                        assertClose(org.scalespace.conv.ReferenceConv.dense(x, f, p), d, TOL, "dense " + what);
                        assertArrayEquals(d.data(), three.dense(x, f, p).data(), "dense, three workers, " + what);
                        SeparableBank b = TestData.randomSeparable(seed++, s[1], k, 3);
                        Tensor4 sep = one.separable(x, b, p);
                        assertClose(org.scalespace.conv.ReferenceConv.separable(x, b, p), sep, TOL,
                                "separable " + what);
                        assertArrayEquals(sep.data(), three.separable(x, b, p).data(),
                                "separable, three workers, " + what);
                    }
                }
            }
        }
    }

    @Test
    void pixelsPerCallComputesTheFewestPixels() {
        assertEquals(7, ChannelPath.pixelsPerCall(7));
        assertEquals(7, ChannelPath.pixelsPerCall(14));
        assertEquals(8, ChannelPath.pixelsPerCall(8));
        assertEquals(8, ChannelPath.pixelsPerCall(15)); // 16 computed, as with 7 (21) or 4 (16): the larger
        assertEquals(4, ChannelPath.pixelsPerCall(4));
        assertEquals(4, ChannelPath.pixelsPerCall(5)); // 8 computed
        assertEquals(-1, ChannelPath.pixelsPerCall(3));
    }

    @Test
    void zeroPaddingRewritesThePaddingColumnsAfterOtherUsesOfTheTile() {
        // one worker, so every call reuses one padded tile; the k = 7 fill writes the zero padding columns only when
        // the tile was last filled otherwise (another padding, another stride, fewer rows, the general paths)
        int lanes = SimdConvEngine.lanes();
        int[][] shapes = {{1, 2, 20, lanes + 5}, {1, 2, 20, lanes + 5}, {1, 1, 30, 2 * lanes + 3}, {1, 2, 12, lanes + 5},
            {1, 2, 20, lanes + 5}};
        Padding[] order = {Padding.ZERO, Padding.REFLECT, Padding.ZERO, Padding.REPLICATE, Padding.ZERO};
        long seed = 1300;
        try (SimdConvEngine e = new SimdConvEngine(1)) {
            for (int round = 0; round < 2; round++) {
                for (int[] s : shapes) {
                    for (Padding p : order) {
                        Tensor4 x = TestData.random(seed++, s[0], s[1], s[2], s[3]);
                        String what = p + " " + java.util.Arrays.toString(s) + " round " + round;
                        SeparableBank b = TestData.randomSeparable(seed++, s[1], 7, 1);
                        assertClose(org.scalespace.conv.ReferenceConv.separable(x, b, p), e.separable(x, b, p), TOL,
                                "separable " + what);
                        DenseFilters f = TestData.randomDense(seed++, s[1], 7);
                        assertClose(org.scalespace.conv.ReferenceConv.dense(x, f, p), e.dense(x, f, p), TOL,
                                "dense " + what);
                        if (round == 1) { // a general path (k = 5) in between: it fills the tile its own way
                            DenseFilters f5 = TestData.randomDense(seed++, s[1], 5);
                            assertClose(org.scalespace.conv.ReferenceConv.dense(x, f5, p), e.dense(x, f5, p), TOL,
                                    "dense 5 " + what);
                        }
                    }
                }
            }
        }
    }

    @Test
    void resultDoesNotDependOnThreadsOrBands() {
        // one tall plane: with several threads it is split into bands, with one thread it is not
        Tensor4 x = TestData.random(21, 1, 1, 301, 77);
        SeparableBank b = TestData.randomSeparable(22, 1, 9, 2);
        DenseFilters f = TestData.randomDense(23, 1, 5);
        SeparableBank b7 = TestData.randomSeparable(24, 1, 7, 1);
        DenseFilters f7 = TestData.randomDense(25, 1, 7);
        try (SimdConvEngine one = new SimdConvEngine(1); SimdConvEngine four = new SimdConvEngine(4)) {
            for (Padding p : Padding.values()) {
                assertArrayEquals(one.separable(x, b, p).data(), four.separable(x, b, p).data(), "sep " + p);
                assertArrayEquals(one.dense(x, f, p).data(), four.dense(x, f, p).data(), "dense " + p);
                assertArrayEquals(one.separable(x, b7, p).data(), four.separable(x, b7, p).data(), "sep 7 " + p);
                assertArrayEquals(one.dense(x, f7, p).data(), four.dense(x, f7, p).data(), "dense 7 " + p);
            }
        }
    }

    @Test
    void borderPathFillsThePadsFromThePaddingTable() {
        float[] in = {9, 9, 1, 2, 3, 9};
        for (Padding p : Padding.values()) {
            int r = 4;
            int[] map = PaddedRows.indexTable(p, 3, r);
            float[] row = new float[3 + 2 * r + 5];
            java.util.Arrays.fill(row, -7f);
            PaddedRows.fillPaddedRow(in, 2, 3, r, map, row);
            for (int q = 0; q < 3 + 2 * r; q++) {
                int s = p.sourceIndex(q - r, 3);
                assertEquals(s < 0 ? 0f : in[2 + s], row[q], p + " padded column " + q);
            }
            for (int q = 3 + 2 * r; q < row.length; q++) {
                assertEquals(-7f, row[q], "beyond the padded row nothing is written");
            }
        }
    }

    @Test
    void closedEngineRefusesWork() {
        SimdConvEngine e = new SimdConvEngine(2);
        e.close();
        e.close(); // idempotent
        assertThrows(IllegalStateException.class, () -> e.dense(TestData.random(1, 1, 1, 3, 3),
                TestData.randomDense(1, 1, 3), Padding.ZERO));
    }

    @Test
    void rejectsBadThreadCount() {
        assertThrows(IllegalArgumentException.class, () -> new SimdConvEngine(0));
    }
}
