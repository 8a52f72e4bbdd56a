package org.scalespace.model;

import java.util.List;

/**
 * A k×k template as a sum of at most three separable terms (SPEC §4):
 * A[row][col] = Σ_t coef_t · row_t[row] · col_t[col].
 *
 * <p>{@code col} multiplies array column j (x = j − r), {@code row} multiplies array row i (y = r − i). Every family
 * of SPEC §4 has this form, which is what the fitting and convolution kernels exploit.
 */
public record SeparableTemplate(int k, List<Term> terms) {

    /** One separable term. */
    public record Term(double coef, double[] col, double[] row) {
    }

    public SeparableTemplate {
        terms = List.copyOf(terms);
        if (terms.isEmpty() || terms.size() > 3) {
            throw new IllegalArgumentException("a separable template has 1 to 3 terms, got " + terms.size());
        }
        for (Term t : terms) {
            if (t.col().length != k || t.row().length != k) {
                throw new IllegalArgumentException("term vectors must have length k = " + k);
            }
        }
    }

    /** The dense template, row-major k×k. */
    public double[] dense() {
        double[] a = new double[k * k];
        for (Term t : terms) {
            for (int i = 0; i < k; i++) {
                double ri = t.coef() * t.row()[i];
                for (int j = 0; j < k; j++) {
                    a[i * k + j] += ri * t.col()[j];
                }
            }
        }
        return a;
    }
}
