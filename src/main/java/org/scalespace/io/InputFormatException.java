package org.scalespace.io;

import java.io.IOException;

/**
 * An input file that cannot be used as it is: wrong format, truncated, unsupported dtype, bad filter shape,
 * non-finite filter value, and so on.
 *
 * <p>The message is one line of the form {@code <file>: <what is wrong>; <what would be accepted>}, naming the array,
 * tensor, layer or filter index where one is involved, for example
 * <pre>
 * weights.npy: layer 'weights': k = 4 is even; filters must be odd and square, 3..31
 * model.safetensors: tensor 'blocks.0.dw.weight': data_offsets [0, 9000] run past the data region (784 bytes); ...
 * </pre>
 * The three parts are also available separately ({@link #file()}, {@link #problem()}, {@link #accepted()}).
 * I/O failures that are not about the content (missing file, permission denied) are reported with the ordinary
 * {@link IOException} subclasses instead.
 */
public class InputFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    private final String file;
    private final String problem;
    private final String accepted;

    /**
     * @param file     the file (or other source, e.g. {@code bundled:...}) as the user named it
     * @param problem  what is wrong, naming the array/tensor/layer/filter where relevant
     * @param accepted what would have been accepted (or what the user can do about it)
     */
    public InputFormatException(String file, String problem, String accepted) {
        super(file + ": " + problem + "; " + accepted);
        this.file = file;
        this.problem = problem;
        this.accepted = accepted;
    }

    /** As {@link #InputFormatException(String, String, String)}, keeping the low-level cause. */
    public InputFormatException(String file, String problem, String accepted, Throwable cause) {
        this(file, problem, accepted);
        initCause(cause);
    }

    /** The file or source the problem is in. */
    public String file() {
        return file;
    }

    /** What is wrong. */
    public String problem() {
        return problem;
    }

    /** What would have been accepted. */
    public String accepted() {
        return accepted;
    }
}
