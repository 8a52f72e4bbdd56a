package org.scalespace.fit;

import java.util.Locale;

/** How amplitude is handled when a learned filter h is compared with a template m (SPEC §6). */
public enum Normalisation {
    /** h ≈ a·m + b with a, b in closed form (l2); the default, sign- and scale-free. */
    GAIN_OFFSET("gain-offset"),
    /** h ≈ a·m with a in closed form (l2). */
    GAIN("gain"),
    /** the paper's moment normalisation of h per family; no free amplitude. */
    PAPER("paper"),
    /** h and m compared as they are. */
    NONE("none");

    private final String id;

    Normalisation(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    /** True when the amplitude is fitted in closed form, so only l2 can be minimised. */
    public boolean freeAmplitude() {
        return this == GAIN_OFFSET || this == GAIN;
    }

    public static Normalisation parse(String s) {
        for (Normalisation n : values()) {
            if (n.id.equalsIgnoreCase(s.trim())) {
                return n;
            }
        }
        throw new IllegalArgumentException("unknown normalisation '" + s + "'; accepted: gain-offset, gain, paper, none");
    }

    @Override
    public String toString() {
        return id;
    }
}
