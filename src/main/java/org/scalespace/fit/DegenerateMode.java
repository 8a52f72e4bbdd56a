package org.scalespace.fit;

import java.util.Locale;

/**
 * What a fit does with a degenerate filter (SPEC §7): one whose k² values are all exactly equal (compared as doubles
 * after the reader's conversion, so a spread of one ulp is not degenerate), e.g. an all-zero dead or pruned channel.
 * Such a filter has no shape to fit.
 */
public enum DegenerateMode {
    /** a row of family {@code none} (gain 0, offset = the constant, edge {@code degenerate}); the default */
    REPORT,
    /** no row; summaries say how many filters were left out */
    SKIP,
    /** the fit fails, naming the first degenerate filter */
    ERROR;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static DegenerateMode parse(String s) {
        for (DegenerateMode m : values()) {
            if (m.id().equalsIgnoreCase(s.trim())) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown degenerate mode '" + s + "'; accepted: report, skip, error");
    }

    @Override
    public String toString() {
        return id();
    }
}
