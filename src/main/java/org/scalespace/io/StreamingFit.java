package org.scalespace.io;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongConsumer;
import org.scalespace.fit.DegenerateMode;
import org.scalespace.fit.FitResult;
import org.scalespace.fit.Fitter;
import org.scalespace.model.Family;
import org.scalespace.model.FilterBank;

/**
 * Fits layers that need not fit in memory, a slice of filters at a time, as {@code scalespace fit} does: every value
 * of every slice is checked first ({@link #validate}), so a bad file fails before any work; then every slice of every
 * layer is read, fitted and handed on in order, so CSV can be written as the results come in bounded memory
 * ({@link #writeCsv}, {@link #appendCsv}). A layer fitted in joint scale mode (one σ per layer) is read whole. The
 * results equal those of fitting each layer in one call. Keeps the family counts ({@link #tally}) and the time spent
 * fitting ({@link #fitSeconds}).
 */
public final class StreamingFit {

    /**
     * Filters per slice: 6.4 MB of 7×7 doubles, so memory stays bounded whatever the layer's size. A layer of at most
     * this many filters is one slice.
     */
    public static final int SLICE = 16384;

    /** Receives the results of one slice, in order. */
    @FunctionalInterface
    public interface Sink {
        void accept(List<FitResult> results) throws IOException;
    }

    /** Receives one slice of a layer: filters {@code from ..} of it as a bank. */
    @FunctionalInterface
    public interface SliceBody {
        void accept(FilterBank bank, int from) throws IOException;
    }

    /** Family counts, degenerate filters and edge flags, accumulated slice by slice. */
    public static final class Tally {
        private final Map<Family, Integer> counts = new TreeMap<>();
        private long n;
        private long edges;
        private long degenerate;
        private long skipped;

        /** Adds the results of a slice of {@code filters} filters (more than results: degenerate ones skipped). */
        void add(List<FitResult> results, int filters) {
            for (FitResult r : results) {
                if (r.degenerate()) {
                    degenerate++;
                } else {
                    counts.merge(r.family(), 1, Integer::sum);
                }
                if (r.onEdge()) {
                    edges++;
                }
            }
            n += filters;
            skipped += filters - results.size();
        }

        /** Fitted (not degenerate) results per family, in family order. */
        public Map<Family, Integer> counts() {
            return counts;
        }

        /** Filters counted, with those degenerate ones that got no row. */
        public long n() {
            return n;
        }

        /** Degenerate filters that got a row (family {@code none}). */
        public long degenerate() {
            return degenerate;
        }

        /** Degenerate filters left out ({@link org.scalespace.fit.DegenerateMode#SKIP}). */
        public long skipped() {
            return skipped;
        }

        /** Results whose optimum is on a range edge. */
        public long edges() {
            return edges;
        }
    }

    private final Fitter fitter;
    private final List<LayerSource> layers;
    private final boolean wholeLayers;
    private final int slice;
    private final Tally tally = new Tally();
    private final long[] rowsPerLayer;
    private long fitNanos;

    /**
     * @param wholeLayers read every layer as one slice (the joint scale mode, whose one σ is per layer)
     * @param slice       filters per slice, ≥ 1 (normally {@link #SLICE})
     */
    public StreamingFit(Fitter fitter, List<LayerSource> layers, boolean wholeLayers, int slice) {
        if (slice < 1) {
            throw new IllegalArgumentException("slice must be ≥ 1, got " + slice);
        }
        this.fitter = fitter;
        this.layers = List.copyOf(layers);
        this.wholeLayers = wholeLayers;
        this.slice = slice;
        this.rowsPerLayer = new long[this.layers.size()];
    }

    /**
     * Checks every filter of every layer ({@link Fitter#validate} in the fitter's {@link DegenerateMode}; with
     * {@link DegenerateMode#ERROR} an all-zero filter fails with the readers' message) and returns the number of
     * filters.
     */
    public long validate() throws IOException {
        long total = 0;
        DegenerateMode mode = fitter.degenerateMode();
        for (LayerSource l : layers) {
            forEachSlice(l, wholeLayers, slice, (bank, from) -> {
                if (mode == DegenerateMode.ERROR) {
                    FilterChecks.rejectAllZero(bank.source(), "layer '" + bank.layer() + "'", bank.k(),
                            bank.count(), bank.data(), i -> "filter " + (from + i));
                }
                Fitter.validate(bank, from, mode);
            });
            total += l.count();
        }
        return total;
    }

    /** Fits every slice of every layer, in order, and hands each slice's results to {@code sink}. */
    public void run(LongConsumer progress, Sink sink) throws IOException {
        for (int li = 0; li < layers.size(); li++) {
            int layer = li;
            forEachSlice(layers.get(li), wholeLayers, slice, (bank, from) -> {
                long f0 = System.nanoTime();
                List<FitResult> r = fitter.fit(bank, from, progress);
                fitNanos += System.nanoTime() - f0;
                tally.add(r, bank.count());
                rowsPerLayer[layer] += r.size();
                sink.accept(r);
            });
        }
    }

    /** Fits everything and returns all results, in order. */
    public List<FitResult> fitAll(LongConsumer progress) throws IOException {
        List<FitResult> results = new ArrayList<>();
        run(progress, results::addAll);
        return results;
    }

    /**
     * Fits everything and writes the CSV of {@link ResultWriters} to {@code file} as it goes; atomically
     * ({@link AtomicFiles}), so a failure leaves no file.
     */
    public void writeCsv(Path file, LongConsumer progress) throws IOException {
        AtomicFiles.write(file, o -> {
            o.write((FitResult.CSV_HEADER + "\n").getBytes(StandardCharsets.UTF_8));
            run(progress, r -> ResultWriters.writeCsvRows(o, r));
        });
    }

    /** Fits everything and appends the CSV to {@code out} (e.g. standard output), flushed after each slice. */
    public void appendCsv(Writer out, LongConsumer progress) throws IOException {
        out.append(FitResult.CSV_HEADER).append('\n');
        run(progress, r -> {
            ResultWriters.appendCsvRows(out, r);
            out.flush();
        });
    }

    /**
     * Results so far per layer, in the order of the layers: each layer's filter count, less its degenerate filters
     * with {@link DegenerateMode#SKIP}.
     */
    public long[] rowsPerLayer() {
        return rowsPerLayer.clone();
    }

    /** The family counts of the results so far. */
    public Tally tally() {
        return tally;
    }

    /** Seconds spent in {@link Fitter#fit} so far (not reading or writing). */
    public double fitSeconds() {
        return fitNanos / 1e9;
    }

    /**
     * A layer read whole (joint scale mode) is one array of count × k² doubles: refuse one that no Java array can hold
     * or the heap has no room for, with what to do instead, rather than an arithmetic overflow or an
     * OutOfMemoryError.
     */
    private static void checkWhole(LayerSource l) throws InputFormatException {
        long values = (long) l.count() * l.k() * l.k();
        String what = "layer '" + l.layer() + "': " + l.count() + " filters of " + l.k() + "×" + l.k();
        String instead = "scale mode joint fits a layer whole (one σ per layer); use --scale same or sep, which fit "
                + "it in slices, or split the layer";
        if (values > MAX_ARRAY) {
            throw new InputFormatException(l.source(), what + " are " + values + " values, more than one array holds ("
                    + MAX_ARRAY + ")", instead);
        }
        Runtime rt = Runtime.getRuntime();
        long free = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
        if (values * Double.BYTES > free) {
            throw new InputFormatException(l.source(), what + " need " + ((values * Double.BYTES) >> 20)
                    + " MiB, more than the " + (free >> 20) + " MiB the Java heap has free", instead
                    + ", or give the JVM more with SCALESPACE_JAVA_OPTS=-Xmx…");
        }
    }

    /** The largest array length every JVM allocates. */
    private static final long MAX_ARRAY = Integer.MAX_VALUE - 8;

    /**
     * Calls {@code body} for consecutive slices of {@code slice} filters of a layer (the whole layer when
     * {@code whole}), reusing one array for the full slices.
     */
    public static void forEachSlice(LayerSource l, boolean whole, int slice, SliceBody body) throws IOException {
        int n = l.count();
        int size = slice;
        if (whole || n <= size) {
            if (whole) {
                checkWhole(l);
            }
            body.accept(l.slice(0, n), 0);
            return;
        }
        int kk = l.k() * l.k();
        double[] buf = new double[size * kk];
        for (int from = 0; from < n; from += size) {
            int m = Math.min(size, n - from);
            double[] d = m == size ? buf : new double[m * kk];
            l.read(from, m, d);
            body.accept(new FilterBank(l.source(), l.layer(), l.k(), m, d), from);
        }
    }
}
