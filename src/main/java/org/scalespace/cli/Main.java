package org.scalespace.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code scalespace} command. */
@Command(name = "scalespace", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = {"Fit idealized discrete scale-space filters to learned depthwise filters, in bulk, "
                + "and run both kinds of filters fast.", ""},
        subcommands = {FitCommand.class, PaperCommand.class, KernelCommand.class, ConvolveCommand.class,
                ReplaceCommand.class, BenchCommand.class, InfoCommand.class,
                CommandLine.HelpCommand.class},
        footer = {"", "Run 'scalespace COMMAND --help' for a command's options. Exit status: 0 success, "
                + "1 failure while running, 2 bad input or usage."})
public final class Main implements Runnable {

    /** Exit status for bad input (unreadable file, bad option value, unfittable filter). */
    public static final int EXIT_INPUT = 2;
    /** Exit status for a failure while running. */
    public static final int EXIT_FAILURE = 1;

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        int rc = run(args, out, err);
        System.exit(rc == 0 ? checkWritten(out, err) : rc);
    }

    /**
     * 0 when everything printed on {@code out} was written, else {@link #EXIT_FAILURE} with a one-line error: a
     * PrintWriter keeps write errors (a full disk, a closed pipe) to itself, so a command whose results went to
     * standard output would otherwise exit 0 with the results lost.
     */
    static int checkWritten(PrintWriter out, PrintWriter err) {
        if (out.checkError()) {
            err.println("scalespace: error: writing to standard output failed (a full disk or a closed pipe?); "
                    + "the output is incomplete");
            err.flush();
            return EXIT_FAILURE;
        }
        return 0;
    }

    /** Runs the CLI with the given streams and returns the exit status (used by tests). */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = commandLine();
        cl.setOut(out);
        cl.setErr(err);
        try {
            return cl.execute(args);
        } catch (OutOfMemoryError e) {
            // an Error passes picocli's exception handler; what was being written was removed on the way out
            // (AtomicFiles), so one line and exit 1 are all that is left to do
            String cmd = args.length > 0 && !args[0].startsWith("-") ? args[0] : "scalespace";
            err.println(cmd + ": error: out of memory (Java heap " + (Runtime.getRuntime().maxMemory() >> 20)
                    + " MiB): the input or the options need more; give the JVM more with SCALESPACE_JAVA_OPTS=-Xmx…"
                    + (e.getMessage() == null ? "" : " (" + e.getMessage() + ")"));
            if (System.getenv("SCALESPACE_DEBUG") != null) {
                e.printStackTrace(err);
            }
            err.flush();
            return EXIT_FAILURE;
        }
    }

    /** The configured command line: one-line errors, no stack traces (set SCALESPACE_DEBUG=1 to see them). */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            PrintWriter err = cmd.getErr();
            err.println(cmd.getCommandName() + ": error: " + message(ex));
            if (System.getenv("SCALESPACE_DEBUG") != null) {
                ex.printStackTrace(err);
            }
            err.flush();
            return isInputError(ex) ? EXIT_INPUT : EXIT_FAILURE;
        });
        cl.setParameterExceptionHandler((ex, args) -> {
            CommandLine cmd = ex.getCommandLine();
            PrintWriter err = cmd.getErr();
            err.println(cmd.getCommandName() + ": error: " + ex.getMessage());
            err.println("Try '" + cmd.getCommandSpec().qualifiedName() + " --help' for more information.");
            err.flush();
            return EXIT_INPUT;
        });
        return cl;
    }

    static boolean isInputError(Throwable ex) {
        return ex instanceof IllegalArgumentException || ex instanceof java.io.IOException;
    }

    static String message(Throwable ex) {
        if (ex instanceof java.nio.file.NoSuchFileException) {
            return ((java.nio.file.NoSuchFileException) ex).getFile() + ": no such file";
        }
        if (ex instanceof java.nio.file.AccessDeniedException) {
            return ((java.nio.file.AccessDeniedException) ex).getFile() + ": permission denied";
        }
        if (ex instanceof java.nio.file.FileSystemException) {
            java.nio.file.FileSystemException fe = (java.nio.file.FileSystemException) ex;
            return fe.getFile() + ": " + (fe.getReason() == null ? ex.getClass().getSimpleName() : fe.getReason());
        }
        String m = ex.getMessage();
        if (m == null || m.isBlank()) {
            m = ex.getClass().getSimpleName();
        }
        return m.replace('\n', ' ');
    }

    /** Version from the jar manifest, or "dev". */
    public static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"scalespace " + (v == null ? "0.1.0-SNAPSHOT" : v),
                    "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")"};
        }
    }
}
