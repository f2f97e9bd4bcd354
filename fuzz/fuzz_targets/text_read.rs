//! Arbitrary bytes as XYZ-style text: `read_xyz_bytes` returns a valid cloud
//! whose layout matches what it holds, or a one-line error naming the file;
//! an accepted cloud survives `write_text_cloud` + `read_xyz_bytes` (every
//! column kept, extras such as `x y z r g b` colours or named columns
//! included) and `write_ply` + `read_ply`.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use pcseg::io::xyz::{read_xyz_bytes, write_text_cloud};
use std::path::Path;

const NAME: &str = "fuzz.xyz";

fuzz_target!(|data: &[u8]| {
    let path = Path::new(NAME);
    match read_xyz_bytes(data, path) {
        Ok((cloud, layout)) => {
            common::check_cloud(&cloud, NAME);
            assert_eq!(
                layout.has_normals(),
                cloud.normals.is_some(),
                "layout vs normals"
            );
            assert_eq!(
                layout.has_labels(),
                cloud.labels.is_some(),
                "layout vs labels"
            );
            let mut text = Vec::new();
            write_text_cloud(&mut text, &cloud, None)
                .expect("write_text_cloud of a cloud read from text");
            match read_xyz_bytes(&text, Path::new("back.xyz")) {
                Ok((back, back_layout)) => {
                    assert_eq!(
                        back_layout, layout,
                        "write_text_cloud then read changed the layout"
                    );
                    assert!(
                        common::same_cloud(&cloud, &back),
                        "write_text_cloud then read changed the cloud:\nbefore {cloud:?}\nafter  {back:?}"
                    );
                }
                Err(e) => panic!("write_text_cloud wrote text read_xyz_bytes refuses: {e}"),
            }
            common::check_ply_round_trip(&cloud);
        }
        Err(e) => common::check_error(&e, NAME),
    }
});
