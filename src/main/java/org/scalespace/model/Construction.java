package org.scalespace.model;

import java.util.Locale;

/** How template window values are built (SPEC §4). */
public enum Construction {
    /** Evaluate the formula with the untruncated T, keep the window; no renormalisation (the default). */
    EXACT,
    /**
     * The construction of the published fits: T built adaptively (ε = 1e-8), cropped or zero-padded to k taps,
     * differences applied to the cropped array with half-sample symmetric boundaries; the five-point Laplacian
     * ({@code dog}, {@code lap}) applied to the cropped 2-D Gaussian with zero boundaries.
     */
    PAPER;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Construction parse(String s) {
        for (Construction c : values()) {
            if (c.id().equalsIgnoreCase(s.trim())) {
                return c;
            }
        }
        throw new IllegalArgumentException("unknown construction '" + s + "'; accepted: exact, paper");
    }
}
