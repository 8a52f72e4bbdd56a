package org.scalespace.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/** Runs the CLI in-process through {@link Main#run} and captures its streams. */
final class CliTestSupport {

    private CliTestSupport() {
    }

    record Run(int exit, String out, String err) {
        /** stderr lines, without the JVM's incubator-module warning. */
        List<String> errLines() {
            return Arrays.stream(err.split("\\R")).filter(l -> !l.isEmpty())
                    .filter(l -> !l.startsWith("WARNING: Using incubator")).collect(Collectors.toList());
        }

        List<String> outLines() {
            return Arrays.stream(out.split("\\R")).filter(l -> !l.isEmpty()).collect(Collectors.toList());
        }
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit;
        try (PrintWriter o = new PrintWriter(out); PrintWriter e = new PrintWriter(err)) {
            exit = Main.run(args, o, e);
        }
        return new Run(exit, out.toString(), err.toString());
    }
}
