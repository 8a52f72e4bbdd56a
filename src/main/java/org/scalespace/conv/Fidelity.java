package org.scalespace.conv;

/**
 * Replacement fidelity (SPEC §8): relative l2 ‖test − ref‖₂ / ‖ref‖₂ between a reference output (the learned
 * filters') and a test output (the idealized filters') on the same input, per channel (over the batch and the
 * plane) and per layer (over the whole tensor). Sums in double. When ‖ref‖ = 0 the relative l2 is 0 if the outputs
 * are equal and +∞ otherwise.
 *
 * @param perChannel relative l2 of each channel
 * @param layer      relative l2 of the whole tensor
 */
public record Fidelity(double[] perChannel, double layer) {

    /** Compares two tensors of one shape. */
    public static Fidelity compare(Tensor4 ref, Tensor4 test) {
        if (!ref.sameShape(test)) {
            throw new IllegalArgumentException("fidelity: shapes differ: reference " + ref.shapeString()
                    + " vs test " + test.shapeString());
        }
        int c = ref.c();
        double[] num = new double[c];
        double[] den = new double[c];
        int plane = ref.planeSize();
        for (int b = 0; b < ref.n(); b++) {
            for (int ch = 0; ch < c; ch++) {
                int base = ref.planeOffset(b, ch);
                double sn = 0;
                double sd = 0;
                for (int p = 0; p < plane; p++) {
                    double r = ref.data()[base + p];
                    double d = test.data()[base + p] - r;
                    sn += d * d;
                    sd += r * r;
                }
                num[ch] += sn;
                den[ch] += sd;
            }
        }
        double[] per = new double[c];
        double tn = 0;
        double td = 0;
        for (int ch = 0; ch < c; ch++) {
            per[ch] = ratio(num[ch], den[ch]);
            tn += num[ch];
            td += den[ch];
        }
        return new Fidelity(per, ratio(tn, td));
    }

    /** Relative l2 of two equal-length arrays (whole arrays). */
    public static double relativeL2(float[] ref, float[] test) {
        if (ref.length != test.length) {
            throw new IllegalArgumentException("relative l2: lengths differ: " + ref.length + " vs " + test.length);
        }
        double n = 0;
        double d = 0;
        for (int i = 0; i < ref.length; i++) {
            double e = (double) test[i] - ref[i];
            n += e * e;
            d += (double) ref[i] * ref[i];
        }
        return ratio(n, d);
    }

    private static double ratio(double num, double den) {
        if (den == 0) {
            return num == 0 ? 0 : Double.POSITIVE_INFINITY;
        }
        return Math.sqrt(num / den);
    }

    /** The largest per-channel relative l2. */
    public double worstChannel() {
        double m = 0;
        for (double v : perChannel) {
            m = Math.max(m, v);
        }
        return m;
    }
}
