package org.scalespace.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.scalespace.model.FilterBank;

/**
 * Reading learned filters: the entry point that picks the reader for a file, the bundled master key filters, and the
 * checks every reader applies.
 *
 * <p>Every reader returns {@link FilterBank}s whose filters have passed {@link #validate}: k odd and
 * {@value #MIN_K}..{@value #MAX_K}, square, at least one filter, all values finite (zero filters pass). Problems are
 * reported as {@link InputFormatException}s with one-line messages {@code <file>: <what is wrong>; <what is accepted>}.
 *
 * <table>
 *   <caption>Formats</caption>
 *   <tr><th>extension</th><th>content</th><th>layers</th></tr>
 *   <tr><td>{@code .npy}</td><td>one array (N,k,k), (C,1,k,k) or (k,k), float32/64</td>
 *       <td>one, named after the file</td></tr>
 *   <tr><td>{@code .npz}</td><td>arrays of those shapes; others skipped</td><td>one per array, named by its key</td></tr>
 *   <tr><td>{@code .safetensors}</td><td>tensors (C,1,k,k), F32/F64/F16/BF16; others skipped</td>
 *       <td>one per tensor, named by the tensor</td></tr>
 *   <tr><td>{@code .onnx}</td><td>depthwise Conv/QLinearConv weights, see {@link OnnxReader}</td>
 *       <td>one per weight tensor, named by the tensor</td></tr>
 *   <tr><td>{@code .pt .pth .bin .ckpt}</td><td>torch.save archives, see {@link TorchReader}</td>
 *       <td>one per depthwise tensor, named by its key path</td></tr>
 *   <tr><td>{@code .txt}</td><td>the text format of {@link TextFilterReader}</td><td>one, named after the file</td></tr>
 *   <tr><td>{@code .tflite}</td><td>{@code DEPTHWISE_CONV_2D} filters [1,k,k,C·M], float32/float16/int8/uint8
 *       ({@link TfliteReader})</td><td>one per filter tensor, named by the tensor</td></tr>
 *   <tr><td>{@code .json}</td><td>TF.js model.json or weights manifest with .bin shards: depthwise kernels
 *       [k,k,C,M] ({@link TfjsReader})</td><td>one per kernel, named by the weight</td></tr>
 * </table>
 */
public final class FilterReaders {

    /** Smallest accepted filter size. */
    public static final int MIN_K = FilterChecks.MIN_K;
    /** Largest accepted filter size. */
    public static final int MAX_K = FilterChecks.MAX_K;
    /** The accepted input formats, as error messages list them. */
    public static final String ACCEPTED_FORMATS = "accepted: .npy, .npz, .safetensors, or .txt "
            + "(master key filter text format), or a model: .pt .pth .bin .ckpt (PyTorch), .onnx (ONNX), "
            + ".tflite (TFLite), model.json (TF.js)";

    /** Source name of {@link #bundled()}. */
    public static final String BUNDLED_SOURCE = "bundled:master_key_filters_convnextv2_tiny.txt";
    private static final String BUNDLED_RESOURCE = "/org/scalespace/data/master_key_filters_convnextv2_tiny.txt";

    private static final Pattern TEXT_HEADING = Pattern.compile("(?im)^\\s*filter\\s*#?\\s*\\d+\\s*:?\\s*$");

    /** The filter file formats. */
    public enum Format {
        NPY(".npy"), NPZ(".npz"), SAFETENSORS(".safetensors"), TEXT(".txt"), ONNX(".onnx"), TFLITE(".tflite"), TORCH(".pt"),
        TFJS(".json");

        private final String extension;

        Format(String extension) {
            this.extension = extension;
        }

        /** The file extension, with its dot. */
        public String extension() {
            return extension;
        }
    }

    private FilterReaders() {
    }

    /** Reads the filters of a file in any accepted format; skipped arrays/tensors are not reported. */
    public static List<FilterBank> read(Path file) throws IOException {
        return read(file, note -> { });
    }

    /**
     * Reads the filters of a file in any accepted format, chosen by {@link #detect}.
     *
     * @param notes receives one line for each array or tensor of a container (.npz, .safetensors) that is not a
     *              filter and was skipped, e.g. for a verbose mode of the CLI
     */
    public static List<FilterBank> read(Path file, Consumer<String> notes) throws IOException {
        return switch (detect(file)) {
            case NPY -> List.of(readNpy(file));
            case NPZ -> NpzReader.readFilters(file, notes);
            case SAFETENSORS -> SafetensorsReader.readFilters(file, notes);
            case TEXT -> List.of(TextFilterReader.read(file));
            case ONNX -> OnnxReader.readFilters(file, notes);
            case TFLITE -> TfliteReader.readFilters(file, notes);
            case TORCH -> TorchReader.readFilters(file, notes);
            case TFJS -> TfjsReader.readFilters(file, notes);
        };
    }

    /**
     * Opens the filters of a file in any accepted format as layer sources: a {@code .npy} file, the depthwise
     * tensors of a safetensors file and the filter arrays of an {@code .npz} (stored members read in place, deflated
     * ones inflated in order; CRC-32 checked as read) are checked (header, size, shape) now and read a slice at a time
     * later, with their values checked as they are read; the other formats are read whole now, as
     * {@link #read(Path, Consumer)} does. For fitting files larger than memory, or large files without touching a
     * whole double copy of them. An {@code .npz} that is out of the ordinary (a member's header or size the whole
     * reader refuses, a central directory not followed) is read whole, so its errors are that reader's.
     */
    public static List<LayerSource> open(Path file, Consumer<String> notes) throws IOException {
        Format f = detect(file);
        if (f == Format.NPY) {
            return List.of(NpyLayerSource.open(file));
        }
        if (f == Format.SAFETENSORS) {
            return SafetensorsReader.open(file, notes);
        }
        if (f == Format.NPZ) {
            List<LayerSource> streamed = NpzStreaming.open(file, notes);
            if (streamed != null) {
                return streamed;
            }
        }
        return read(file, notes).stream().map(LayerSource::of).toList();
    }

    /**
     * The format of a file, by its content first: a signature in its first bytes (NumPy magic, TFLite identifier
     * {@code TFL3} at bytes 4..8, zip signature: a torch.save archive when it holds a {@code <archive>/data.pkl}
     * record, else .npz; legacy torch.save magic, safetensors header) decides whatever the file is called; otherwise
     * the extension (case-insensitive) when it is one of {@code .npy .npz .safetensors .txt .onnx .tflite .json};
     * otherwise the weaker evidence of an ONNX ModelProto start, a TF.js manifest's JSON (an object naming
     * weightsManifest, or an array of {paths, weights} groups) or the text format's 'Filter N:' headings. A file with one of
     * PyTorch's extensions {@code .pt .pth .bin .ckpt} whose content matches no other format (a corrupt zip
     * included) goes to the PyTorch reader, which says what is wrong with it.
     *
     * @throws InputFormatException when neither identifies an accepted format (or the file is empty)
     */
    public static Format detect(Path file) throws IOException {
        InputFiles.requireRegularFile(file);
        String ext = extension(file);
        if (TorchReader.EXTENSIONS.contains(ext)) {
            Format sniffed = sniff(file, false);
            return sniffed == null || sniffed == Format.NPZ && !TorchReader.isOtherZip(file) ? Format.TORCH : sniffed;
        }
        // content first where the format has a signature (NumPy magic, TFL3, zip, torch's legacy magic, a safetensors
        // header): a file named for one format but holding another is read as what it holds
        Format signed = sniff(file, true);
        if (signed != null) {
            return signed;
        }
        for (Format f : Format.values()) {
            if (f.extension().equals(ext)) {
                return f;
            }
        }
        // then the formats without a signature (ONNX's protobuf, the text format) for a file whose extension says
        // nothing
        Format sniffed = sniff(file, false);
        if (sniffed != null) {
            return sniffed;
        }
        String name = file.toString();
        if (Files.size(file) == 0) {
            throw new InputFormatException(name, "file is empty", ACCEPTED_FORMATS);
        }
        throw new InputFormatException(name, "unrecognised filter file format (" + (ext.isEmpty() ? "no extension"
                : "extension '" + ext + "'") + ", and the content matches no accepted format)", ACCEPTED_FORMATS);
    }

    /** Reads a {@code .npy} file of shape (N,k,k), (C,1,k,k) or (k,k) as one bank named after the file. */
    public static FilterBank readNpy(Path file) throws IOException {
        NpyArray a = NpyReader.read(file, true); // doubles straight from the file: no float32 copy in memory
        return toFilterBank(a, file.toString(), baseName(file));
    }

    /**
     * A validated bank from an array of shape (N,k,k), (C,1,k,k) or (k,k).
     *
     * @throws InputFormatException naming {@code source} and {@code layer} when the shape or values are not accepted
     */
    public static FilterBank toFilterBank(NpyArray a, String source, String layer) throws InputFormatException {
        FilterChecks.FilterShape fs = FilterChecks.requireFilterShape(a.shape(), source, layer);
        FilterBank bank = new FilterBank(source, layer, fs.k(), fs.count(), a.asDouble());
        FilterChecks.validate(bank);
        return bank;
    }

    /**
     * The 8 master key filters (7×7) extracted from ConvNeXt V2 Tiny by Babaiee et al., as published by T. Lindeberg
     * (tonylindeberg/masterfiltmodel, model-fitting/8Filters.txt, CC BY 4.0; see ATTRIBUTION.md beside the resource).
     * Source {@value #BUNDLED_SOURCE}, layer {@code master_key_filters}, channel order as in the paper.
     */
    public static FilterBank bundled() {
        try (InputStream in = FilterReaders.class.getResourceAsStream(BUNDLED_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("resource " + BUNDLED_RESOURCE + " is missing from the jar");
            }
            Reader r = new InputStreamReader(in, StandardCharsets.UTF_8);
            return TextFilterReader.read(r, BUNDLED_SOURCE, "master_key_filters");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the bundled filters", e);
        }
    }

    /**
     * Checks a bank as every reader does: k odd and {@value #MIN_K}..{@value #MAX_K}, at least one filter, every value
     * finite (all-zero and constant filters pass). Messages name the bank's source, its layer and the 0-based filter
     * index.
     */
    public static void validate(FilterBank bank) throws InputFormatException {
        FilterChecks.validate(bank);
    }

    /** The file name without its last extension ({@code dw.weights.npy} → {@code dw.weights}). */
    static String baseName(Path file) {
        String n = file.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot > 0 ? n.substring(0, dot) : n;
    }

    /** The lower-case last extension with its dot, or "" when there is none. */
    static String extension(Path file) {
        String n = file.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot > 0 ? n.substring(dot).toLowerCase(Locale.ROOT) : "";
    }

    /**
     * The format the first bytes show: only those with a signature when {@code signedOnly}, else also ONNX's protobuf
     * start, a TF.js manifest and the text format's headings (weaker evidence, used when the extension says nothing).
     */
    private static Format sniff(Path file, boolean signedOnly) throws IOException {
        long size = Files.size(file);
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(4096);
        }
        if (TfliteReader.sniff(head)) {
            return Format.TFLITE;
        }
        if (startsWith(head, NpyHeader.MAGIC)) {
            return Format.NPY;
        }
        if (startsWith(head, new byte[] {'P', 'K', 3, 4}) || startsWith(head, new byte[] {'P', 'K', 5, 6})) {
            return TorchReader.isTorchZip(file) ? Format.TORCH : Format.NPZ;
        }
        if (TorchReader.isLegacy(head)) {
            return Format.TORCH;
        }
        if (head.length >= 9) {
            long n = ByteBuffer.wrap(head, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            if (n >= 2 && n <= size - 8 && head[8] == '{') {
                return Format.SAFETENSORS;
            }
        }
        if (signedOnly) {
            return null;
        }
        if (OnnxReader.looksLikeOnnx(head)) {
            return Format.ONNX;
        }
        if (TfjsReader.sniff(head)) {
            return Format.TFJS;
        }
        for (byte b : head) {
            if (b == 0) {
                return null;
            }
        }
        String text = new String(head, StandardCharsets.ISO_8859_1);
        return TEXT_HEADING.matcher(text).find() ? Format.TEXT : null;
    }

    private static boolean startsWith(byte[] a, byte[] prefix) {
        return a.length >= prefix.length && Arrays.equals(a, 0, prefix.length, prefix, 0, prefix.length);
    }
}
