package org.scalespace.io;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.scalespace.conv.Tensor4;

/**
 * Images ↔ tensors. Reading (PNG, JPEG, BMP, GIF): a grey image becomes one channel, a colour image three (R, G, B),
 * values 0…255, shape (1,C,H,W). Writing (PNG): one channel as an 8-bit grey image, three as RGB, each value rounded
 * and clamped to 0…255.
 *
 * <p>This class names no image type: the conversions are in {@link ImageCodec}, which needs the module
 * {@value #MODULE}. A trimmed runtime (the GPU kit's jlink image) may leave that module out; then {@link #read} and
 * {@link #writePng} give a one-line {@link InputFormatException} instead of a {@code NoClassDefFoundError}.
 */
public final class Images {

    /** The image file extensions read, lower case, without the dot. */
    public static final List<String> EXTENSIONS = List.of("png", "jpg", "jpeg", "bmp", "gif");

    /** The module that holds ImageIO and java.awt.image. */
    public static final String MODULE = "java.desktop";

    private Images() {
    }

    /** Whether the file's extension (any case) is one of {@link #EXTENSIONS}. */
    public static boolean isImage(Path file) {
        return EXTENSIONS.contains(TensorFiles.extension(file));
    }

    /** True when this runtime's boot layer has {@value #MODULE}, so images can be read and written. */
    public static boolean available() {
        return ModuleLayer.boot().findModule(MODULE).isPresent();
    }

    /** Reads an image as a (1,C,H,W) tensor, C = 1 (grey) or 3 (R, G, B). */
    public static Tensor4 read(Path file) throws IOException {
        InputFiles.requireRegularFile(file);
        requireDesktop(file, available());
        return ImageCodec.read(file);
    }

    /**
     * Writes a (1,1,H,W) or (1,3,H,W) tensor as a PNG, atomically ({@link AtomicFiles}). {@code name} names the
     * output in the error for any other shape.
     */
    public static void writePng(Path file, Tensor4 y, String name) throws IOException {
        requireDesktop(file, available());
        ImageCodec.writePng(file, y, name);
    }

    /** The one-line error for an image file on a runtime without {@value #MODULE}. */
    static void requireDesktop(Path file, boolean desktopPresent) throws InputFormatException {
        if (!desktopPresent) {
            throw new InputFormatException(String.valueOf(file),
                    "image files need the Java module " + MODULE + ", which this Java runtime lacks (a trimmed "
                            + "runtime, such as the GPU kit's)",
                    "use .npy input and output here, or a full JDK for images");
        }
    }
}
