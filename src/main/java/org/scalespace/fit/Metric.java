package org.scalespace.fit;

import java.util.Locale;

/** The residual that is minimised (SPEC §7). */
public enum Metric {
    /** ‖h − model‖₂ */
    L2,
    /** Σ |h − model| */
    L1;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Metric parse(String s) {
        for (Metric m : values()) {
            if (m.id().equalsIgnoreCase(s.trim())) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown metric '" + s + "'; accepted: l2, l1");
    }

    @Override
    public String toString() {
        return id();
    }
}
