package org.scalespace.fit;

import org.scalespace.model.Family;

/**
 * The result of fitting one learned filter (SPEC §7).
 *
 * <p>The fitted model is {@code gain·m + offset} where m is the family's template at (sigmaX, sigmaY, alpha); it is
 * stored in {@link #model()} as a k×k row-major array in the learned filter's own units, so it can replace the learned
 * array in place (null when the {@link Fitter} was told not to keep models). With the {@code paper} normalisation the
 * filter is compared after normalisation h' = (h − offset)/gain, and l2/l1/relL2 are measured in that normalised frame (as the paper reports them); with the
 * other normalisations they are measured on h itself.
 *
 * @param relL2  ‖residual‖₂ / ‖h' − mean(h')‖₂
 * @param cosine cosine similarity between h' and the fitted model (uncentred, as arrays)
 * @param meanX  M(|h|)ₓ, and so on: the spread measures of SPEC §5 of the learned filter h (not normalised)
 * @param family the winning family; null for a degenerate filter ({@link #degenerate()}: all k² values equal),
 *               written as {@value #NONE} in files
 * @param edge   "none", or the '+'-joined list of range edges the optimum sits on
 *               (sigma_x_min, sigma_x_max, sigma_y_min, sigma_y_max, alpha_min, alpha_max), or
 *               {@value #DEGENERATE} for a degenerate filter
 *
 * <p>A degenerate filter's result ({@link #ofConstant}) has gain 0, offset = the constant, l2 = l1 = 0, NaN σx,
 * σy, α, relative l2 and cosine (empty in CSV, null in JSON), and as spread measures those of a constant |h|:
 * M = the window centre (0, 0) and the variance of a uniform k×k window, (k² − 1)/12 on each axis and 0 across;
 * for the zero filter |h| has no mass, so M and V are undefined (NaN). Its model is the constant.
 */
public record FitResult(
        String source, String layer, int channel, Family family,
        double sigmaX, double sigmaY, double alpha, double gain, double offset,
        double l2, double l1, double relL2, double cosine,
        double meanX, double meanY, double varXX, double varXY, double varYY,
        String edge, int k, double[] model) {

    /** The CSV header: SPEC §7's per-filter report, in this order (README "Output columns"). */
    public static final String CSV_HEADER = "source,layer,channel,family,sigma_x,sigma_y,alpha,gain,offset,"
            + "l2,l1,rel_l2,cosine,mean_x,mean_y,var_xx,var_xy,var_yy,edge";

    /** The family id written for a degenerate filter. */
    public static final String NONE = "none";

    /** The edge flag of a degenerate filter. */
    public static final String DEGENERATE = "degenerate";

    /** Whether the optimum sits on a range edge (never for a degenerate filter, which has no optimum). */
    public boolean onEdge() {
        return !"none".equals(edge) && !degenerate();
    }

    /** Whether this is the result of a degenerate filter (all values equal): no family, model = the constant. */
    public boolean degenerate() {
        return family == null;
    }

    /** The family's id, or {@value #NONE} for a degenerate filter. */
    public String familyId() {
        return family == null ? NONE : family.id();
    }

    /**
     * The result of a degenerate filter of size k whose values all equal {@code constant} (see the class comment).
     *
     * @param keepModel whether the result carries its model (k² copies of the constant)
     */
    public static FitResult ofConstant(String source, String layer, int channel, int k, double constant,
                                       boolean keepModel) {
        double c = constant + 0.0; // −0.0 is the zero filter
        double[] model = null;
        if (keepModel) {
            model = new double[k * k];
            java.util.Arrays.fill(model, c);
        }
        double m = c == 0 ? Double.NaN : 0.0;
        double v = c == 0 ? Double.NaN : (k * k - 1) / 12.0;
        return new FitResult(source, layer, channel, null, Double.NaN, Double.NaN, Double.NaN, 0.0, c, 0.0, 0.0,
                Double.NaN, Double.NaN, m, m, v, m, v, DEGENERATE, k, model);
    }
}
