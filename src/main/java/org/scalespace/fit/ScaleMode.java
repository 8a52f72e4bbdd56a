package org.scalespace.fit;

import java.util.Locale;

/** How the two scales relate (SPEC §7). */
public enum ScaleMode {
    /** σx and σy free */
    SEP,
    /** σx = σy */
    SAME,
    /**
     * one σ (= σx = σy) shared by a group of filters: the filters of one layer. The family of each filter is chosen
     * by a {@link #SAME} fit first; then the shared σ minimises the sum of squared l2 (or the sum of l1) over the
     * group's filters, each with its own family and amplitude. {@code dog} filters keep their own (σ, α).
     */
    JOINT;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static ScaleMode parse(String s) {
        for (ScaleMode m : values()) {
            if (m.id().equalsIgnoreCase(s.trim())) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown scale mode '" + s + "'; accepted: sep, same, joint");
    }

    @Override
    public String toString() {
        return id();
    }
}
