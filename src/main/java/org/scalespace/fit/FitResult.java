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
 * @param edge   "none", or the '+'-joined list of range edges the optimum sits on
 *               (sigma_x_min, sigma_x_max, sigma_y_min, sigma_y_max, alpha_min, alpha_max)
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

    public boolean onEdge() {
        return !"none".equals(edge);
    }
}
