package org.scalespace.backend.device;

import org.scalespace.fit.CandidateSet;
import org.scalespace.fit.CoarseProblem;
import org.scalespace.fit.Metric;
import org.scalespace.fit.Normalisation;

/**
 * Host-side float32 inputs of one coarse fit call in the layout of kernels/common/fit.h (the filters, each
 * (filter, block)'s frame offset and inverse scale, the kernel mode), and the check and widening of the kernel's
 * results. Shared by the OpenCL and CUDA backends.
 */
public final class PackedProblem {
    /** The filters, {@code count × kk}. */
    public final float[] h;
    /** Frame offsets, {@code count × blocks}. */
    public final float[] off;
    /** Inverse frame scales, {@code count × blocks}. */
    public final float[] inv;
    /** The kernel's mode ({@link #mode}). */
    public final int mode;

    public PackedProblem(CoarseProblem p) {
        CandidateSet cs = p.candidates();
        int kk = cs.kk;
        int blocks = cs.blocks();
        int count = p.count();
        h = new float[count * kk];
        double[] src = p.filters();
        int base = p.first() * kk;
        for (int i = 0; i < h.length; i++) {
            h[i] = (float) src[base + i];
        }
        off = new float[count * blocks];
        inv = new float[count * blocks];
        for (int n = 0; n < count; n++) {
            for (int b = 0; b < blocks; b++) {
                off[n * blocks + b] = (float) p.offset(n, b);
                inv[n * blocks + b] = (float) (1.0 / p.scale(n, b));
            }
        }
        mode = mode(p.normalisation(), p.metric());
    }

    /** The fit kernel's mode: 0 gain+offset, 1 gain, 2 none/paper (l2), 3 l1. */
    public static int mode(Normalisation n, Metric m) {
        if (m == Metric.L1) {
            return 3;
        }
        return n == Normalisation.GAIN_OFFSET ? 0 : n == Normalisation.GAIN ? 1 : 2;
    }

    /** Throws when {@code best}/{@code score} cannot hold {@code count × blocks} results. */
    public static void checkOutputs(int count, int blocks, int[] best, double[] score) {
        if (best.length < count * blocks || score.length < count * blocks) {
            throw new IllegalArgumentException("best/score must hold count × blocks = " + count * blocks
                    + " values");
        }
    }

    /**
     * Copies the kernel's {@code count × blocks} results into {@code best}/{@code score}, checking that every
     * candidate lies in its block.
     */
    public static void unpack(CandidateSet cs, int count, int[] outBest, float[] outScore, int[] best,
                              double[] score) {
        int blocks = cs.blocks();
        for (int i = 0; i < count * blocks; i++) {
            int c = outBest[i];
            int b = i % blocks;
            if (c < cs.blockStart[b] || c >= cs.blockStart[b + 1]) {
                throw new IllegalStateException("ss_fit_coarse returned candidate " + c + " outside block " + b
                        + " [" + cs.blockStart[b] + ", " + cs.blockStart[b + 1] + ")");
            }
            best[i] = c;
            score[i] = outScore[i];
        }
    }
}
