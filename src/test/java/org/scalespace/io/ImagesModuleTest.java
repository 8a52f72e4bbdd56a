package org.scalespace.io;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ImagesModuleTest {

    @Test
    void fullJdkHasImages() {
        assertTrue(Images.available(), "the test JVM is a full JDK");
        assertDoesNotThrow(() -> Images.requireDesktop(Path.of("in.png"), Images.available()));
    }

    @Test
    void runtimeWithoutDesktopGivesOneLine() {
        InputFormatException e = assertThrows(InputFormatException.class,
                () -> Images.requireDesktop(Path.of("in.png"), false));
        assertEquals("in.png: image files need the Java module java.desktop, which this Java runtime lacks (a trimmed "
                + "runtime, such as the GPU kit's); use .npy input and output here, or a full JDK for images",
                e.getMessage());
        assertEquals("in.png", e.file());
    }
}
