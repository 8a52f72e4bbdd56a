package org.scalespace.backend.opencl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.scalespace.conv.DenseFilters;
import org.scalespace.conv.DeviceTensor;
import org.scalespace.conv.Padding;
import org.scalespace.conv.ReferenceConv;
import org.scalespace.conv.SeparableBank;
import org.scalespace.conv.Tensor4;
import org.scalespace.conv.TestData;
import org.scalespace.testing.BackendAssume;

/** Device-resident OpenCL tensors: ownership, closing, shapes, and results equal to the reference. */
class OpenCLResidentTensorTest {

    @BeforeEach
    void needsOpenCL() {
        BackendAssume.assumeAvailable("opencl");
    }

    @Test
    void residentResultsMatchTheReference() {
        Tensor4 x = TestData.random(3, 2, 4, 56, 56);
        SeparableBank b = TestData.randomSeparable(4, 4, 7, 1);
        DenseFilters f = TestData.randomDense(5, 4, 7);
        try (OpenCLConvEngine e = new OpenCLConvEngine(1); DeviceTensor dx = e.upload(x);
             DeviceTensor dy = e.allocate(2, 4, 56, 56)) {
            Tensor4 got = Tensor4.zeros(2, 4, 56, 56);
            e.separable(dx, b, Padding.ZERO, dy);
            e.download(dy, got);
            assertArrayEquals(ReferenceConv.separable(x, b, Padding.ZERO).data(), got.data(), 1e-5f);
            e.dense(dx, f, Padding.REFLECT, dy);
            e.download(dy, got);
            assertArrayEquals(ReferenceConv.dense(x, f, Padding.REFLECT).data(), got.data(), 1e-5f);
        }
    }

    @Test
    void foreignClosedAndMismatchedTensorsAreRejected() {
        Tensor4 x = TestData.random(6, 1, 2, 8, 8);
        DenseFilters f = TestData.randomDense(7, 2, 3);
        try (OpenCLConvEngine a = new OpenCLConvEngine(1); OpenCLConvEngine b = new OpenCLConvEngine(1)) {
            DeviceTensor ax = a.upload(x);
            DeviceTensor bx = b.upload(x);
            DeviceTensor ay = a.allocate(1, 2, 8, 8);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> a.dense(bx, f, Padding.ZERO, ay));
            assertTrue(e.getMessage().contains("another OpenCL engine"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> a.dense(ax, f, Padding.ZERO, ax));
            assertTrue(e.getMessage().contains("must not be the input"), e.getMessage());
            DeviceTensor small = a.allocate(1, 2, 8, 7);
            e = assertThrows(IllegalArgumentException.class, () -> a.dense(ax, f, Padding.ZERO, small));
            assertTrue(e.getMessage().contains("does not match"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> a.dense(ax, TestData.randomDense(8, 3, 3), Padding.ZERO, ay));
            assertTrue(e.getMessage().contains("channels"), e.getMessage());
            ay.close();
            ay.close(); // idempotent
            e = assertThrows(IllegalArgumentException.class, () -> a.dense(ax, f, Padding.ZERO, ay));
            assertTrue(e.getMessage().contains("closed"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> a.allocate(0, 2, 8, 8));
            assertTrue(e.getMessage().contains("positive"), e.getMessage());
        }
        // closing the engines released the tensors still open; using one afterwards is a clear error
    }

    @Test
    void aClosedEngineRefusesWork() {
        Tensor4 x = TestData.random(9, 1, 1, 8, 8);
        OpenCLConvEngine e = new OpenCLConvEngine(1);
        DeviceTensor dx = e.upload(x);
        e.close();
        assertThrows(IllegalStateException.class, () -> e.allocate(1, 1, 8, 8));
        assertThrows(IllegalStateException.class, () -> e.download(dx, Tensor4.zeros(1, 1, 8, 8)));
        dx.close(); // after the engine: a no-op
    }
}
