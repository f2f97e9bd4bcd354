//! PNG files: atomic writing (through [`crate::io::atomic`])
//! and reading back (for tests and tools).

use super::image::Image;
use crate::error::{Error, Result};
use crate::io::atomic::write_atomic;
use std::io::{BufReader, Write};
use std::path::Path;

/// Encode `image` as an 8-bit RGB PNG.
pub fn encode_png(image: &Image, out: impl Write) -> std::result::Result<(), png::EncodingError> {
    let mut enc = png::Encoder::new(out, image.width, image.height);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    let mut writer = enc.write_header()?;
    writer.write_image_data(&image.rgb)?;
    writer.finish()
}

/// Write `image` to `path` atomically ([`write_atomic`]: the PNG is written
/// to a temporary file next to `path` and renamed over it), so readers never
/// see a partial file. Errors name `path`.
pub fn write_png(image: &Image, path: &Path) -> Result<()> {
    write_atomic(path, |w| {
        encode_png(image, w).map_err(std::io::Error::other)
    })
}

/// Read an 8-bit RGB or RGBA PNG (alpha dropped). Errors name `path`.
pub fn read_png(path: &Path) -> Result<Image> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let bad = |e: png::DecodingError| Error::data(path, None, e.to_string());
    let mut reader = png::Decoder::new(BufReader::new(file))
        .read_info()
        .map_err(bad)?;
    let size = reader
        .output_buffer_size()
        .ok_or_else(|| Error::data(path, None, "image too large"))?;
    let mut buf = vec![0; size];
    let info = reader.next_frame(&mut buf).map_err(bad)?;
    if info.bit_depth != png::BitDepth::Eight {
        return Err(Error::data(path, None, "only 8-bit PNGs are supported"));
    }
    let channels = match info.color_type {
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        other => {
            return Err(Error::data(
                path,
                None,
                format!("unsupported PNG colour type {other:?}"),
            ))
        }
    };
    let mut rgb = Vec::with_capacity(info.width as usize * info.height as usize * 3);
    for row in buf[..info.buffer_size()].chunks_exact(info.line_size) {
        for px in row[..info.width as usize * channels].chunks_exact(channels) {
            rgb.extend_from_slice(&px[..3]);
        }
    }
    Ok(Image {
        width: info.width,
        height: info.height,
        rgb,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn png_round_trips_and_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.png");
        let mut img = Image::new(7, 5, [10, 20, 30]);
        img.set(6, 4, [255, 0, 128]);
        write_png(&img, &path).unwrap();
        assert_eq!(read_png(&path).unwrap(), img);
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("x.png")]);
        let e = write_png(&img, &dir.path().join("no/such/dir/y.png")).unwrap_err();
        assert!(e.to_string().contains("no/such/dir/y.png"));
    }
}
