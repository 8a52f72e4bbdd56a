package org.scalespace.conv;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The committed PyTorch test vectors (tools/gen_conv_vectors.py → src/test/resources/conv/). {@code index.txt} lists
 * one case per line: {@code name kind padding}; files {@code name_x.npy}, {@code name_y.npy} and, for dense cases,
 * {@code name_w.npy} (C,1,k,k), for separable cases {@code name_rows.npy} and {@code name_cols.npy} (C,T,k).
 */
public final class PytorchVectors {
    private PytorchVectors() {
    }

    public record Case(String name, Tensor4 input, Tensor4 expected, Padding padding, DenseFilters dense,
                       SeparableBank separable) {
    }

    public static List<String> cases() throws IOException {
        List<String> out = new ArrayList<>();
        try (InputStream in = PytorchVectors.class.getResourceAsStream("/conv/index.txt")) {
            if (in == null) {
                return out;
            }
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    out.add(line.trim());
                }
            }
        }
        return out;
    }

    /** line = "name kind padding". */
    public static Case load(String line) throws IOException {
        String[] p = line.split("\\s+");
        String name = p[0];
        TestData.Npy x = TestData.readNpy("/conv/" + name + "_x.npy");
        TestData.Npy y = TestData.readNpy("/conv/" + name + "_y.npy");
        Tensor4 input = Tensor4.fromShape(name + " x", x.shape(), x.data());
        Tensor4 expected = Tensor4.fromShape(name + " y", y.shape(), y.data());
        Padding pad = Padding.parse(p[2]);
        if (p[1].equals("dense")) {
            TestData.Npy w = TestData.readNpy("/conv/" + name + "_w.npy");
            return new Case(line, input, expected, pad, DenseFilters.fromShape(name + " w", w.shape(), w.data()),
                    null);
        }
        TestData.Npy rows = TestData.readNpy("/conv/" + name + "_rows.npy");
        TestData.Npy cols = TestData.readNpy("/conv/" + name + "_cols.npy");
        int c = rows.shape()[0];
        int t = rows.shape()[1];
        int k = rows.shape()[2];
        List<List<SeparableBank.Term>> all = new ArrayList<>();
        for (int ch = 0; ch < c; ch++) {
            List<SeparableBank.Term> ts = new ArrayList<>();
            for (int tt = 0; tt < t; tt++) {
                double[] rr = new double[k];
                double[] cc = new double[k];
                for (int i = 0; i < k; i++) {
                    rr[i] = rows.data()[(ch * t + tt) * k + i];
                    cc[i] = cols.data()[(ch * t + tt) * k + i];
                }
                ts.add(new SeparableBank.Term(rr, cc));
            }
            all.add(ts);
        }
        return new Case(line, input, expected, pad, null, SeparableBank.of(k, all));
    }
}
