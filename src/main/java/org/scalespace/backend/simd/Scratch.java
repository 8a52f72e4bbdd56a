package org.scalespace.backend.simd;

import static org.scalespace.backend.simd.Geometry.roundUp;

/** Per-worker scratch, grown on demand and reused across calls. */
final class Scratch {
    private static final int L = Mac.L;

    float[] prow = new float[0];
    float[] ring = new float[0];
    float[] orow = new float[0];
    int[] hOffs = new int[0];
    int[] vOffs = new int[0];
    int[] dOffs = new int[0];
    float[] tileP = new float[0];
    float[] tileH = new float[0];
    float[] tileO = new float[0];
    /**
     * When ≥ 0: tileP's padding columns (r on each side of each row of this stride) are zero in its first
     * {@link #zeroPadRows} rows, as {@link PaddedRows#fillTileVector} left them with zero padding; −1 when unknown.
     */
    int zeroPadStride = -1;
    int zeroPadRows;
    /** {@link SeparablePaths#separableBlocks}'s block buffer (8 rows of the stride) and its copy of 8 + 2r edge rows. */
    float[] blockBuf = new float[0];
    float[] blockEdge = new float[0];
    /** The stride at which blockBuf's padding columns are known to be zero, or −1. */
    int blockZeroStride = -1;

    /** The channel path's interleaved tile, output tile and tap vectors ({@link ChannelPath#channelGroup}). */
    float[] chanTile = new float[0];
    float[] chanOut = new float[0];
    float[] chanTaps = new float[0];
    final int[] chanIndex = new int[L];
    final int[] transSrc = new int[16];
    final int[] transDst = new int[16];

    void ensureChannels(int tile, int outTile, int taps) {
        if (chanTile.length < tile) {
            chanTile = new float[tile];
        }
        if (chanOut.length < outTile) {
            chanOut = new float[outTile];
        }
        if (chanTaps.length < taps) {
            chanTaps = new float[taps];
        }
    }

    void ensureBlocks(Geometry g) {
        int nb = BlockKernels.BLOCK_ROWS * g.stride;
        if (blockBuf.length < nb) {
            blockBuf = new float[nb];
            blockZeroStride = -1;
        }
        int ne = (BlockKernels.BLOCK_ROWS + 2 * g.r) * g.w;
        if (blockEdge.length < ne) {
            blockEdge = new float[ne];
        }
    }

    void ensureTile(Geometry g, int band) {
        int nOut = roundUp(band * g.stride);
        int nH = roundUp(nOut + 2 * g.r * g.stride);
        int nP = nH + g.k + L; // the row pass reads up to nH + k − 1; the dense taps up to nOut + 2r·stride + 2r
        if (tileP.length < nP) {
            tileP = new float[nP];
        }
        if (tileH.length < nH) {
            tileH = new float[nH];
        }
        int rows2 = 2 * roundUp(g.w); // the dense path's two output row buffers
        if (tileO.length < Math.max(nOut, rows2)) {
            tileO = new float[Math.max(nOut, rows2)];
        }
        ensureOffsets(g);
    }

    void ensureTileBlocks(Geometry g, int band) {
        int nP = (band + 2 * g.r) * g.stride + L; // denseBlock8 reads below (band + 2r − 1)·stride + w + 2r
        if (tileP.length < nP) {
            tileP = new float[nP];
        }
    }

    private void ensureOffsets(Geometry g) {
        if (hOffs.length < g.k) {
            hOffs = new int[g.k];
            vOffs = new int[g.k];
            dOffs = new int[g.k * g.k];
        }
    }

    void ensure(Geometry g, int ringLen) {
        if (prow.length < g.paddedLen) {
            prow = new float[g.paddedLen];
        }
        if (ring.length < ringLen) {
            ring = new float[ringLen];
        }
        if (orow.length < g.vecW) {
            orow = new float[g.vecW];
        }
        if (hOffs.length < g.k) {
            hOffs = new int[g.k];
            vOffs = new int[g.k];
            dOffs = new int[g.k * g.k];
        }
    }
}
