//! Test-time votes: odd votes see the cloud mirrored left-right.

use pcseg::categories::CATEGORIES;
use pcseg::cloud::PointCloud;
use pcseg::model::{CloudInput, Network};
use pcseg::predict::sample::prepare_cloud;
use pcseg::predict::{part_probabilities, predict, CategoryChoice, PredictOptions};
use pcseg::rng::Rng;

fn shipped() -> Network {
    Network::from_bytes(
        include_bytes!("../../assets/ssg-mbv2-wide.safetensors"),
        "ssg-mbv2-wide",
    )
    .unwrap()
}

/// A chair of 2,500 points (seen whole, in FPS order) with its normals.
fn chair() -> (PointCloud, &'static pcseg::categories::Category) {
    let category = CATEGORIES.iter().find(|c| c.name == "Chair").unwrap();
    let g = pcseg::synth::generate(category, &mut Rng::new(31), 2500).unwrap();
    let mut c = PointCloud::from_points(g.points.clone());
    c.normals = g.normals.clone();
    (c, category)
}

/// Two votes are the cloud and its mirror image: rebuilt here from the
/// public pieces `predict` uses (each vote's seeded sampling, one forward
/// pass, the second pass on the sample mirrored in z, the logits averaged at
/// every point, the softmax), the probabilities of a two-vote prediction
/// match; without the mirror they do not.
#[test]
fn two_votes_are_the_cloud_and_its_mirror_image() {
    let net = shipped();
    let (c, category) = chair();
    let options = PredictOptions {
        votes: 2,
        ..PredictOptions::default()
    };
    let got = part_probabilities(&net, &c, category, &options, "c").unwrap();

    let k = category.num_parts();
    let range = category.part_range();
    let vote = |v: u64, mirror: bool| {
        let mut rng = Rng::new(Rng::for_item(options.seed, v).next_u64());
        let prepared = prepare_cloud(&c, c.len(), &mut rng);
        let mut points = prepared.cloud.points.clone();
        let mut normals = prepared.cloud.normals.clone().unwrap();
        if mirror {
            points.iter_mut().for_each(|p| p[2] = -p[2]);
            normals.iter_mut().for_each(|n| n[2] = -n[2]);
        }
        let logits = net
            .forward_one(&CloudInput {
                points: &points,
                normals: Some(&normals),
                category: category.index,
                seed: rng.next_u64(),
                fps_ordered: c.len(), // every point, in `sample_indices` order
            })
            .unwrap();
        let mut own = vec![0f32; c.len() * k];
        for (&i, row) in prepared.indices.iter().zip(logits.rows()) {
            for (o, &x) in own[i * k..(i + 1) * k]
                .iter_mut()
                .zip(row.iter().skip(range.start))
            {
                *o = x;
            }
        }
        own
    };
    let softmax_of_mean = |a: &[f32], b: &[f32]| -> Vec<f32> {
        let mut out = Vec::with_capacity(a.len());
        for (ra, rb) in a.chunks_exact(k).zip(b.chunks_exact(k)) {
            let m: Vec<f32> = ra.iter().zip(rb).map(|(x, y)| (x + y) * 0.5).collect();
            let max = m.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            let e: Vec<f32> = m.iter().map(|x| (x - max).exp()).collect();
            let total: f32 = e.iter().sum();
            out.extend(e.iter().map(|x| x / total));
        }
        out
    };
    let first = vote(0, false);
    let want = softmax_of_mean(&first, &vote(1, true));
    let unmirrored = softmax_of_mean(&first, &vote(1, false));
    let diff = |a: &[f32], b: &[f32]| {
        a.iter()
            .zip(b)
            .map(|(x, y)| (x - y).abs())
            .fold(0f32, f32::max)
    };
    assert!(diff(&got, &want) < 1e-4, "{}", diff(&got, &want));
    assert!(
        diff(&got, &unmirrored) > 1e-3,
        "{}",
        diff(&got, &unmirrored)
    );

    // The labels of the two-vote prediction are the argmax of those
    // probabilities.
    let p = predict(&net, &c, CategoryChoice::Given(category), &options, "c").unwrap();
    for (i, row) in got.chunks_exact(k).enumerate() {
        let best = (0..k).fold(0, |b, j| if row[j] > row[b] { j } else { b });
        assert_eq!(
            p.labels[i],
            (category.first_part + best) as u32,
            "point {i}"
        );
    }
}
