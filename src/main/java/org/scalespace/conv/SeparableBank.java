package org.scalespace.conv;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.scalespace.model.SeparableTemplate;

/**
 * One idealized separable filter per channel, each a sum of at most {@link #MAX_TERMS} separable terms on a k×k
 * window (k = 2r+1, odd). Channel c's dense filter is
 * <pre>  A_c[i][j] = Σ_t rowTaps_t[i] · colTaps_t[j]       (i = array row, j = array column)</pre>
 * so {@code rowTaps} weight the vertical offsets (applied down each column) and {@code colTaps} weight the
 * horizontal offsets (applied along each row) — the naming of {@code org.scalespace.model.SeparableTemplate}. Any
 * coefficient of a term is folded into its row taps. The convolution is cross-correlation (SPEC §1):
 * out[y][x] = Σ_{i,j} A[i][j]·in[y+i−r][x+j−r].
 *
 * <p>The taps are kept in double precision (the one source of truth, SPEC/DESIGN); {@link #packedRowTaps()} and
 * {@link #packedColTaps()} give the float32 copies every fast engine uploads. Immutable and thread-safe: device
 * backends may cache their uploads per bank instance.
 *
 * <p>Up to four terms are accepted: three for the largest template (SPEC §4, {@code dog}) and one more for a fitted
 * offset b (the model a·m + b adds b·1·1ᵀ). A channel with zero terms is the zero filter.
 */
public final class SeparableBank {

    /** Most separable terms per channel: three template terms plus a constant offset term. */
    public static final int MAX_TERMS = 4;

    /** One separable term: A[i][j] += rowTaps[i]·colTaps[j]. Arrays are copied on construction. */
    public record Term(double[] rowTaps, double[] colTaps) {
        public Term {
            Objects.requireNonNull(rowTaps, "rowTaps");
            Objects.requireNonNull(colTaps, "colTaps");
            rowTaps = rowTaps.clone();
            colTaps = colTaps.clone();
        }

        /** coef·row ⊗ col, with the coefficient folded into the row taps. */
        public static Term of(double coef, double[] rowTaps, double[] colTaps) {
            double[] r = new double[rowTaps.length];
            for (int i = 0; i < r.length; i++) {
                r[i] = coef * rowTaps[i];
            }
            return new Term(r, colTaps);
        }

        @Override
        public double[] rowTaps() {
            return rowTaps.clone();
        }

        @Override
        public double[] colTaps() {
            return colTaps.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Term t && Arrays.equals(rowTaps, t.rowTaps) && Arrays.equals(colTaps, t.colTaps);
        }

        @Override
        public int hashCode() {
            return 31 * Arrays.hashCode(rowTaps) + Arrays.hashCode(colTaps);
        }

        @Override
        public String toString() {
            return "Term[row=" + Arrays.toString(rowTaps) + ", col=" + Arrays.toString(colTaps) + "]";
        }
    }

    private final int k;
    private final List<List<Term>> terms;
    private final float[] packedRow;
    private final float[] packedCol;
    private final int[] termCounts;

    private SeparableBank(int k, List<List<Term>> terms) {
        this.k = k;
        this.terms = terms;
        int c = terms.size();
        packedRow = new float[c * MAX_TERMS * k];
        packedCol = new float[c * MAX_TERMS * k];
        termCounts = new int[c];
        for (int ch = 0; ch < c; ch++) {
            List<Term> ts = terms.get(ch);
            termCounts[ch] = ts.size();
            for (int t = 0; t < ts.size(); t++) {
                int base = (ch * MAX_TERMS + t) * k;
                for (int i = 0; i < k; i++) {
                    packedRow[base + i] = (float) ts.get(t).rowTaps[i];
                    packedCol[base + i] = (float) ts.get(t).colTaps[i];
                }
            }
        }
    }

    /**
     * A bank with {@code perChannel.get(c)} the terms of channel c.
     *
     * @throws IllegalArgumentException for even or non-positive k, a tap vector whose length is not k, more than
     *                                  {@link #MAX_TERMS} terms, a non-finite tap, or no channels
     */
    public static SeparableBank of(int k, List<? extends List<Term>> perChannel) {
        checkK(k);
        if (perChannel.isEmpty()) {
            throw new IllegalArgumentException("separable bank: no channels");
        }
        List<List<Term>> copy = new ArrayList<>(perChannel.size());
        for (int c = 0; c < perChannel.size(); c++) {
            List<Term> ts = perChannel.get(c);
            if (ts.size() > MAX_TERMS) {
                throw new IllegalArgumentException("separable bank: channel " + c + " has " + ts.size()
                        + " terms; at most " + MAX_TERMS + " are accepted");
            }
            for (int t = 0; t < ts.size(); t++) {
                Term term = ts.get(t);
                checkTaps("channel " + c + " term " + t + " row taps", term.rowTaps, k);
                checkTaps("channel " + c + " term " + t + " col taps", term.colTaps, k);
            }
            copy.add(List.copyOf(ts));
        }
        return new SeparableBank(k, List.copyOf(copy));
    }

    /** The same filter (given by its terms) on each of {@code channels} channels. */
    public static SeparableBank uniform(int channels, int k, List<Term> terms) {
        if (channels < 1) {
            throw new IllegalArgumentException("separable bank: channels must be ≥ 1, got " + channels);
        }
        List<List<Term>> all = new ArrayList<>(channels);
        for (int c = 0; c < channels; c++) {
            all.add(terms);
        }
        return of(k, all);
    }

    /** A single-term filter row ⊗ col on every channel. */
    public static SeparableBank uniform(int channels, double[] rowTaps, double[] colTaps) {
        return uniform(channels, rowTaps.length, List.of(new Term(rowTaps, colTaps)));
    }

    /**
     * One channel per template (all of one k), each template's coefficients folded into its row taps — e.g. the
     * templates of a fit, built with {@code org.scalespace.model.Templates.build}.
     */
    public static SeparableBank fromTemplates(List<SeparableTemplate> perChannel) {
        if (perChannel.isEmpty()) {
            throw new IllegalArgumentException("separable bank: no templates");
        }
        int k = perChannel.get(0).k();
        List<List<Term>> all = new ArrayList<>(perChannel.size());
        for (int c = 0; c < perChannel.size(); c++) {
            SeparableTemplate t = perChannel.get(c);
            if (t.k() != k) {
                throw new IllegalArgumentException("separable bank: template " + c + " has k = " + t.k()
                        + " but template 0 has k = " + k + "; one bank needs one k");
            }
            all.add(terms(t, 1.0, 0.0));
        }
        return of(k, all);
    }

    /**
     * The terms of the fitted model gain·m + offset of a template m: the template's terms scaled by the gain, plus,
     * when offset ≠ 0, the constant term offset·1·1ᵀ.
     */
    public static List<Term> terms(SeparableTemplate template, double gain, double offset) {
        int k = template.k();
        List<Term> ts = new ArrayList<>(template.terms().size() + 1);
        for (SeparableTemplate.Term t : template.terms()) {
            ts.add(Term.of(gain * t.coef(), t.row(), t.col()));
        }
        if (offset != 0) {
            double[] ones = new double[k];
            Arrays.fill(ones, 1.0);
            ts.add(Term.of(offset, ones, ones));
        }
        return ts;
    }

    static void checkK(int k) {
        if (k < 1 || k % 2 == 0) {
            throw new IllegalArgumentException("filter size k = " + k + " is not accepted; k must be odd and ≥ 1 "
                    + "(k = 2r+1: 1, 3, 5, 7, …)");
        }
    }

    private static void checkTaps(String what, double[] taps, int k) {
        if (taps.length != k) {
            throw new IllegalArgumentException("separable bank: " + what + " has length " + taps.length
                    + "; expected k = " + k);
        }
        for (int i = 0; i < k; i++) {
            if (!Double.isFinite(taps[i])) {
                throw new IllegalArgumentException("separable bank: " + what + "[" + i + "] = " + taps[i]
                        + "; taps must be finite");
            }
        }
    }

    /** Window size k = 2r+1. */
    public int k() {
        return k;
    }

    /** Radius r = k/2. */
    public int radius() {
        return k / 2;
    }

    /** Number of channels C. */
    public int channels() {
        return terms.size();
    }

    /** The terms of channel c. */
    public List<Term> terms(int c) {
        return terms.get(c);
    }

    /** Number of terms of channel c (0 … {@link #MAX_TERMS}). */
    public int termCount(int c) {
        return termCounts[c];
    }

    /** The largest term count over all channels. */
    public int maxTerms() {
        int m = 0;
        for (int t : termCounts) {
            m = Math.max(m, t);
        }
        return m;
    }

    /** Dense k×k filter of channel c (row-major, double). */
    public double[] dense(int c) {
        double[] a = new double[k * k];
        for (Term t : terms.get(c)) {
            for (int i = 0; i < k; i++) {
                for (int j = 0; j < k; j++) {
                    a[i * k + j] += t.rowTaps[i] * t.colTaps[j];
                }
            }
        }
        return a;
    }

    /** The dense filters of all channels as float32 (C,k,k), for comparisons with the dense path. */
    public DenseFilters toDense() {
        float[] d = new float[channels() * k * k];
        for (int c = 0; c < channels(); c++) {
            double[] a = dense(c);
            for (int i = 0; i < a.length; i++) {
                d[c * k * k + i] = (float) a[i];
            }
        }
        return new DenseFilters(channels(), k, d);
    }

    /**
     * Float32 row (vertical) taps, packed: term t of channel c, tap i at {@code (c*MAX_TERMS + t)*k + i}; slots of
     * absent terms are zero. Shared array — do not modify.
     */
    public float[] packedRowTaps() {
        return packedRow;
    }

    /** Float32 column (horizontal) taps, packed like {@link #packedRowTaps()}. Shared array — do not modify. */
    public float[] packedColTaps() {
        return packedCol;
    }

    /** Term counts per channel. Shared array — do not modify. */
    public int[] termCounts() {
        return termCounts;
    }

    @Override
    public String toString() {
        return "SeparableBank[C=" + channels() + ", k=" + k + ", maxTerms=" + maxTerms() + "]";
    }
}
