package org.scalespace.backend.device;

import java.util.Locale;

/**
 * The specialisation of the convolution kernels (kernels/common/conv.h): radius, separable terms, border mode and
 * tile; the one record the {@code -D} defines are built from, and the program (OpenCL) or module (CUDA) cache key.
 *
 * @param radius     filter radius r (k = 2r + 1)
 * @param terms      separable terms per channel (1..4; ignored by the dense kernel, use 1)
 * @param border     0 zero, 1 reflect, 2 replicate
 * @param tileWidth  output tile width = work-group x size
 * @param tileHeight output tile height = work-group y size
 */
public record ConvDefines(int radius, int terms, int border, int tileWidth, int tileHeight) {

    public ConvDefines {
        if (radius < 0 || terms < 1 || terms > 4 || border < 0 || border > 2 || tileWidth < 1 || tileHeight < 1) {
            throw new IllegalArgumentException("invalid convolution specialisation " + this);
        }
    }

    public String options() {
        return String.format(Locale.ROOT, "-cl-std=CL1.2 -D SS_R=%d -D SS_TERMS=%d -D SS_BORDER=%d -D SS_TW=%d -D SS_TH=%d",
                radius, terms, border, tileWidth, tileHeight);
    }

    /** Local memory of the separable kernel, bytes. */
    public long separableLocalBytes() {
        long tw = tileWidth + 2L * radius;
        long th = tileHeight + 2L * radius;
        return 4L * (tw * th + (long) terms * th * tileWidth);
    }

    /**
     * Global scratch of the plane kernels per plane, in floats (conv.h SS_SEP_SCRATCH / SS_DENSE_SCRATCH): a padded
     * row of w + 2r floats and k row-pass rows of w floats per term (separable), or k padded rows (dense).
     */
    public long planeScratchFloats(int w, boolean separable) {
        long k = 2L * radius + 1;
        long padded = w + 2L * radius;
        return separable ? padded + (long) terms * k * w : k * padded;
    }

    /** Local memory of the dense kernel, bytes. */
    public long denseLocalBytes() {
        long k = 2L * radius + 1;
        return 4L * ((tileWidth + 2L * radius) * (tileHeight + 2L * radius) + k * k);
    }
}
