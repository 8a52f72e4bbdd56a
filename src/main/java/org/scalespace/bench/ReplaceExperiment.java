package org.scalespace.bench;

import java.util.ArrayList;
import java.util.List;
import org.scalespace.conv.ConvEngine;
import org.scalespace.conv.DenseFilters;
import org.scalespace.conv.Fidelity;
import org.scalespace.conv.IdealizedBanks;
import org.scalespace.conv.Padding;
import org.scalespace.conv.SeparableBank;
import org.scalespace.conv.Tensor4;
import org.scalespace.fit.FitResult;
import org.scalespace.fit.Fitter;
import org.scalespace.io.ReplaceReport;
import org.scalespace.model.FilterBank;

/**
 * The experiment of {@code scalespace replace}, a layer at a time: fit the layer's learned filters, build the
 * idealized separable bank of the fit ({@link IdealizedBanks}, in the fitter's construction), run the learned dense
 * and the idealized separable convolution on the same input, and measure the output fidelity per channel and per
 * layer ({@link Fidelity#compare}, the dense output as reference) and the median time of each path
 * ({@link PairTimer}, the two paths alternately). The fitter and the engine are the caller's.
 */
public final class ReplaceExperiment {

    /**
     * The input of every layer: {@code fromFile} when given (feature maps with one channel per filter, or an image,
     * whose grey mean is replicated over the filters' channels when its channel count differs), else a synthetic
     * batch ({@link SyntheticInput#oneOverF}) of {@code batch} × filters × size × size from {@code seed}.
     */
    public record Input(Tensor4 fromFile, int batch, int size, long seed) {
        /** The input for a layer of {@code channels} filters. */
        public Tensor4 forChannels(int channels) {
            if (fromFile == null) {
                return SyntheticInput.oneOverF(batch, channels, size, size, seed);
            }
            return fromFile.c() == channels ? fromFile : SyntheticInput.replicateGrey(fromFile, channels);
        }
    }

    /** One layer's outcome: times are median seconds per call. */
    public record Layer(FilterBank bank, Tensor4 input, List<FitResult> fits, SeparableBank idealized,
                        Fidelity fidelity, double denseSeconds, double separableSeconds) {
        /** Dense time over separable time. */
        public double speedUp() {
            return denseSeconds / separableSeconds;
        }

        /** The layer's rows of the report, one per channel. */
        public List<ReplaceReport.Row> rows() {
            List<ReplaceReport.Row> rows = new ArrayList<>(fits.size());
            for (int ch = 0; ch < fits.size(); ch++) {
                rows.add(new ReplaceReport.Row(bank.layer(), ch, fits.get(ch), fidelity.perChannel()[ch]));
            }
            return rows;
        }
    }

    private final Fitter fitter;
    private final ConvEngine engine;
    private final Padding padding;
    private final Input input;
    private final PairTimer timer;

    /** An experiment with {@code reps} ≥ 1 timed calls per path and layer. */
    public ReplaceExperiment(Fitter fitter, ConvEngine engine, Padding padding, Input input, int reps) {
        this.fitter = fitter;
        this.engine = engine;
        this.padding = padding;
        this.input = input;
        this.timer = new PairTimer(reps);
    }

    /** Runs the experiment on one layer. */
    public Layer run(FilterBank b) {
        List<FitResult> fits = fitter.fit(b, n -> { });
        int c = b.count();
        int k = b.k();
        Tensor4 x = input.forChannels(c);
        float[] wd = new float[c * k * k];
        for (int i = 0; i < wd.length; i++) {
            wd[i] = (float) b.data()[i];
        }
        DenseFilters dense = new DenseFilters(c, k, wd);
        SeparableBank ideal = IdealizedBanks.of(fits, fitter.options().construction(), k);
        Tensor4 yd = x.like();
        Tensor4 ys = x.like();
        double[] times = timer.time(() -> engine.dense(x, dense, padding, yd),
                () -> engine.separable(x, ideal, padding, ys), k + "x" + x.w());
        Fidelity fid = Fidelity.compare(yd, ys);
        return new Layer(b, x, fits, ideal, fid, times[0], times[1]);
    }
}
