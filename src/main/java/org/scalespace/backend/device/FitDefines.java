package org.scalespace.backend.device;

import java.util.Locale;

/**
 * The specialisation of the coarse-fit kernel (kernels/common/fit.h): the one record from which the {@code -D}
 * defines are built, and the program cache key. Shared by the OpenCL and CUDA backends (CUDA passes the values its
 * PTX was not built with as module constants).
 *
 * @param k           filter size (odd)
 * @param blocks      number of family blocks
 * @param mode        0 l2 gain-offset, 1 l2 gain, 2 l2 none/paper, 3 l1
 * @param workGroup   work-items per filter (power of two)
 * @param numCol      column vectors used by the candidates
 * @param numRow      row vectors used by the candidates
 * @param maxTerms    most separable terms of any candidate (1..3)
 * @param localTables W and the row table in local memory (else W in global scratch)
 * @param cpu         the CPU-driver schedule ({@code SS_CPU=1}: one work-item per work-group holding
 *                    {@code workGroup} filters in the lanes of floatN vectors; OpenCL only) instead of the GPU one
 *                    (one filter per work-group of {@code workGroup} work-items)
 */
public record FitDefines(int k, int blocks, int mode, int workGroup, int numCol, int numRow, int maxTerms,
                         boolean localTables, boolean cpu) {

    public FitDefines {
        if (k < 1 || k % 2 == 0) {
            throw new IllegalArgumentException("k must be odd and positive, got " + k);
        }
        if (blocks < 1 || mode < 0 || mode > 3 || maxTerms < 1 || maxTerms > 3 || numCol < 0 || numRow < 0) {
            throw new IllegalArgumentException("invalid fit specialisation " + this);
        }
        if (workGroup < 1 || Integer.bitCount(workGroup) != 1) {
            throw new IllegalArgumentException("work-group size must be a power of two, got " + workGroup);
        }
        if (cpu && (workGroup < 2 || workGroup > 16)) {
            throw new IllegalArgumentException("the cpu schedule holds 2, 4, 8 or 16 filters per work-item, got "
                    + workGroup);
        }
    }

    /** The GPU schedule (as the CUDA build uses). */
    public FitDefines(int k, int blocks, int mode, int workGroup, int numCol, int numRow, int maxTerms,
                      boolean localTables) {
        this(k, blocks, mode, workGroup, numCol, numRow, maxTerms, localTables, false);
    }

    /** Compiler options: {@code -D SS_K=7 -D SS_BLOCKS=8 ...}. */
    public String options() {
        return String.format(Locale.ROOT,
                "-cl-std=CL1.2 -D SS_K=%d -D SS_BLOCKS=%d -D SS_MODE=%d -D SS_WG=%d -D SS_NUMCOL=%d -D SS_NUMROW=%d"
                        + " -D SS_MAX_TERMS=%d -D SS_LOCAL_TABLES=%d -D SS_CPU=%d",
                k, blocks, mode, workGroup, numCol, numRow, maxTerms, localTables ? 1 : 0, cpu ? 1 : 0);
    }

    /** Local memory the kernel declares, in bytes. */
    public long localBytes() {
        if (cpu) {
            // h and (local tables) W, workGroup lanes each
            return 4L * workGroup * (k * k + (localTables ? (long) k * Math.max(1, numCol) : 0));
        }
        long b = 4L * k * k + 8L * workGroup;
        if (localTables) {
            b += 4L * k * (Math.max(1, numCol) + Math.max(1, numRow));
        }
        return b;
    }
}
