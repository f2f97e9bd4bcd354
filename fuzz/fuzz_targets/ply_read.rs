//! Arbitrary bytes as a PLY file: `read_ply` returns a valid cloud or a
//! one-line error naming the file, reading through a tiny buffer gives the
//! same result, and an accepted cloud survives `write_ply` + `read_ply`.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use pcseg::io::ply::read_ply;
use std::io::BufReader;
use std::path::Path;

const NAME: &str = "fuzz.ply";

fuzz_target!(|data: &[u8]| {
    let path = Path::new(NAME);
    let whole = read_ply(data, path);
    // The same bytes through a 7-byte buffer: header lines and binary
    // records then straddle buffer refills.
    let small = read_ply(BufReader::with_capacity(7, data), path);
    match (&whole, &small) {
        (Ok(a), Ok(b)) => assert!(common::same_cloud(a, b), "buffer size changed the cloud"),
        (Err(a), Err(b)) => assert_eq!(
            a.to_string(),
            b.to_string(),
            "buffer size changed the error"
        ),
        _ => panic!("buffer size changed the outcome: {whole:?} vs {small:?}"),
    }
    match whole {
        Ok(cloud) => {
            common::check_cloud(&cloud, NAME);
            common::check_ply_round_trip(&cloud);
        }
        Err(e) => common::check_error(&e, NAME),
    }
});
