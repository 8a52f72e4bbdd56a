package org.scalespace.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scalespace.conv.DenseFilters;
import org.scalespace.conv.Tensor4;

/** Images and .npy files ↔ tensors: PNG values rounded and clamped, .npy outputs in the input's rank. */
class ImagesAndTensorFilesTest {

    @TempDir
    Path dir;

    @Test
    void pngRoundTripRoundsAndClamps() throws IOException {
        Tensor4 grey = new Tensor4(1, 1, 2, 3, new float[] {-5, 0.4f, 0.6f, 127.5f, 254.6f, 300});
        Path g = dir.resolve("g.png");
        Images.writePng(g, grey, "g");
        Tensor4 back = Images.read(g);
        assertEquals("(1,1,2,3)", back.shapeString());
        assertArrayEquals(new float[] {0, 0, 1, 128, 255, 255}, back.data());

        float[] d = new float[3 * 2 * 2];
        for (int i = 0; i < d.length; i++) {
            d[i] = 20 * i;
        }
        Path c = dir.resolve("c.PNG");
        assertTrue(Images.isImage(c));
        Images.writePng(c, new Tensor4(1, 3, 2, 2, d), "c");
        TensorFiles.Loaded l = TensorFiles.readInput(c);
        assertEquals(3, l.rank());
        assertArrayEquals(d, l.tensor().data());

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Images.writePng(dir.resolve("two.png"), Tensor4.zeros(1, 2, 2, 2), "--out two.png"));
        assertTrue(e.getMessage().startsWith("--out two.png: PNG output needs 1 or 3 channels"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("two.png")));
        Path bad = dir.resolve("bad.png");
        Files.writeString(bad, "not an image");
        assertThrows(InputFormatException.class, () -> Images.read(bad));
    }

    @Test
    void npyKeepsItsRank() throws IOException {
        float[] d = {1, 2, 3, 4, 5, 6};
        for (long[] shape : new long[][] {{2, 3}, {1, 2, 3}, {1, 1, 2, 3}}) {
            Path p = dir.resolve("x" + shape.length + ".npy");
            NpyWriter.write(p, shape, d);
            TensorFiles.Loaded l = TensorFiles.readInput(p);
            assertEquals(shape.length, l.rank());
            assertEquals("(1,1,2,3)", l.tensor().shapeString());
            Path o = dir.resolve("y" + shape.length + ".npy");
            TensorFiles.writeNpy(o, l.tensor(), l.rank());
            NpyArray a = NpyReader.read(o);
            assertArrayEquals(shape, a.shape());
            assertArrayEquals(d, a.asFloat());
        }
        Path w = dir.resolve("w.npy");
        NpyWriter.write(w, new long[] {2, 1, 3, 3}, new float[18]);
        DenseFilters f = TensorFiles.readDenseFilters(w, "--filters w.npy");
        assertEquals(2, f.channels());
        assertEquals(3, f.k());
        InputFormatException e = assertThrows(InputFormatException.class,
                () -> TensorFiles.readInput(dir.resolve("x.txt")));
        assertTrue(e.getMessage().contains("unknown input type"), e.getMessage());
        assertEquals("npy", TensorFiles.extension(Path.of("a/b.NPY")));
        assertEquals("", TensorFiles.extension(Path.of("noext")));
    }
}
