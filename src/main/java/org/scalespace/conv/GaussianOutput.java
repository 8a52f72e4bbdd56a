package org.scalespace.conv;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * The outputs of {@link ConvEngine#gaussian}: the smoothed image and its discrete derivatives, with the difference
 * operators of SPEC §3 (δ = central difference, δ² = second difference) applied to the discrete Gaussian, x to the
 * right and <b>y up</b> (SPEC §1).
 */
public enum GaussianOutput {
    /** T_x ⊗ T_y. */
    SMOOTH("smooth"),
    /** δT_x ⊗ T_y. */
    DX("dx"),
    /** T_x ⊗ δT_y (y up). */
    DY("dy"),
    /** δ²T_x ⊗ T_y. */
    DXX("dxx"),
    /** δT_x ⊗ δT_y. */
    DXY("dxy"),
    /** T_x ⊗ δ²T_y. */
    DYY("dyy"),
    /** Five-point Laplacian of the smoothed image: δ²T_x ⊗ T_y + T_x ⊗ δ²T_y. */
    LAPLACIAN("lap");

    private final String id;

    GaussianOutput(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    public static GaussianOutput parse(String s) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        for (GaussianOutput o : values()) {
            if (o.id.equals(t) || (o == LAPLACIAN && t.equals("laplacian"))) {
                return o;
            }
        }
        throw new IllegalArgumentException("unknown Gaussian output '" + s + "'; accepted: " + allIds());
    }

    /** Comma-separated list, e.g. {@code smooth,dx,dy}. */
    public static Set<GaussianOutput> parseList(String s) {
        Set<GaussianOutput> out = EnumSet.noneOf(GaussianOutput.class);
        for (String p : s.split(",")) {
            if (!p.isBlank()) {
                out.add(parse(p));
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("empty Gaussian output list; accepted: " + allIds());
        }
        return out;
    }

    /** True for the outputs that differentiate (need a radius of at least 1). */
    public boolean isDerivative() {
        return this != SMOOTH;
    }

    public static String allIds() {
        StringBuilder b = new StringBuilder();
        for (GaussianOutput o : values()) {
            b.append(b.length() == 0 ? "" : ", ").append(o.id);
        }
        return b.toString();
    }
}
