//! Rendering tests: part colours in the picture, the depth buffer, PNG size.

use pcseg::categories::{find_category, part_colour};
use pcseg::render::splat::{splat_cloud, Rect, SplatStyle};
use pcseg::render::tile::BACKGROUND;
use pcseg::render::{read_png, render_tile, write_png, Image, RenderItem, RenderOptions, View};
use pcseg::rng::Rng;
use pcseg::PointCloud;

/// Whether `p` is `c` scaled by one factor in [0.2, 1] (up to rounding),
/// i.e. a shaded version of part colour `c`.
fn is_shade_of(p: [u8; 3], c: [u8; 3]) -> bool {
    let (pf, cf) = (p.map(|v| v as f32), c.map(|v| v as f32));
    let k = (0..3).map(|i| pf[i] * cf[i]).sum::<f32>() / (0..3).map(|i| cf[i] * cf[i]).sum::<f32>();
    (0.2..=1.001).contains(&k) && (0..3).all(|i| (pf[i] - k * cf[i]).abs() <= 1.01)
}

/// Three Gaussian blobs (sphere surfaces with outward normals) labelled with
/// the three Earphone parts, side by side along x.
fn three_blobs(n: usize) -> PointCloud {
    let mut rng = Rng::new(3);
    let mut cloud = PointCloud::default();
    let (mut normals, mut labels) = (Vec::new(), Vec::new());
    for i in 0..n {
        let part = i % 3;
        let centre = [-0.3 + 0.3 * part as f32, 0.05 * part as f32, 0.0];
        let d = [rng.normal(), rng.normal(), rng.normal()];
        let len = (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]).sqrt().max(1e-6);
        let n3 = d.map(|v| v / len);
        cloud
            .points
            .push([0, 1, 2].map(|k| centre[k] + 0.1 * n3[k]));
        normals.push(n3);
        labels.push(16 + part as u32);
    }
    cloud.normals = Some(normals);
    cloud.labels = Some(labels);
    cloud
}

#[test]
fn png_has_the_size_and_the_three_part_colours() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("blobs.png");
    let item = RenderItem {
        cloud: three_blobs(3000),
        name: "blobs".into(),
        category: None,
    };
    for (view, size) in [(View::Iso, 200u32), (View::Side, 333), (View::Top, 64)] {
        let opts = RenderOptions {
            view,
            size,
            category: None,
            ..Default::default()
        };
        let (img, info) = render_tile(&item, &opts).unwrap();
        assert!(info.covered > 0);
        write_png(&img, &path).unwrap();
        // Decode with the png crate itself, not our reader.
        let decoder =
            png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&path).unwrap()));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let frame = reader.next_frame(&mut buf).unwrap();
        assert_eq!((frame.width, frame.height), (size, size));
        assert_eq!(frame.color_type, png::ColorType::Rgb);
        assert_eq!(&buf[..frame.buffer_size()], &img.rgb[..]);

        // Every chromatic pixel is a shade of one of the three part colours
        // (text is grey, the background is near-grey) and all three occur.
        let colours = [16, 17, 18].map(part_colour);
        let mut counts = [0usize; 3];
        let mut strays = 0;
        for p in img.pixels() {
            let chroma = p.iter().max().unwrap() - p.iter().min().unwrap();
            if p == BACKGROUND || chroma < 12 {
                continue;
            }
            match colours.iter().position(|&c| is_shade_of(p, c)) {
                Some(k) => counts[k] += 1,
                None => strays += 1,
            }
        }
        assert_eq!(strays, 0, "{view}: pixels in no part colour");
        assert!(counts.iter().all(|&c| c > 20), "{view}: {counts:?}");
        // Other categories' colours are absent, e.g. Airplane body.
        assert!(!img.pixels().any(|p| p == part_colour(0)));
    }
    assert_eq!(read_png(&path).unwrap().width, 64);
}

#[test]
fn near_point_hides_far_point_whatever_the_order() {
    let near_c = part_colour(36);
    let far_c = part_colour(37);
    for view in View::ALL {
        let cam = view.camera();
        let t = cam.toward;
        let near = t.map(|v| 0.5 * v);
        let far = t.map(|v| -0.5 * v);
        for flip in [false, true] {
            let (pts, cols) = if flip {
                (vec![far, near], vec![far_c, near_c])
            } else {
                (vec![near, far], vec![near_c, far_c])
            };
            let mut img = Image::new(31, 31, BACKGROUND);
            let rect = Rect {
                x: 0,
                y: 0,
                w: 31,
                h: 31,
            };
            let style = SplatStyle {
                margin: 0.1,
                radius: Some(5.0),
            };
            splat_cloud(&mut img, rect, &pts, None, &cols, &cam, style);
            for (x, y) in [(15, 15), (13, 16), (17, 14)] {
                let p = img.get(x, y);
                assert!(
                    is_shade_of(p, near_c),
                    "{view} flip={flip}: {p:?} at {x},{y}"
                );
                assert!(!is_shade_of(p, far_c));
            }
        }
        // A larger far splat still shows around the smaller near one.
        let mut img = Image::new(31, 31, BACKGROUND);
        let rect = Rect {
            x: 0,
            y: 0,
            w: 31,
            h: 31,
        };
        // Two far points either side on screen widen the fit; the near one
        // sits in the middle with the same radius, so the middle is near.
        let side = cam.right.map(|v| 0.2 * v);
        let pts = [
            near,
            [far[0] + side[0], far[1] + side[1], far[2] + side[2]],
            [far[0] - side[0], far[1] - side[1], far[2] - side[2]],
        ];
        let style = SplatStyle {
            margin: 0.2,
            radius: Some(9.0),
        };
        splat_cloud(
            &mut img,
            rect,
            &pts,
            None,
            &[near_c, far_c, far_c],
            &cam,
            style,
        );
        assert!(is_shade_of(img.get(15, 15), near_c), "{view}");
        assert!(is_shade_of(img.get(3, 15), far_c), "{view}");
        assert!(is_shade_of(img.get(27, 15), far_c), "{view}");
    }
}

#[test]
fn unlabelled_cloud_is_grey_and_category_can_be_forced() {
    let mut cloud = three_blobs(600);
    cloud.labels = None;
    cloud.normals = None;
    let opts = RenderOptions {
        view: View::Front,
        size: 128,
        category: find_category("mug"),
        ..Default::default()
    };
    let item = RenderItem {
        cloud,
        name: "grey".into(),
        category: None,
    };
    let (img, info) = render_tile(&item, &opts).unwrap();
    assert!(info.covered > 100);
    // The only chromatic pixels are the two legend swatches of Mug.
    let mug = [part_colour(36), part_colour(37)];
    for p in img.pixels() {
        let chroma = p.iter().max().unwrap() - p.iter().min().unwrap();
        if chroma >= 12 {
            assert!(mug.contains(&p), "{p:?}");
        }
    }
}
