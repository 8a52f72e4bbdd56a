package org.scalespace.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import org.junit.jupiter.api.Test;

/** Results printed on standard output that could not be written make the command fail (exit 1, one line). */
class StdoutFailureTest {

    /** A writer that fails like a full disk once anything reaches it. */
    private static final class FullDisk extends Writer {
        @Override
        public void write(char[] c, int off, int len) throws IOException {
            throw new IOException("No space left on device");
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }

    @Test
    void aCsvFitOnAFullDiskExitsOne() {
        PrintWriter out = new PrintWriter(new FullDisk(), true);
        StringWriter se = new StringWriter();
        PrintWriter err = new PrintWriter(se, true);
        int rc = Main.run(new String[] {"fit", "--format", "csv", "-q", "--backend", "scalar"}, out, err);
        assertEquals(0, rc, "the command itself does not see the lost output: " + se);
        assertEquals(1, Main.checkWritten(out, err));
        assertTrue(se.toString().strip().startsWith("scalespace: error: writing to standard output failed"),
                se.toString());
        assertEquals(1, se.toString().strip().lines().count(), se.toString());
    }

    @Test
    void writtenOutputExitsZero() {
        PrintWriter out = new PrintWriter(new StringWriter(), true);
        StringWriter se = new StringWriter();
        out.println("fine");
        assertEquals(0, Main.checkWritten(out, new PrintWriter(se, true)));
        assertEquals("", se.toString());
    }
}
