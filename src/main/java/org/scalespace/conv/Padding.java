package org.scalespace.conv;

import java.util.Locale;

/**
 * Border handling of the depthwise convolution (SPEC §8). The padded image P extends the input I of an axis of
 * length n to every integer index; the convolution reads P. All three modes are separable: P[y][x] is built from
 * one index mapping per axis.
 *
 * <ul>
 *   <li>{@link #ZERO}: P = 0 outside the image — PyTorch {@code F.conv2d(..., padding=k//2)}.</li>
 *   <li>{@link #REFLECT}: mirror about the edge sample without repeating it (…, 2, 1 | 0, 1, 2, …, n−1 | n−2, …) —
 *       PyTorch {@code F.pad(mode='reflect')}. <b>Where the pad is wider than the image</b> (r ≥ n), PyTorch refuses;
 *       Scalespace reflects repeatedly, i.e. the image is extended periodically with period 2(n−1) of its mirrored
 *       copy ({@code numpy.pad(mode='reflect')} does the same). For n = 1 every index reads sample 0.</li>
 *   <li>{@link #REPLICATE}: the edge sample repeats (…, 0, 0 | 0, 1, …, n−1 | n−1, n−1, …) —
 *       PyTorch {@code F.pad(mode='replicate')}; defined for any pad width.</li>
 * </ul>
 */
public enum Padding {
    ZERO, REFLECT, REPLICATE;

    /** Lower-case name used on the command line. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code zero|reflect|replicate} (case-insensitive); the error lists what is accepted. */
    public static Padding parse(String s) {
        for (Padding p : values()) {
            if (p.id().equalsIgnoreCase(s.trim())) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown padding '" + s + "'; accepted: zero, reflect, replicate");
    }

    /**
     * The index of the input sample that padded index {@code i} reads on an axis of length {@code n} (n ≥ 1), or
     * −1 when it reads zero ({@link #ZERO} outside the image). Indices inside [0, n) map to themselves.
     */
    public int sourceIndex(int i, int n) {
        if (i >= 0 && i < n) {
            return i;
        }
        switch (this) {
            case ZERO:
                return -1;
            case REPLICATE:
                return i < 0 ? 0 : n - 1;
            case REFLECT: {
                if (n == 1) {
                    return 0;
                }
                int period = 2 * (n - 1);
                int m = Math.floorMod(i, period);
                return m < n ? m : period - m;
            }
            default:
                throw new AssertionError(this);
        }
    }
}
