package org.scalespace.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scalespace.backend.scalar.ScalarScorer;
import org.scalespace.fit.FitOptions;
import org.scalespace.fit.FitResult;
import org.scalespace.fit.Fitter;
import org.scalespace.model.FilterBank;

/**
 * {@link StreamingFit} a few filters per slice: the slices cover each layer in order, and the results, the CSV and
 * the tally are those of fitting each layer in one call.
 */
class StreamingFitTest {

    @TempDir
    Path dir;

    /** Two layers of 11 and 3 filters (copies of the bundled ones, scaled), read from .npy files. */
    private List<LayerSource> layers() throws IOException {
        FilterBank mk = FilterReaders.bundled();
        List<LayerSource> out = new ArrayList<>();
        for (int n : new int[] {11, 3}) {
            float[] d = new float[n * 49];
            for (int i = 0; i < d.length; i++) {
                d[i] = (float) (mk.data()[i % (8 * 49)] * (1 + i / 49));
            }
            Path p = dir.resolve("l" + n + ".npy");
            NpyWriter.write(p, new long[] {n, 7, 7}, d);
            out.addAll(FilterReaders.open(p, note -> { }));
        }
        return out;
    }

    @Test
    void slicesCoverEachLayerInOrder() throws IOException {
        List<String> seen = new ArrayList<>();
        for (LayerSource l : layers()) {
            StreamingFit.forEachSlice(l, false, 4, (b, from) -> seen.add(l.layer() + ":" + from + "+" + b.count()));
            StreamingFit.forEachSlice(l, true, 4, (b, from) -> seen.add("whole " + from + "+" + b.count()));
        }
        assertEquals(List.of("l11:0+4", "l11:4+4", "l11:8+3", "whole 0+11", "l3:0+3", "whole 0+3"), seen);
    }

    @Test
    void slicedResultsEqualTheWholeFit() throws IOException {
        List<LayerSource> layers = layers();
        try (ScalarScorer be = new ScalarScorer()) {
            Fitter fitter = new Fitter(be, FitOptions.defaults().withRefine(false), 1).keepModels(false);
            List<FitResult> whole = new ArrayList<>();
            for (LayerSource l : layers) {
                whole.addAll(fitter.fit(l.slice(0, l.count()), n -> { }));
            }
            ByteArrayOutputStream expected = new ByteArrayOutputStream();
            ResultWriters.writeCsv(expected, whole);
            String csv = expected.toString(StandardCharsets.UTF_8);

            StreamingFit job = new StreamingFit(fitter, layers, false, 4);
            assertEquals(14, job.validate());
            AtomicLong progress = new AtomicLong();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            ResultWriters.writeCsv(all, job.fitAll(progress::addAndGet));
            assertEquals(csv, all.toString(StandardCharsets.UTF_8));
            assertEquals(14, progress.get());
            assertEquals(14, job.tally().n());
            assertEquals(14, job.tally().counts().values().stream().mapToInt(Integer::intValue).sum());

            Path f = dir.resolve("out.csv");
            new StreamingFit(fitter, layers, false, 4).writeCsv(f, n -> { });
            assertEquals(csv, Files.readString(f, StandardCharsets.UTF_8));
            StringWriter w = new StringWriter();
            new StreamingFit(fitter, layers, false, 5).appendCsv(w, n -> { });
            assertEquals(csv, w.toString());
        }
        assertThrows(IllegalArgumentException.class, () -> new StreamingFit(null, layers, false, 0));
    }
}
