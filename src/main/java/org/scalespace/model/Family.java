package org.scalespace.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Model families of SPEC §4, in the order that breaks ties in family selection.
 * {@link #PAPER_EIGHT} is the default set; {@code DXX, DYY, DXY, LAP} are opt-in.
 */
public enum Family {
    GAUSS, DX, DY, DXP, DXM, DYP, DYM, DOG, DXX, DYY, DXY, LAP;

    public static final List<Family> PAPER_EIGHT = List.of(GAUSS, DX, DY, DXP, DXM, DYP, DYM, DOG);

    /** Lower-case name used on the command line and in output files. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** True for families with a second parameter α instead of an independent σy (only {@code dog}). */
    public boolean hasAlpha() {
        return this == DOG;
    }

    /** Family by its id (case-insensitive); the error lists what is accepted. */
    public static Family parse(String s) {
        for (Family f : values()) {
            if (f.id().equalsIgnoreCase(s.trim())) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown family '" + s + "'; accepted: " + allIds());
    }

    /** Parses a comma-separated list; {@code paper} or {@code default} = the paper's eight, {@code all} = all twelve. */
    public static List<Family> parseList(String s) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        if (t.equals("paper") || t.equals("default")) {
            return PAPER_EIGHT;
        }
        if (t.equals("all")) {
            return List.of(values());
        }
        List<Family> out = new ArrayList<>();
        for (String p : t.split(",")) {
            if (p.isBlank()) {
                continue;
            }
            Family f = parse(p);
            if (!out.contains(f)) {
                out.add(f);
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("empty family list; accepted: " + allIds() + ", 'paper' or 'all'");
        }
        out.sort(null); // selection order is the order of SPEC §4, whatever the user typed
        return List.copyOf(out);
    }

    public static String allIds() {
        StringBuilder b = new StringBuilder();
        for (Family f : values()) {
            if (b.length() > 0) {
                b.append(", ");
            }
            b.append(f.id());
        }
        return b.toString();
    }
}
