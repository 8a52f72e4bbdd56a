package org.scalespace.backend.simd;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The SIMD convolution engine's threads and how work is handed to them: units (planes × bands, or groups of planes)
 * go out dynamically, in shrinking runs of consecutive units ({@link #GUIDED_DIVISOR}), to {@code threads} workers:
 * the calling thread and a fixed team of daemon threads ({@link SpinTeam}). Each worker has its own {@link Scratch},
 * reused across calls.
 */
final class Scheduler {
    /**
     * Units of work per thread that the band split aims for when there are few planes, so that dynamic scheduling
     * can balance threads that are slowed down (e.g. by other processes on a shared machine).
     */
    static final int UNITS_PER_THREAD = 16;

    /** Smallest band height worth splitting a plane into (the halo of 2r rows is recomputed per band). */
    private static final int MIN_BAND_ROWS = 64;

    private final int threads;
    private final SpinTeam team;
    private final Scratch[] scratch;

    /** {@code threads} workers: the caller's thread plus threads − 1 team threads. */
    Scheduler(int threads) {
        if (threads < 1 || threads > 1024) {
            throw new IllegalArgumentException("simd: threads = " + threads + "; accepted: 1 … 1024");
        }
        this.threads = threads;
        this.scratch = new Scratch[threads];
        for (int i = 0; i < threads; i++) {
            scratch[i] = new Scratch();
        }
        if (threads > 1) {
            team = new SpinTeam(threads - 1, "scalespace-simd");
        } else {
            team = null;
        }
    }

    int threads() {
        return threads;
    }

    /** Stops the team. */
    void close() {
        if (team != null) {
            team.close();
        }
    }

    @FunctionalInterface
    interface BandTask {
        void run(Scratch sc, int plane, int y0, int y1);
    }

    /**
     * Splits the planes into bands and runs {@code task} on all of them. With {@code align} > 1 (a kernel that works
     * in blocks of that many rows) band boundaries fall on multiples of align and every band but a plane shorter
     * than align has at least align rows (the last band of a plane takes the remainder), so the band split, which
     * depends on the thread count, never sends rows to a kernel for short bands.
     */
    void run(Geometry g, int maxBandRows, int align, BandTask task) {
        // split planes into bands: no band taller than maxBandRows (tile size), and enough units for all threads,
        // but no band below MIN_BAND_ROWS rows for the sake of parallelism alone
        int bands = (int) ((g.h + (long) maxBandRows - 1) / maxBandRows);
        if (threads > 1 && (long) g.planes * bands < UNITS_PER_THREAD * threads) {
            bands = Math.max(bands, Math.min((UNITS_PER_THREAD * threads + g.planes - 1) / g.planes,
                    g.h / MIN_BAND_ROWS));
        }
        int rowUnits = Math.max(1, g.h / align);
        bands = Math.min(bands, rowUnits);
        final int nb = bands;
        runUnits(g.planes * nb, (sc, u) -> {
            int plane = u / nb;
            int b = u % nb;
            int y0 = (int) ((long) b * rowUnits / nb) * align;
            int y1 = b + 1 == nb ? g.h : (int) ((long) (b + 1) * rowUnits / nb) * align;
            task.run(sc, plane, y0, y1);
        });
    }

    @FunctionalInterface
    interface UnitTask {
        void run(Scratch sc, int unit);
    }

    /** Runs {@code task} on units 0 … units−1, handed out to the workers in guided runs of consecutive units. */
    void runUnits(int units, UnitTask task) {
        AtomicInteger next = new AtomicInteger();
        if (team == null) {
            claim(units, next, scratch[0], task, 1);
            return;
        }
        team.run(worker -> {
            try {
                claim(units, next, scratch[worker], task, threads);
            } catch (Throwable t) {
                next.set(units); // stop the others early
                throw t;
            }
        });
    }

    private static void claim(int units, AtomicInteger next, Scratch sc, UnitTask task, int threads) {
        while (true) {
            int start = next.get();
            if (start >= units) {
                return;
            }
            // guided: consecutive units in shrinking chunks, so each worker streams through neighbouring planes
            int chunk = Math.max(1, (units - start) / (GUIDED_DIVISOR * threads));
            if (!next.compareAndSet(start, Math.min(units, start + chunk))) {
                continue;
            }
            for (int u = start, end = Math.min(units, start + chunk); u < end; u++) {
                task.run(sc, u);
            }
        }
    }

    /**
     * Guided scheduling: a worker claims (units left) / (GUIDED_DIVISOR · threads) consecutive units at a time. With
     * one unit per claim the two workers of the 2-core machine took alternate planes and ran 35–40 % slower on
     * ConvNeXt-sized batches (8×96 planes of 56²: separable 2.5 → 3.9–4.2 Gpx/s, dense 1.5–1.6 → 2.2–2.3 with
     * chunks), most likely because each core's prefetchers ran into the neighbouring plane the other core was reading
     * and writing. Divisor 2 measured at least as fast as 4.
     */
    static final int GUIDED_DIVISOR = 2;
}
