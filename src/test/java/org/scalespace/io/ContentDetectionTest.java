package org.scalespace.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.scalespace.io.IoTestSupport.fixture;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Formats with a signature are read as what they hold, whatever the file is called; the others by extension. */
class ContentDetectionTest {

    @TempDir
    Path dir;

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("f32_nkk.npy", "filters.safetensors", FilterReaders.Format.NPY),
                Arguments.of("layers.npz", "layers.npy", FilterReaders.Format.NPZ),
                Arguments.of("model.safetensors", "model.npz", FilterReaders.Format.SAFETENSORS),
                Arguments.of("tflite/dw.tflite", "dw.onnx", FilterReaders.Format.TFLITE),
                Arguments.of("torch/checkpoint.ckpt", "weights.npz", FilterReaders.Format.TORCH),
                Arguments.of("tflite/dw.tflite", "dw.bin", FilterReaders.Format.TFLITE),
                Arguments.of("f32_kk.npy", "no_extension", FilterReaders.Format.NPY),
                Arguments.of("onnx/dw_float32.onnx", "model_without_extension", FilterReaders.Format.ONNX));
    }

    @ParameterizedTest(name = "{0} named {1}")
    @MethodSource("cases")
    void theContentDecides(String fixture, String name, FilterReaders.Format expected) throws IOException {
        Path f = Files.copy(fixture(fixture), dir.resolve(name));
        assertEquals(expected, FilterReaders.detect(f));
        assertEquals(FilterReaders.read(fixture(fixture)).size(), FilterReaders.read(f).size());
    }
}
