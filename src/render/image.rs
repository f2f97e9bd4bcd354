//! An 8-bit RGB raster image, the canvas every render step draws into.

/// An RGB image, rows top to bottom, 3 bytes a pixel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `height * width * 3` bytes, row-major.
    pub rgb: Vec<u8>,
}

impl Image {
    /// An image filled with `background`.
    pub fn new(width: u32, height: u32, background: [u8; 3]) -> Self {
        let mut rgb = Vec::with_capacity(width as usize * height as usize * 3);
        for _ in 0..width as usize * height as usize {
            rgb.extend_from_slice(&background);
        }
        Image { width, height, rgb }
    }

    fn offset(&self, x: u32, y: u32) -> usize {
        (y as usize * self.width as usize + x as usize) * 3
    }

    /// Colour of pixel `(x, y)`; panics when outside the image.
    pub fn get(&self, x: u32, y: u32) -> [u8; 3] {
        assert!(x < self.width && y < self.height, "pixel outside image");
        let o = self.offset(x, y);
        [self.rgb[o], self.rgb[o + 1], self.rgb[o + 2]]
    }

    /// Set pixel `(x, y)`; does nothing when outside the image.
    pub fn set(&mut self, x: i64, y: i64, colour: [u8; 3]) {
        if x < 0 || y < 0 || x >= self.width as i64 || y >= self.height as i64 {
            return;
        }
        let o = self.offset(x as u32, y as u32);
        self.rgb[o..o + 3].copy_from_slice(&colour);
    }

    /// Fill the `w` x `h` rectangle with top-left `(x, y)`, clipped.
    pub fn fill_rect(&mut self, x: i64, y: i64, w: i64, h: i64, colour: [u8; 3]) {
        let x0 = x.max(0);
        let y0 = y.max(0);
        let x1 = (x + w).min(self.width as i64);
        let y1 = (y + h).min(self.height as i64);
        for yy in y0..y1 {
            for xx in x0..x1 {
                self.set(xx, yy, colour);
            }
        }
    }

    /// Draw the 1-pixel outline of the `w` x `h` rectangle at `(x, y)`.
    pub fn stroke_rect(&mut self, x: i64, y: i64, w: i64, h: i64, colour: [u8; 3]) {
        self.fill_rect(x, y, w, 1, colour);
        self.fill_rect(x, y + h - 1, w, 1, colour);
        self.fill_rect(x, y, 1, h, colour);
        self.fill_rect(x + w - 1, y, 1, h, colour);
    }

    /// Copy `src` so that its top-left corner lands at `(x, y)`, clipped.
    pub fn blit(&mut self, src: &Image, x: i64, y: i64) {
        for sy in 0..src.height {
            for sx in 0..src.width {
                self.set(x + sx as i64, y + sy as i64, src.get(sx, sy));
            }
        }
    }

    /// All pixels in row-major order.
    pub fn pixels(&self) -> impl Iterator<Item = [u8; 3]> + '_ {
        self.rgb.chunks_exact(3).map(|p| [p[0], p[1], p[2]])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drawing_is_clipped_and_blit_places_pixels() {
        let mut a = Image::new(4, 3, [9, 9, 9]);
        a.fill_rect(-2, -2, 4, 4, [1, 2, 3]);
        assert_eq!(a.get(0, 0), [1, 2, 3]);
        assert_eq!(a.get(1, 1), [1, 2, 3]);
        assert_eq!(a.get(2, 1), [9, 9, 9]);
        a.set(10, 10, [0; 3]);
        let mut b = Image::new(6, 5, [0; 3]);
        b.blit(&a, 3, 3);
        assert_eq!(b.get(3, 3), [1, 2, 3]);
        assert_eq!(b.get(5, 4), [9, 9, 9]);
        assert_eq!(b.get(2, 3), [0; 3]);
        let mut c = Image::new(3, 3, [0; 3]);
        c.stroke_rect(0, 0, 3, 3, [5; 3]);
        assert_eq!(c.pixels().filter(|p| *p == [5; 3]).count(), 8);
    }
}
