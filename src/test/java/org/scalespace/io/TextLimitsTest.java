package org.scalespace.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.scalespace.io.IoTestSupport.assertFormatError;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The text format's bounds: line length, numbers per row and rows per filter, each an error naming the line. */
class TextLimitsTest {

    @TempDir
    Path tmp;

    @Test
    void hugeLineIsRefusedWithItsNumber() throws IOException {
        Path p = tmp.resolve("one_line.txt");
        try (Writer w = Files.newBufferedWriter(p, StandardCharsets.US_ASCII)) {
            w.write("# one huge row\nFilter 1:\n");
            for (int i = 0; i < 300_000; i++) {
                w.write("0.125 ");
            }
            w.write("\n");
        }
        assertFormatError(p, "line 3 is longer than 1048576 characters", () -> TextFilterReader.read(p));
    }

    @Test
    void tooManyNumbersOrRows() throws IOException {
        Path wide = tmp.resolve("wide.txt");
        Files.writeString(wide, "Filter 1:\n" + "1 ".repeat(2000) + "\n");
        assertFormatError(wide, "line 2: more than 1024 numbers in one row", () -> TextFilterReader.read(wide));
        Path tall = tmp.resolve("tall.txt");
        Files.writeString(tall, "Filter 1:\r\n" + "1 2 3\r\n".repeat(1100));
        assertFormatError(tall, "line 1026 ('Filter 1:'): more than 1024 rows", () -> TextFilterReader.read(tall));
    }

    @Test
    void lineEndsStillRead() throws IOException {
        String rows = "0.1 0.2 0.3%s0.4 0.5 0.6%s0.7 0.8 0.95";
        for (String end : new String[] {"\n", "\r\n", "\r"}) {
            Path p = tmp.resolve("f.txt");
            Files.writeString(p, "Filter 1:" + end + rows.formatted(end, end) + end + end + "Filter 2:" + end
                    + rows.formatted(end, end));
            assertEquals(2, TextFilterReader.read(p).count(), end.replace("\r", "CR").replace("\n", "LF"));
        }
    }
}
