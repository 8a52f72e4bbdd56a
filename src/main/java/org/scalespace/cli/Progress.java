package org.scalespace.cli;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A progress line on stderr for long runs: redrawn in place at most every 250 ms, only once the run has taken
 * longer than a second (short runs print nothing).
 */
final class Progress {
    private final PrintWriter err;
    private final String what;
    private final long total;
    private final boolean quiet;
    private final AtomicLong done = new AtomicLong();
    private final long start = System.nanoTime();
    private long lastDraw;
    private boolean drawn;
    private long drawnCount = -1;

    Progress(PrintWriter err, String what, long total, boolean quiet) {
        this.err = err;
        this.what = what;
        this.total = total;
        this.quiet = quiet;
    }

    void advance(long n) {
        long d = done.addAndGet(n);
        if (quiet) {
            return;
        }
        long now = System.nanoTime();
        synchronized (this) {
            if (now - start < 1_000_000_000L || (now - lastDraw < 250_000_000L && d < total)) {
                return;
            }
            lastDraw = now;
            draw(d, now);
        }
    }

    private void draw(long d, long now) {
        double secs = (now - start) / 1e9;
        double rate = d / Math.max(secs, 1e-9);
        int width = 30;
        int filled = total == 0 ? width : (int) (width * d / total);
        String bar = "#".repeat(filled) + "-".repeat(width - filled);
        double eta = rate > 0 ? (total - d) / rate : 0;
        err.printf(Locale.ROOT, "\r%s [%s] %d/%d filters (%3.0f%%) %.0f/s ETA %.0fs   ", what, bar, d, total,
                total == 0 ? 100.0 : 100.0 * d / total, rate, eta);
        err.flush();
        drawn = true;
        drawnCount = d;
    }

    synchronized void finish() {
        if (drawn) {
            if (drawnCount != done.get()) {
                draw(done.get(), System.nanoTime());
            }
            err.println();
            err.flush();
        }
    }
}
