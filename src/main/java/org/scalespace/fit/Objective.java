package org.scalespace.fit;

import org.scalespace.gauss.DiscreteGaussian;
import org.scalespace.model.Construction;
import org.scalespace.model.Family;
import org.scalespace.model.Profile;
import org.scalespace.model.SeparableTemplate;
import org.scalespace.model.Templates;

/**
 * The fit objective of one filter against one family at arbitrary parameters, in double precision.
 *
 * <p>Parameters: (σx, σy) for the separable families, (σ, α) for {@code dog}. The filter is given in its comparison
 * frame h' (see {@link Frames}). The value is ‖h' − (a·m + b)‖² for l2 (a, b per the normalisation) or
 * Σ|h' − (a·m + b)| for l1. The l2 value is computed from the template's separable terms without forming the dense
 * template (O(k²) per evaluation), and the 1-D profiles are cached per σ, so coordinate-wise refinement recomputes only
 * the profile whose σ changed. Not thread-safe: one instance per thread.
 */
public final class Objective {
    private final int k;
    private final int kk;
    private final Family family;
    private final Construction construction;
    private final Normalisation norm;
    private final Metric metric;
    private double[] h;
    private double sumH;
    private double sqH;
    // cached profiles: per term, column and row vectors at the cached sigmas
    private final ProfileCache[] colCache = new ProfileCache[3];
    private final ProfileCache[] rowCache = new ProfileCache[3];
    private final double[][] tCols = new double[3][];
    private final double[][] tRows = new double[3][];
    private final double[] tCoef = new double[3];
    private final HalfKernels halves;

    /**
     * T(0..nmax; s) for the last two scales asked for: refinement alternates between the point's σx and σy, and the
     * profiles ({@link ProfileCache}) and their derivatives ({@link #profileDerivs}) need T at the same scales, so
     * each is computed once (the recurrence was 16 % of a fit when both computed it).
     */
    private static final class HalfKernels {
        private final int nmax;
        private double s0 = Double.NaN;
        private double s1 = Double.NaN;
        private final double[] h0;
        private final double[] h1;
        private boolean replace0 = true; // which slot the next miss overwrites (the older one)

        HalfKernels(int nmax) {
            this.nmax = nmax;
            h0 = new double[nmax + 1];
            h1 = new double[nmax + 1];
        }

        /** T(0..nmax; s); the array is valid until the second-next miss. */
        double[] get(double s) {
            if (s == s0) {
                replace0 = false;
                return h0;
            }
            if (s == s1) {
                replace0 = true;
                return h1;
            }
            if (replace0) {
                DiscreteGaussian.halfKernel(s, nmax, h0);
                s0 = s;
                replace0 = false;
                return h0;
            }
            DiscreteGaussian.halfKernel(s, nmax, h1);
            s1 = s;
            replace0 = true;
            return h1;
        }
    }

    private static final class ProfileCache {
        final Profile profile;
        final boolean rowOrder;
        final boolean zeroSecond;
        double sigma = Double.NaN;
        double[] v;
        double sum;

        private final HalfKernels halves;

        ProfileCache(Profile p, boolean rowOrder, boolean zeroSecond, HalfKernels halves) {
            this.profile = p;
            this.rowOrder = rowOrder;
            this.zeroSecond = zeroSecond;
            this.halves = halves;
        }

        double[] get(Construction c, int k, double sigma) {
            if (v != null && (sigma == this.sigma || profile == Profile.IMPULSE)) {
                return v; // the impulse does not depend on σ
            }
            if (c == Construction.EXACT && profile != Profile.IMPULSE) {
                // T(0..r+1) (shared), then the profile at n = −r..r, reversed for row order
                int r = k / 2;
                if (v == null) {
                    v = new double[k];
                }
                double[] half = halves.get(sigma * sigma);
                double s = 0;
                for (int i = 0; i < k; i++) {
                    int n = i - r;
                    double x = applyProfile(profile, half[Math.abs(n)], half[Math.abs(n + 1)],
                            half[Math.abs(n - 1)]);
                    v[rowOrder ? k - 1 - i : i] = x;
                    s += x;
                }
                sum = s;
            } else {
                double[] p = profile.values(c, k, sigma, zeroSecond);
                v = rowOrder ? Profile.toRowOrder(p) : p;
                double s = 0;
                for (double x : v) {
                    s += x;
                }
                sum = s;
            }
            this.sigma = sigma;
            return v;
        }
    }

    public Objective(int k, Family family, Construction construction, Normalisation norm, Metric metric) {
        this.k = k;
        this.kk = k * k;
        this.family = family;
        this.construction = construction;
        this.norm = norm;
        this.metric = metric;
        this.halves = new HalfKernels(k / 2 + 3);
        switch (family) {
            case DOG:
                colCache[0] = new ProfileCache(Profile.IMPULSE, false, true, halves);
                rowCache[0] = new ProfileCache(Profile.IMPULSE, true, true, halves);
                colCache[1] = new ProfileCache(Profile.D2, false, true, halves);
                rowCache[1] = new ProfileCache(Profile.SMOOTH, true, true, halves);
                colCache[2] = new ProfileCache(Profile.SMOOTH, false, true, halves);
                rowCache[2] = new ProfileCache(Profile.D2, true, true, halves);
                break;
            case LAP:
                colCache[0] = new ProfileCache(Profile.D2, false, true, halves);
                rowCache[0] = new ProfileCache(Profile.SMOOTH, true, true, halves);
                colCache[1] = new ProfileCache(Profile.SMOOTH, false, true, halves);
                rowCache[1] = new ProfileCache(Profile.D2, true, true, halves);
                break;
            default:
                colCache[0] = new ProfileCache(Templates.xProfile(family), false, false, halves);
                rowCache[0] = new ProfileCache(Templates.yProfile(family), true, false, halves);
        }
    }

    public Family family() {
        return family;
    }

    /** Sets the filter (in its comparison frame), row-major k×k; the array is referenced, not copied. */
    public void setFilter(double[] hPrime) {
        this.h = hPrime;
        double s = 0;
        double q = 0;
        for (double v : hPrime) {
            s += v;
            q += v * v;
        }
        sumH = s;
        sqH = q;
    }

    /**
     * {@code dog} with the l2 metric: the α ∈ [0, alphaMax] minimising the objective at scale σ, in closed form.
     * The model a·(δ − α·L) + b is linear in (a, aα, b), so the unconstrained optimum comes from a 2×2 (3×3 with
     * offset) least-squares solve; with no free amplitude (none/paper) the objective is a convex quadratic in α.
     * When the unconstrained α lies outside the interval, both ends are compared (with a free amplitude the explained
     * energy is a ratio of quadratics in α, so the nearer end is not always the better one).
     */
    public double dogBestAlpha(double sigma, double alphaMax) {
        return dogBest(sigma, alphaMax, false);
    }

    /**
     * {@code dog} with the l2 metric: the objective at the α of {@link #dogBestAlpha}, i.e. min over α ∈ [0, alphaMax]
     * of {@link #value}(σ, α). Where that α is the interior optimum with a free amplitude (gain-offset, gain) the
     * value is the residual of the least-squares solve itself, ‖h‖² − bᵀG⁻¹b over the (centred) δ and L: the same
     * quantity as {@link #value} at that α up to rounding, without forming the three-term template again (the 1-D
     * search of dog's refinement calls this at every σ it tries).
     */
    public double dogBestValue(double sigma, double alphaMax) {
        return dogBest(sigma, alphaMax, true);
    }

    private double dogBest(double sigma, double alphaMax, boolean wantValue) {
        if (family != Family.DOG || metric != Metric.L2) {
            throw new IllegalStateException("dogBestAlpha needs family dog and metric l2");
        }
        int r = k / 2;
        int c = r * k + r;
        double[] d2c = colCache[1].get(construction, k, sigma);
        double[] tr = rowCache[1].get(construction, k, sigma);
        double[] tc = colCache[2].get(construction, k, sigma);
        double[] d2r = rowCache[2].get(construction, k, sigma);
        // L = d2c ⊗ tr + tc ⊗ d2r (as row ⊗ col: L[i][j] = tr[i]·d2c[j] + d2r[i]·tc[j])
        double hl = rowHCol(tr, d2c) + rowHCol(d2r, tc);
        double sl = colCache[1].sum * rowCache[1].sum + colCache[2].sum * rowCache[2].sum;
        double ll = dot(d2c, d2c) * dot(tr, tr) + 2 * dot(d2c, tc) * dot(tr, d2r) + dot(tc, tc) * dot(d2r, d2r);
        double lc = tr[r] * d2c[r] + d2r[r] * tc[r]; // L at the centre = ⟨δ, L⟩
        double hc = h[c];
        double alpha;
        if (norm == Normalisation.GAIN_OFFSET || norm == Normalisation.GAIN) {
            // centred (gain-offset) or raw (gain) inner products of δ, L, h
            boolean centre = norm == Normalisation.GAIN_OFFSET;
            double n = kk;
            double ii = centre ? 1 - 1.0 / n : 1;
            double il = centre ? lc - sl / n : lc;
            double lll = centre ? ll - sl * sl / n : ll;
            double hi = centre ? hc - sumH / n : hc;
            double hL = centre ? hl - sumH * sl / n : hl;
            double det = ii * lll - il * il;
            double a = (hi * lll - hL * il) / det;
            double cc = (ii * hL - il * hi) / det;
            alpha = (det > 0 && a != 0) ? -cc / a : Double.NaN;
            if (wantValue && alpha >= 0 && alpha <= alphaMax) {
                // the residual of the 2×2 solve: ‖h‖² − (hi, hL) G⁻¹ (hi, hL)ᵀ, centred for gain-offset
                double q0 = centre ? sqH - sumH * sumH / n : sqH;
                double explained = (hi * hi * lll - 2 * hi * hL * il + hL * hL * ii) / det;
                return Math.max(q0 - explained, 0.0);
            }
        } else {
            // ‖h' − δ + αL‖²: α = ⟨δ − h', L⟩ / ⟨L, L⟩
            alpha = ll > 0 ? (lc - hl) / ll : 0.0;
        }
        if (alpha >= 0 && alpha <= alphaMax) {
            return wantValue ? value(sigma, alpha) : alpha;
        }
        double v0 = value(sigma, 0.0);
        double v1 = value(sigma, alphaMax);
        return wantValue ? Math.min(v0, v1) : (v0 <= v1 ? 0.0 : alphaMax);
    }

    private double rowHCol(double[] row, double[] col) {
        double acc = 0;
        for (int i = 0; i < k; i++) {
            double w = 0;
            for (int j = 0; j < k; j++) {
                w += h[i * k + j] * col[j];
            }
            acc += row[i] * w;
        }
        return acc;
    }

    /** Relative l2 residual from an l2 {@link #value}: √value / ‖h' − mean h'‖. */
    public double relL2FromValue(double v) {
        double dev = sqH - sumH * sumH / kk;
        return dev > 0 ? Math.sqrt(v / dev) : (v == 0 ? 0.0 : Double.POSITIVE_INFINITY);
    }

    public Metric metric() {
        return metric;
    }

    private int terms() {
        return family == Family.DOG ? 3 : family == Family.LAP ? 2 : 1;
    }

    private double termCoef(int t, double p2) {
        if (family == Family.DOG) {
            return t == 0 ? 1.0 : -p2;
        }
        return 1.0;
    }

    /** The objective at (p1, p2): squared l2 residual or l1 residual, per the metric. */
    public double value(double p1, double p2) {
        if (metric == Metric.L1) {
            return evaluate(p1, p2, false).l1;
        }
        int nt = terms();
        double d = 0;
        double sm = 0;
        double qm = 0;
        double rowSigma = family == Family.DOG ? p1 : p2; // dog: one σ; p2 is α
        for (int t = 0; t < nt; t++) {
            tCols[t] = colCache[t].get(construction, k, p1);
            tRows[t] = rowCache[t].get(construction, k, rowSigma);
            tCoef[t] = termCoef(t, p2);
        }
        for (int t = 0; t < nt; t++) {
            // rowᵀ H col
            double[] col = tCols[t];
            double[] row = tRows[t];
            double acc = 0;
            for (int i = 0; i < k; i++) {
                double ri = row[i];
                if (ri == 0.0) {
                    continue;
                }
                double w = 0;
                int o = i * k;
                for (int j = 0; j < k; j++) {
                    w += h[o + j] * col[j];
                }
                acc += ri * w;
            }
            d += tCoef[t] * acc;
            sm += tCoef[t] * colCache[t].sum * rowCache[t].sum;
            for (int u = 0; u < nt; u++) {
                qm += tCoef[t] * tCoef[u] * dot(tCols[t], tCols[u]) * dot(tRows[t], tRows[u]);
            }
        }
        return l2Squared(d, sm, qm);
    }

    /** Whether {@link #derivatives} applies: a single-term family, the l2 metric, the exact construction. */
    public boolean hasDerivatives() {
        return metric == Metric.L2 && construction == Construction.EXACT && family != Family.DOG
                && family != Family.LAP && colCache[0].profile != Profile.IMPULSE
                && rowCache[0].profile != Profile.IMPULSE;
    }

    private double[] dTs;
    private double[] dTss;
    private final double[][] dCol = new double[3][];
    private final double[][] dRow = new double[3][];
    private double[][] dHc;

    /**
     * The l2 objective and its exact first and second derivatives in (u1, u2) = (ln σx, ln σy), for the families of
     * {@link #hasDerivatives}: out = {f, f_1, f_2, f_11, f_12, f_22}. The derivatives of the profiles come from the
     * discrete heat equation ∂T/∂s = ½δ²T (so ∂²T/∂s² = ¼δ⁴T), with s = σ² = e^{2u}: p_u = 2s·p_s,
     * p_uu = 4s·p_s + 4s²·p_ss. The template m = col ⊗ row is separable, so ⟨h,m⟩, Σm and ‖m‖² and their
     * derivatives are products of 1-D quantities; f follows from them as in {@link #value} (the clamp at 0 aside).
     */
    public void derivatives(double p1, double p2, double[] out) {
        if (!hasDerivatives()) {
            throw new IllegalStateException("derivatives need a single-term family, l2 and the exact construction");
        }
        int r = k / 2;
        if (dTs == null) {
            dTs = new double[r + 3];
            dTss = new double[r + 2];
            for (int i = 0; i < 3; i++) {
                dCol[i] = new double[k];
                dRow[i] = new double[k];
            }
            dHc = new double[3][k];
        }
        profileDerivs(colCache[0].profile, false, p1, dCol);
        profileDerivs(rowCache[0].profile, true, p2, dRow);
        double[] c0 = dCol[0];
        double[] c1 = dCol[1];
        double[] c2 = dCol[2];
        double[] r0 = dRow[0];
        double[] r1 = dRow[1];
        double[] r2 = dRow[2];
        // H·c, H·c_u, H·c_uu (over rows i)
        for (int i = 0; i < k; i++) {
            double a0 = 0;
            double a1 = 0;
            double a2 = 0;
            int o = i * k;
            for (int j = 0; j < k; j++) {
                double hv = h[o + j];
                a0 += hv * c0[j];
                a1 += hv * c1[j];
                a2 += hv * c2[j];
            }
            dHc[0][i] = a0;
            dHc[1][i] = a1;
            dHc[2][i] = a2;
        }
        double d = dot(r0, dHc[0]);
        double d1 = dot(r0, dHc[1]);
        double d2 = dot(r1, dHc[0]);
        double d11 = dot(r0, dHc[2]);
        double d12 = dot(r1, dHc[1]);
        double d22 = dot(r2, dHc[0]);
        double sc0 = sum(c0);
        double sc1 = sum(c1);
        double sc2 = sum(c2);
        double sr0 = sum(r0);
        double sr1 = sum(r1);
        double sr2 = sum(r2);
        double sm = sc0 * sr0;
        double sm1 = sc1 * sr0;
        double sm2 = sc0 * sr1;
        double sm11 = sc2 * sr0;
        double sm12 = sc1 * sr1;
        double sm22 = sc0 * sr2;
        double a = dot(c0, c0);
        double a1 = 2 * dot(c0, c1);
        double a11 = 2 * (dot(c1, c1) + dot(c0, c2));
        double b = dot(r0, r0);
        double b1 = 2 * dot(r0, r1);
        double b11 = 2 * (dot(r1, r1) + dot(r0, r2));
        double qm = a * b;
        double qm1 = a1 * b;
        double qm2 = a * b1;
        double qm11 = a11 * b;
        double qm12 = a1 * b1;
        double qm22 = a * b11;
        if (norm != Normalisation.GAIN_OFFSET && norm != Normalisation.GAIN) {
            // ‖h'‖² − 2⟨h',m⟩ + ‖m‖²
            out[0] = sqH - 2 * d + qm;
            out[1] = -2 * d1 + qm1;
            out[2] = -2 * d2 + qm2;
            out[3] = -2 * d11 + qm11;
            out[4] = -2 * d12 + qm12;
            out[5] = -2 * d22 + qm22;
            return;
        }
        // f = Q − num²/qmc; gain-offset centres (num = D − Σm·Σh/kk, qmc = ‖m‖² − (Σm)²/kk), gain does not
        boolean centre = norm == Normalisation.GAIN_OFFSET;
        double ch = centre ? sumH / kk : 0.0;
        double ck = centre ? 1.0 / kk : 0.0;
        double q0 = sqH - ch * sumH;
        double n0 = d - sm * ch;
        double n1 = d1 - sm1 * ch;
        double n2 = d2 - sm2 * ch;
        double n11 = d11 - sm11 * ch;
        double n12 = d12 - sm12 * ch;
        double n22 = d22 - sm22 * ch;
        double w0 = qm - sm * sm * ck;
        double w1 = qm1 - 2 * sm * sm1 * ck;
        double w2 = qm2 - 2 * sm * sm2 * ck;
        double w11 = qm11 - 2 * (sm1 * sm1 + sm * sm11) * ck;
        double w12 = qm12 - 2 * (sm1 * sm2 + sm * sm12) * ck;
        double w22 = qm22 - 2 * (sm2 * sm2 + sm * sm22) * ck;
        if (!(w0 > 1e-300)) {
            out[0] = Double.NaN; // degenerate template: let the caller fall back
            return;
        }
        double iw = 1.0 / w0;
        double iw2 = iw * iw;
        out[0] = q0 - n0 * n0 * iw;
        out[1] = -(2 * n0 * n1 * iw - n0 * n0 * w1 * iw2);
        out[2] = -(2 * n0 * n2 * iw - n0 * n0 * w2 * iw2);
        out[3] = -secondOfRatio(n0, n1, n1, n11, w1, w1, w11, iw);
        out[4] = -secondOfRatio(n0, n1, n2, n12, w1, w2, w12, iw);
        out[5] = -secondOfRatio(n0, n2, n2, n22, w2, w2, w22, iw);
    }

    /** ∂²(n²/w)/∂i∂j from n, n_i, n_j, n_ij, w_i, w_j, w_ij and 1/w. */
    private static double secondOfRatio(double n, double ni, double nj, double nij, double wi, double wj, double wij,
                                        double iw) {
        double iw2 = iw * iw;
        return 2 * (ni * nj + n * nij) * iw - 2 * n * (ni * wj + nj * wi) * iw2 - n * n * wij * iw2
                + 2 * n * n * wi * wj * iw2 * iw;
    }

    private static double sum(double[] a) {
        double s = 0;
        for (double v : a) {
            s += v;
        }
        return s;
    }

    /** The exact-construction profile at σ and its first two derivatives in u = ln σ, into out[0..2]. */
    private void profileDerivs(Profile profile, boolean rowOrder, double sigma, double[][] out) {
        int r = k / 2;
        double s = sigma * sigma;
        double[] t = halves.get(s);
        for (int m = 0; m <= r + 2; m++) { // ∂T/∂s = ½(T(m+1) − 2T(m) + T(m−1)), T symmetric
            dTs[m] = 0.5 * (t[m + 1] - 2 * t[m] + t[Math.abs(m - 1)]);
        }
        for (int m = 0; m <= r + 1; m++) {
            dTss[m] = 0.5 * (dTs[m + 1] - 2 * dTs[m] + dTs[Math.abs(m - 1)]);
        }
        double du = 2 * s;
        double duu1 = 4 * s;
        double duu2 = 4 * s * s;
        for (int i = 0; i < k; i++) {
            int n = i - r;
            int a0 = Math.abs(n);
            int ap = Math.abs(n + 1);
            int am = Math.abs(n - 1);
            double v = applyProfile(profile, t[a0], t[ap], t[am]);
            double vs = applyProfile(profile, dTs[a0], dTs[ap], dTs[am]);
            double vss = applyProfile(profile, dTss[a0], dTss[ap], dTss[am]);
            int o = rowOrder ? k - 1 - i : i;
            out[0][o] = v;
            out[1][o] = du * vs;
            out[2][o] = duu1 * vs + duu2 * vss;
        }
    }

    /** The profile's value at n from T(n), T(n+1), T(n−1) (linear in T, so it also maps ∂T/∂s to the profile's). */
    private static double applyProfile(Profile p, double t0, double tp, double tm) {
        switch (p) {
            case SMOOTH:
                return t0;
            case D1:
                return 0.5 * (tp - tm);
            case D1P:
                return tp - t0;
            case D1M:
                return t0 - tm;
            case D2:
                return tp - 2.0 * t0 + tm;
            default:
                throw new IllegalArgumentException("no derivative for profile " + p);
        }
    }

    private double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    /** ‖h − (a m + b)‖² from D = ⟨h,m⟩, Σm, Σm² for the normalisation's optimal amplitude. */
    private double l2Squared(double d, double sm, double qm) {
        return l2Squared(norm, d, sm, qm, sumH, sqH, kk);
    }

    /**
     * ‖h − (a m + b)‖² at the normalisation's optimal amplitude, from D = ⟨h,m⟩, Σm, Σm², Σh, Σh² and the number
     * of elements kk.
     */
    static double l2Squared(Normalisation norm, double d, double sm, double qm, double sumH, double sqH, int kk) {
        switch (norm) {
            case GAIN_OFFSET: {
                double qhc = sqH - sumH * sumH / kk;
                double qmc = qm - sm * sm / kk;
                if (!(qmc > 1e-300)) {
                    return Math.max(qhc, 0.0);
                }
                double num = d - sm * sumH / kk;
                return Math.max(qhc - num * num / qmc, 0.0);
            }
            case GAIN:
                if (!(qm > 1e-300)) {
                    return sqH;
                }
                return Math.max(sqH - d * d / qm, 0.0);
            default:
                return Math.max(sqH - 2 * d + qm, 0.0);
        }
    }

    /** Full evaluation at (p1, p2), computed densely (the reference path). */
    public Eval evaluate(double p1, double p2) {
        return evaluate(p1, p2, true);
    }

    /** {@link #evaluate(double, double)}; without keepModel the Eval's model is null. */
    public Eval evaluate(double p1, double p2, boolean keepModel) {
        SeparableTemplate tpl = family == Family.DOG
                ? Templates.build(family, construction, k, p1, p1, p2)
                : Templates.build(family, construction, k, p1, p2, 0.0);
        double[] m = tpl.dense();
        return Eval.of(h, m, norm, keepModel);
    }

    /** A fully evaluated fit of h' against a template. */
    public static final class Eval {
        public final double gain;
        public final double offset;
        public final double l2;
        public final double l1;
        public final double relL2;
        public final double cosine;
        /** the fitted model a·m + b in the comparison frame (null unless kept) */
        public final double[] model;

        Eval(double gain, double offset, double l2, double l1, double relL2, double cosine, double[] model) {
            this.gain = gain;
            this.offset = offset;
            this.l2 = l2;
            this.l1 = l1;
            this.relL2 = relL2;
            this.cosine = cosine;
            this.model = model;
        }

        /** Direct, dense computation of the amplitude and every residual measure. */
        public static Eval of(double[] h, double[] m, Normalisation norm, boolean keepModel) {
            int n = h.length;
            double mh = 0;
            double mm = 0;
            for (int i = 0; i < n; i++) {
                mh += h[i];
                mm += m[i];
            }
            mh /= n;
            mm /= n;
            double a;
            double b;
            switch (norm) {
                case GAIN_OFFSET: {
                    double num = 0;
                    double den = 0;
                    for (int i = 0; i < n; i++) {
                        num += (h[i] - mh) * (m[i] - mm);
                        den += (m[i] - mm) * (m[i] - mm);
                    }
                    a = den > 1e-300 ? num / den : 0.0;
                    b = mh - a * mm;
                    break;
                }
                case GAIN: {
                    double num = 0;
                    double den = 0;
                    for (int i = 0; i < n; i++) {
                        num += h[i] * m[i];
                        den += m[i] * m[i];
                    }
                    a = den > 1e-300 ? num / den : 0.0;
                    b = 0.0;
                    break;
                }
                default:
                    a = 1.0;
                    b = 0.0;
            }
            double q = 0;
            double l1 = 0;
            double dev = 0;
            double hf = 0;
            double hh = 0;
            double ff = 0;
            double[] model = keepModel ? new double[n] : null;
            for (int i = 0; i < n; i++) {
                double fi = a * m[i] + b;
                double r = h[i] - fi;
                q += r * r;
                l1 += Math.abs(r);
                dev += (h[i] - mh) * (h[i] - mh);
                hf += h[i] * fi;
                hh += h[i] * h[i];
                ff += fi * fi;
                if (keepModel) {
                    model[i] = fi;
                }
            }
            double l2 = Math.sqrt(q);
            double rel = dev > 0 ? l2 / Math.sqrt(dev) : (q == 0 ? 0.0 : Double.POSITIVE_INFINITY);
            double cos = (hh > 0 && ff > 0) ? hf / Math.sqrt(hh * ff) : 0.0;
            return new Eval(a, b, l2, l1, rel, cos, model);
        }
    }
}
