package org.scalespace.backend.device;

import java.util.Arrays;
import org.scalespace.fit.CandidateSet;

/**
 * Host-side float32 tables of a candidate set in the layout of kernels/common/fit.h: column and row tables
 * compacted to the vectors the candidates use, {@code cand_idx}/{@code cand_f} (8 slots per candidate) and the
 * block starts. Shared by the OpenCL and CUDA backends, which copy these arrays into their device buffers.
 */
public final class PackedCandidates {
    public final int numCol;
    public final int numRow;
    public final int maxTerms;
    public final float[] col;
    public final float[] row;
    public final int[] idx;
    public final float[] f;
    public final int[] blockStart;

    public PackedCandidates(CandidateSet cs) {
        int k = cs.k;
        int size = cs.size;
        int[] colMap = new int[cs.numCol];
        int[] rowMap = new int[cs.numRow];
        Arrays.fill(colMap, -1);
        Arrays.fill(rowMap, -1);
        int nc = 0;
        int nr = 0;
        int mt = 1;
        idx = new int[8 * size];
        f = new float[8 * size];
        for (int c = 0; c < size; c++) {
            int t = 3;
            while (t > 1 && cs.coef[3 * c + t - 1] == 0.0) {
                t--;
            }
            mt = Math.max(mt, t);
            for (int u = 0; u < 3; u++) {
                int ci = cs.colIdx[3 * c + u];
                int ri = cs.rowIdx[3 * c + u];
                if (u < t) {
                    if (colMap[ci] < 0) {
                        colMap[ci] = nc++;
                    }
                    if (rowMap[ri] < 0) {
                        rowMap[ri] = nr++;
                    }
                    idx[8 * c + u] = colMap[ci];
                    idx[8 * c + 3 + u] = rowMap[ri];
                }
                f[8 * c + u] = (float) cs.coef[3 * c + u];
            }
            idx[8 * c + 6] = t;
            // per-candidate constants, exactly as the SIMD backend forms them
            double s = cs.sumM[c];
            double q = cs.sqM[c];
            double qc = q - s * s / cs.kk;
            f[8 * c + 3] = (float) (s / cs.kk);
            f[8 * c + 4] = qc > 1e-30 * Math.max(q, 1e-300) && qc > 0 ? (float) (1.0 / qc) : 0f;
            f[8 * c + 5] = q > 0 ? (float) (1.0 / q) : 0f;
            f[8 * c + 6] = (float) s;
            f[8 * c + 7] = (float) q;
        }
        numCol = nc;
        numRow = nr;
        maxTerms = mt;
        col = new float[Math.max(1, nc * k)];
        row = new float[Math.max(1, nr * k)];
        for (int u = 0; u < cs.numCol; u++) {
            if (colMap[u] >= 0) {
                for (int j = 0; j < k; j++) {
                    col[colMap[u] * k + j] = (float) cs.colVecs[u * k + j];
                }
            }
        }
        for (int v = 0; v < cs.numRow; v++) {
            if (rowMap[v] >= 0) {
                for (int i = 0; i < k; i++) {
                    row[rowMap[v] * k + i] = (float) cs.rowVecs[v * k + i];
                }
            }
        }
        blockStart = cs.blockStart.clone();
    }

    /** The candidates' dense templates in float32 (the l1 kernel's table). */
    public static float[] denseFloats(CandidateSet cs) {
        double[] d = cs.dense();
        float[] fd = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            fd[i] = (float) d[i];
        }
        return fd;
    }
}
