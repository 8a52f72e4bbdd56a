package org.scalespace.io;

import java.nio.file.Path;

/**
 * Whether this Java runtime can read and write image files. Image I/O (ImageIO, BufferedImage) lives in the module
 * {@value #MODULE}; a trimmed runtime (the GPU kit's jlink image) may leave it out, and then touching an image class
 * fails with a {@code NoClassDefFoundError}. Callers ask here first, before any class that names image types is
 * loaded, so the user gets a one-line error instead.
 */
public final class ImageSupport {

    /** The module that holds ImageIO and java.awt.image. */
    public static final String MODULE = "java.desktop";

    private ImageSupport() {
    }

    /** True when the boot layer has {@value #MODULE}. */
    public static boolean available() {
        return ModuleLayer.boot().findModule(MODULE).isPresent();
    }

    /**
     * Returns normally when images can be read and written here; otherwise throws a one-line
     * {@link InputFormatException} naming the file and what to do instead.
     */
    public static void requireDesktop(Path file) throws InputFormatException {
        requireDesktop(file, available());
    }

    static void requireDesktop(Path file, boolean desktopPresent) throws InputFormatException {
        if (!desktopPresent) {
            throw new InputFormatException(String.valueOf(file),
                    "image files need the Java module " + MODULE + ", which this Java runtime lacks (a trimmed "
                            + "runtime, such as the GPU kit's)",
                    "use .npy input and output here, or a full JDK for images");
        }
    }
}
