package org.scalespace.conv;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Fixed-seed test data and a minimal reader for the committed little-endian float32 .npy test vectors. */
public final class TestData {
    private TestData() {
    }

    public static Tensor4 random(long seed, int n, int c, int h, int w) {
        Random rnd = new Random(seed);
        float[] d = new float[n * c * h * w];
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) (rnd.nextGaussian());
        }
        return new Tensor4(n, c, h, w, d);
    }

    public static DenseFilters randomDense(long seed, int c, int k) {
        Random rnd = new Random(seed);
        float[] d = new float[c * k * k];
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) (rnd.nextGaussian() / k);
        }
        return new DenseFilters(c, k, d);
    }

    /** Channel c gets (c mod (maxTerms+1)) … terms, cycling 1..maxTerms, random taps. */
    public static SeparableBank randomSeparable(long seed, int c, int k, int maxTerms) {
        Random rnd = new Random(seed);
        List<List<SeparableBank.Term>> all = new ArrayList<>();
        for (int ch = 0; ch < c; ch++) {
            int nt = 1 + ch % maxTerms;
            List<SeparableBank.Term> ts = new ArrayList<>();
            for (int t = 0; t < nt; t++) {
                double[] row = new double[k];
                double[] col = new double[k];
                for (int i = 0; i < k; i++) {
                    row[i] = rnd.nextGaussian();
                    col[i] = rnd.nextGaussian() / k;
                }
                ts.add(new SeparableBank.Term(row, col));
            }
            all.add(ts);
        }
        return SeparableBank.of(k, all);
    }

    /** An array read from a .npy file: shape and float32 data (little-endian '<f4', C order only). */
    public record Npy(int[] shape, float[] data) {
    }

    public static Npy readNpy(String resource) throws IOException {
        try (InputStream in = TestData.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("missing test resource " + resource);
            }
            byte[] all = in.readAllBytes();
            ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
            if (all[0] != (byte) 0x93 || all[1] != 'N') {
                throw new IOException(resource + ": not a .npy file");
            }
            int major = all[6];
            int headerLen;
            int start;
            if (major == 1) {
                headerLen = b.getShort(8) & 0xffff;
                start = 10;
            } else {
                headerLen = b.getInt(8);
                start = 12;
            }
            String header = new String(all, start, headerLen, StandardCharsets.ISO_8859_1);
            if (!header.contains("'<f4'") || header.contains("'fortran_order': True")) {
                throw new IOException(resource + ": test reader handles only C-order <f4, header " + header);
            }
            Matcher m = Pattern.compile("'shape': \\(([^)]*)\\)").matcher(header);
            if (!m.find()) {
                throw new IOException(resource + ": no shape in header " + header);
            }
            List<Integer> dims = new ArrayList<>();
            for (String p : m.group(1).split(",")) {
                if (!p.isBlank()) {
                    dims.add(Integer.parseInt(p.trim()));
                }
            }
            int[] shape = dims.stream().mapToInt(Integer::intValue).toArray();
            int count = 1;
            for (int d : shape) {
                count *= d;
            }
            float[] data = new float[count];
            b.position(start + headerLen);
            b.asFloatBuffer().get(data);
            return new Npy(shape, data);
        }
    }
}
