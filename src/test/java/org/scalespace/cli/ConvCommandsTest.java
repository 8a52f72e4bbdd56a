package org.scalespace.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scalespace.conv.DenseFilters;
import org.scalespace.conv.Fidelity;
import org.scalespace.conv.Padding;
import org.scalespace.conv.ReferenceConv;
import org.scalespace.conv.SeparableBank;
import org.scalespace.conv.Tensor4;
import org.scalespace.conv.TestData;
import org.scalespace.io.NpyArray;
import org.scalespace.io.NpyReader;
import org.scalespace.io.NpyWriter;
import org.scalespace.model.Construction;
import org.scalespace.model.Family;
import org.scalespace.model.Templates;
import picocli.CommandLine;

/** The convolve and bench conv commands, run through picocli as standalone commands. */
class ConvCommandsTest {

    @TempDir
    Path dir;

    record Result(int code, String out, String err) {
    }

    static Result run(Object cmd, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(cmd);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void convolveDenseNpyMatchesTheReference() throws Exception {
        Tensor4 x = TestData.random(1, 2, 3, 20, 25);
        DenseFilters f = TestData.randomDense(2, 3, 5);
        Path xp = dir.resolve("x.npy");
        Path wp = dir.resolve("w.npy");
        Path yp = dir.resolve("y.npy");
        NpyWriter.write(xp, new long[] {2, 3, 20, 25}, x.data());
        NpyWriter.write(wp, new long[] {3, 1, 5, 5}, f.data());
        for (String backend : new String[] {"scalar", "auto"}) {
            Result r = run(new ConvolveCommand(), xp.toString(), "--filters", wp.toString(), "--padding", "reflect",
                    "--backend", backend, "--out", yp.toString());
            assertEquals(0, r.code(), r.err());
            NpyArray y = NpyReader.read(yp);
            assertEquals(4, y.rank());
            double rel = Fidelity.relativeL2(ReferenceConv.dense(x, f, Padding.REFLECT).data(), y.asFloat());
            assertTrue(rel <= 1e-5, "relative l2 " + rel);
        }
    }

    @Test
    void convolveWithAFitResultCsvAndJson() throws Exception {
        Tensor4 x = TestData.random(3, 1, 2, 15, 16);
        Path xp = dir.resolve("x.npy");
        NpyWriter.write(xp, new long[] {2, 15, 16}, x.data()); // (C,H,W): the output keeps rank 3
        String csv = "source,layer,channel,family,sigma_x,sigma_y,alpha,gain,offset,l2,l1,rel_l2,cosine,mean_x,"
                + "mean_y,var_xx,var_xy,var_yy,edge\n"
                + "\"a,b.npy\",l,0,dx,1.2,0.8,0.0,2.0,0.1,0,0,0,1,0,0,0,0,0,none\n"
                + "a.npy,l,1,dog,0.9,0.9,0.5,-1.5,0.0,0,0,0,1,0,0,0,0,0,none\n";
        Path cp = dir.resolve("fit.csv");
        Files.writeString(cp, csv);
        String json = "[{\"source\":\"a\",\"family\":\"dx\",\"sigma_x\":1.2,\"sigma_y\":0.8,\"alpha\":0.0,"
                + "\"gain\":2.0,\"offset\":0.1,\"l2\":null},{\"source\":\"a\",\"family\":\"dog\",\"sigma_x\":0.9,"
                + "\"sigma_y\":0.9,\"alpha\":0.5,\"gain\":-1.5,\"offset\":0.0}]";
        Path jp = dir.resolve("fit.json");
        Files.writeString(jp, json);
        List<List<SeparableBank.Term>> terms = new ArrayList<>();
        terms.add(SeparableBank.terms(Templates.build(Family.DX, Construction.EXACT, 7, 1.2, 0.8, 0), 2.0, 0.1));
        terms.add(SeparableBank.terms(Templates.build(Family.DOG, Construction.EXACT, 7, 0.9, 0.9, 0.5), -1.5, 0));
        Tensor4 ref = ReferenceConv.separable(new Tensor4(1, 2, 15, 16, x.data()), SeparableBank.of(7, terms),
                Padding.REPLICATE);
        for (Path fp : new Path[] {cp, jp}) {
            Path yp = dir.resolve("y.npy");
            Result r = run(new ConvolveCommand(), xp.toString(), "--filters", fp.toString(), "--padding",
                    "replicate", "--out", yp.toString());
            assertEquals(0, r.code(), r.err());
            NpyArray y = NpyReader.read(yp);
            assertEquals(3, y.rank());
            assertTrue(Fidelity.relativeL2(ref.data(), y.asFloat()) <= 1e-5, fp.toString());
        }
    }

    @Test
    void convolveSmoothsAnImageToPng() throws Exception {
        java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(31, 17,
                java.awt.image.BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 17; y++) {
            for (int x = 0; x < 31; x++) {
                img.setRGB(x, y, (x * 8) << 16 | (y * 15) << 8 | ((x + y) % 2) * 255);
            }
        }
        Path ip = dir.resolve("in.png");
        javax.imageio.ImageIO.write(img, "png", ip.toFile());
        Path op = dir.resolve("out.png");
        Result r = run(new ConvolveCommand(), ip.toString(), "--sigma", "1.5", "--padding", "reflect", "--out",
                op.toString());
        assertEquals(0, r.code(), r.err());
        java.awt.image.BufferedImage o = javax.imageio.ImageIO.read(op.toFile());
        assertEquals(31, o.getWidth());
        assertEquals(17, o.getHeight());
        // the checkerboard in blue is smoothed to about half
        int blue = o.getRGB(15, 8) & 0xff;
        assertTrue(blue > 100 && blue < 155, "blue " + blue);
        assertTrue(r.out().contains("discrete Gaussian smooth"), r.out());
    }

    @Test
    void convolveRejectsChannelMismatchBeforeWork() throws Exception {
        Path xp = dir.resolve("x.npy");
        Path wp = dir.resolve("w.npy");
        NpyWriter.write(xp, new long[] {1, 4, 8, 8}, new float[256]);
        NpyWriter.write(wp, new long[] {3, 1, 3, 3}, new float[27]);
        Path yp = dir.resolve("y.npy");
        Result r = run(new ConvolveCommand(), xp.toString(), "--filters", wp.toString(), "--out", yp.toString());
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("C = 4") && r.err().contains("3"), r.err());
        assertTrue(Files.notExists(yp));
        NpyWriter.write(wp, new long[] {4, 1, 4, 4}, new float[64]);
        r = run(new ConvolveCommand(), xp.toString(), "--filters", wp.toString(), "--out", yp.toString());
        assertTrue(r.err().contains("even"), r.err());
        float[] nan = new float[256];
        nan[17] = Float.NaN;
        NpyWriter.write(xp, new long[] {1, 4, 8, 8}, nan);
        r = run(new ConvolveCommand(), xp.toString(), "--sigma", "1", "--out", yp.toString());
        assertTrue(r.err().contains("NaN at (0,0,2,1)"), r.err());
    }

    @Test
    void benchConvValidatesAndPrintsMpxLast() {
        Result r = run(new BenchCommand(), "conv", "--shape", "2,3,40,50", "--kind", "dense", "--k", "5",
                "--time", "0.2", "--warmup", "0.1", "--backend", "auto");
        assertEquals(0, r.code(), r.err());
        String[] lines = r.out().trim().split("\n");
        assertTrue(lines[lines.length - 1].matches("Mpx/s: [0-9.]+"), r.out());
        assertTrue(r.out().contains("validated against scalar"), r.out());
        r = run(new BenchCommand(), "conv", "--shape", "2,3,40", "--kind", "dense");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("N,C,H,W"), r.err());
    }

    @Test
    void benchConvResidentValidatesTheDownloadedOutput() {
        // simd always; opencl too where a driver is installed (PoCL in CI): its resident tensors are device buffers
        List<String> backends = new java.util.ArrayList<>(List.of("simd"));
        if (org.scalespace.backend.opencl.OpenCLRuntime.unavailableReason().isEmpty()) {
            backends.add("opencl");
        }
        for (String be : backends) {
            for (String kind : List.of("separable", "dense")) {
                Result r = run(new BenchCommand(), "conv", "--shape", "2,3,33,47", "--kind", kind, "--k", "7",
                        "--time", "0.2", "--warmup", "0.1", "--backend", be, "--resident");
                assertEquals(0, r.code(), be + " " + kind + ": " + r.err());
                assertTrue(r.out().contains("resident: input and output in " + be + " tensors"), r.out());
                assertTrue(r.out().contains("validated against scalar"), r.out());
                String[] lines = r.out().trim().split("\n");
                assertTrue(lines[lines.length - 1].matches("Mpx/s: [0-9.]+"), r.out());
            }
        }
    }

    @Test
    void replaceReportsFidelityAndTimesOnTheBundledFilters() throws Exception {
        Path rep = dir.resolve("rep.json");
        Result r = run(new ReplaceCommand(), "--size", "40", "--reps", "1", "--out", rep.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("synthetic 1/f"), r.out());
        assertTrue(r.out().contains("layer output relative l2") && r.out().contains("speed-up"), r.out());
        String json = Files.readString(rep);
        assertEquals(8, json.split("\"output_rel_l2\"").length - 1, json);
        // the separable bank built from a fit (as replace builds it) equals the fit's dense model
        org.scalespace.fit.FitOptions opt = org.scalespace.fit.FitOptions.defaults();
        try (org.scalespace.fit.CoarseScorer be = new org.scalespace.backend.scalar.ScalarScorer()) {
            List<org.scalespace.fit.FitResult> fits = new org.scalespace.fit.Fitter(be, opt, 1)
                    .fit(org.scalespace.io.FilterReaders.bundled(), n -> { });
            for (org.scalespace.fit.FitResult f : fits) {
                double[] dense = SeparableBank.of(7, List.of(SeparableBank.terms(Templates.build(f.family(),
                        opt.construction(), 7, f.sigmaX(), f.sigmaY(), f.family() == Family.DOG ? f.alpha() : 0),
                        f.gain(), f.offset()))).dense(0);
                org.junit.jupiter.api.Assertions.assertArrayEquals(f.model(), dense, 1e-9, f.family().id());
            }
        }
        Tensor4 syn = org.scalespace.bench.SyntheticInput.oneOverF(1, 2, 33, 20, 5);
        double mean = 0;
        for (float v : syn.data()) {
            mean += v;
        }
        assertEquals(0, mean / syn.data().length, 1e-3);
    }
}
