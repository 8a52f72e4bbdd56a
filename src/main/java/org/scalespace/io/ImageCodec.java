package org.scalespace.io;

import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.scalespace.conv.Tensor4;

/**
 * The image conversions behind {@link Images}, through ImageIO (module java.desktop). Only {@link Images} calls it,
 * after checking that the module is there.
 */
final class ImageCodec {

    private ImageCodec() {
    }

    /** Reads an image as a (1,C,H,W) tensor, C = 1 (grey) or 3 (R, G, B). */
    static Tensor4 read(Path file) throws IOException {
        BufferedImage img = ImageIO.read(file.toFile());
        if (img == null) {
            throw new InputFormatException(file.toString(), "not a readable image",
                    "accepted: PNG, JPEG, BMP or GIF images, or .npy arrays");
        }
        int h = img.getHeight();
        int w = img.getWidth();
        boolean grey = img.getColorModel().getNumColorComponents() == 1;
        int c = grey ? 1 : 3;
        float[] d = new float[c * h * w];
        Raster r = img.getRaster();
        for (int y = 0; y < h; y++) {
            for (int xx = 0; xx < w; xx++) {
                if (grey) {
                    d[y * w + xx] = r.getSample(xx, y, 0);
                } else {
                    int rgb = img.getRGB(xx, y);
                    d[y * w + xx] = (rgb >> 16) & 0xff;
                    d[h * w + y * w + xx] = (rgb >> 8) & 0xff;
                    d[2 * h * w + y * w + xx] = rgb & 0xff;
                }
            }
        }
        return new Tensor4(1, c, h, w, d);
    }

    /**
     * Writes a (1,1,H,W) or (1,3,H,W) tensor as a PNG, atomically ({@link AtomicFiles}). {@code name} names the
     * output in the error for any other shape.
     */
    static void writePng(Path file, Tensor4 y, String name) throws IOException {
        if (y.n() != 1 || (y.c() != 1 && y.c() != 3)) {
            throw new IllegalArgumentException(name + ": PNG output needs 1 or 3 channels, got " + y.shapeString());
        }
        int h = y.h();
        int w = y.w();
        BufferedImage img = new BufferedImage(w, h, y.c() == 1 ? BufferedImage.TYPE_BYTE_GRAY
                : BufferedImage.TYPE_INT_RGB);
        for (int yy = 0; yy < h; yy++) {
            for (int xx = 0; xx < w; xx++) {
                if (y.c() == 1) {
                    img.getRaster().setSample(xx, yy, 0, clamp(y.get(0, 0, yy, xx)));
                } else {
                    int rgb = (clamp(y.get(0, 0, yy, xx)) << 16) | (clamp(y.get(0, 1, yy, xx)) << 8)
                            | clamp(y.get(0, 2, yy, xx));
                    img.setRGB(xx, yy, rgb);
                }
            }
        }
        AtomicFiles.write(file, o -> {
            if (!ImageIO.write(img, "png", o)) {
                throw new IOException(file + ": no PNG writer");
            }
        });
    }

    private static int clamp(float v) {
        return (int) Math.max(0, Math.min(255, Math.round(v)));
    }
}
