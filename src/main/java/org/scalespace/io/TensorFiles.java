package org.scalespace.io;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import org.scalespace.conv.DenseFilters;
import org.scalespace.conv.Tensor4;

/**
 * Convolution inputs and outputs as files: feature maps as {@code .npy} of shape (N,C,H,W), (C,H,W) or (H,W) or as
 * images ({@link Images}), dense filters as {@code .npy} (C,1,k,k) or (C,k,k). A {@code .npy} output keeps the rank
 * its input had.
 */
public final class TensorFiles {

    private TensorFiles() {
    }

    /** A tensor read from a file and the rank it had there (3 for an image: (C,H,W)). */
    public record Loaded(Tensor4 tensor, int rank) {
    }

    /** The file name's extension after the last dot, lower case, without the dot; "" when there is none. */
    public static String extension(Path p) {
        String n = p.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot < 0 ? "" : n.substring(dot + 1).toLowerCase(Locale.ROOT);
    }

    /**
     * Reads feature maps: an image ({@link Images#read}, rank 3) or a {@code .npy} of rank 2, 3 or 4; any other
     * extension is an error.
     */
    public static Loaded readInput(Path file) throws IOException {
        if (Images.isImage(file)) {
            return new Loaded(Images.read(file), 3);
        }
        if (!extension(file).equals("npy")) {
            throw new InputFormatException(file.toString(), "unknown input type",
                    "accepted: .npy (N,C,H,W), (C,H,W) or (H,W), or an image (.png, .jpg, .jpeg, .bmp, .gif)");
        }
        return readNpy(file, "input " + file);
    }

    /** Reads a {@code .npy} of rank 2, 3 or 4 as feature maps; {@code name} names it in errors. */
    public static Loaded readNpy(Path file, String name) throws IOException {
        NpyArray a = NpyReader.read(file);
        int[] s = dims(a.shape(), file);
        return new Loaded(Tensor4.fromShape(name, s, a.asFloat()), s.length);
    }

    /** Reads dense filters from a {@code .npy} (C,1,k,k) or (C,k,k); {@code name} names them in errors. */
    public static DenseFilters readDenseFilters(Path file, String name) throws IOException {
        NpyArray a = NpyReader.read(file);
        return DenseFilters.fromShape(name, dims(a.shape(), file), a.asFloat());
    }

    /**
     * Writes a tensor as a float32 {@code .npy} of the given rank: 2 (H,W), 3 (C,H,W) or 4 (N,C,H,W); atomically
     * ({@link NpyWriter}).
     */
    public static void writeNpy(Path file, Tensor4 t, int rank) throws IOException {
        long[] shape;
        switch (rank) {
            case 2:
                shape = new long[] {t.h(), t.w()};
                break;
            case 3:
                shape = new long[] {t.c(), t.h(), t.w()};
                break;
            default:
                shape = new long[] {t.n(), t.c(), t.h(), t.w()};
        }
        NpyWriter.write(file, shape, t.data());
    }

    /** A file's array shape as ints; a dimension beyond int range is an error naming the file. */
    public static int[] dims(long[] shape, Path file) {
        int[] s = new int[shape.length];
        for (int i = 0; i < s.length; i++) {
            if (shape[i] > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(file + ": dimension " + shape[i] + " too large");
            }
            s[i] = (int) shape[i];
        }
        return s;
    }
}
