package org.scalespace.io;

import java.io.IOException;
import org.scalespace.model.FilterBank;

/**
 * The filters of one layer, read a slice at a time: how {@code scalespace fit} streams a large {@code .npy},
 * {@code .npz} or safetensors file through the fitter with bounded memory (see {@link FilterReaders#open}).
 *
 * <p>Element layout as in {@link FilterBank}: filter n, row r, column c of the layer is value
 * {@code n*k*k + r*k + c}. Every slice a source returns has passed the reader checks of {@link FilterReaders#validate}
 * (finite), with messages that name the filter by its index in the layer.
 */
public interface LayerSource {

    /** The file the filters come from. */
    String source();

    /** The layer name. */
    String layer();

    /** Filter size. */
    int k();

    /** Number of filters in the layer. */
    int count();

    /**
     * Reads filters {@code from .. from+n-1} of the layer into {@code dst[0 .. n*k*k)} as doubles.
     *
     * @throws InputFormatException when a value is not finite (naming the filter)
     * @throws IOException          when the file cannot be read
     */
    void read(int from, int n, double[] dst) throws IOException;

    /** Filters {@code from .. from+n-1} as a bank (a new array; the whole layer when {@code from == 0, n == count}). */
    default FilterBank slice(int from, int n) throws IOException {
        double[] d = new double[Math.multiplyExact(n, k() * k())];
        read(from, n, d);
        return new FilterBank(source(), layer(), k(), n, d);
    }

    /** A source over a bank already in memory (which has passed the reader checks). */
    /** The argument check of {@link #read}: filters [from, from + n) of {@code count}, k² = kk values each, fit dst. */
    static void checkRange(int from, int n, int count, int kk, double[] dst) {
        if (from < 0 || n < 0 || (long) from + n > count || dst.length < (long) n * kk) {
            throw new IndexOutOfBoundsException("filters " + from + ".." + ((long) from + n) + " of " + count
                    + " into " + dst.length + " values");
        }
    }

    static LayerSource of(FilterBank bank) {
        return new LayerSource() {
            @Override
            public String source() {
                return bank.source();
            }

            @Override
            public String layer() {
                return bank.layer();
            }

            @Override
            public int k() {
                return bank.k();
            }

            @Override
            public int count() {
                return bank.count();
            }

            @Override
            public void read(int from, int n, double[] dst) {
                int kk = bank.k() * bank.k();
                if (from < 0 || n < 0 || from + n > bank.count() || dst.length < n * kk) {
                    throw new IndexOutOfBoundsException("filters " + from + ".." + (from + n) + " of " + bank.count()
                            + " into " + dst.length + " values");
                }
                System.arraycopy(bank.data(), from * kk, dst, 0, n * kk);
            }

            @Override
            public FilterBank slice(int from, int n) throws IOException {
                return from == 0 && n == bank.count() ? bank : LayerSource.super.slice(from, n);
            }
        };
    }
}
