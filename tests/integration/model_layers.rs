//! Each layer's forward against a slow loop-by-loop f64 implementation, and
//! its backward against central finite differences OF THAT f64 REFERENCE
//! (step 1e-4 in f64, so the difference error is ~1e-8 and the only error
//! left is the layer's own f32 rounding: tolerances are 1e-4 relative).
//! Every check prints the per-tensor max difference.

use ndarray::{Array2, ArrayView2};
use pcseg::model::layers::neighbour_max::Groups;
use pcseg::model::layers::{
    BatchNorm1d, CategoryBias, Concat, Dropout, Linear, NeighbourMax, Par, Relu6, Residual,
    ThreeNnInterpolate,
};
use pcseg::model::loss::{part_cross_entropy, part_cross_entropy_backward, predict_parts};
use pcseg::model::Params;
use pcseg::rng::Rng;

fn rand2(rng: &mut Rng, r: usize, c: usize, scale: f32) -> Array2<f32> {
    Array2::from_shape_fn((r, c), |_| rng.normal() * scale)
}

fn to64(a: ArrayView2<f32>) -> Vec<f64> {
    a.iter().map(|&v| v as f64).collect()
}

/// max |a - b| / (1 + |b|) over two equally long sequences.
fn maxdiff(a: impl IntoIterator<Item = f64>, b: impl IntoIterator<Item = f64>) -> f64 {
    a.into_iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs() / (1.0 + y.abs()))
        .fold(0.0, f64::max)
}

/// Central differences of scalar `f` at `x`, all coordinates.
fn fd(x: &[f64], f: &dyn Fn(&[f64]) -> f64) -> Vec<f64> {
    let h = 1e-4;
    let mut xp = x.to_vec();
    (0..x.len())
        .map(|i| {
            let v = xp[i];
            xp[i] = v + h;
            let a = f(&xp);
            xp[i] = v - h;
            let b = f(&xp);
            xp[i] = v;
            (a - b) / (2.0 * h)
        })
        .collect()
}

fn check(name: &str, analytic: impl IntoIterator<Item = f64>, reference: &[f64], tol: f64) {
    let d = maxdiff(analytic, reference.iter().copied());
    println!("{name:<28} maxdiff {d:.2e}");
    assert!(d < tol, "{name}: maxdiff {d} >= {tol}");
}

/// Loss used for the checks: L = sum(out * g) for a fixed random `g`.
fn dot(out: &[f64], g: &[f64]) -> f64 {
    out.iter().zip(g).map(|(a, b)| a * b).sum()
}

// ---------------------------------------------------------------- Linear

fn linear_ref(x: &[f64], w: &[f64], b: &[f64], r: usize, cin: usize, cout: usize) -> Vec<f64> {
    let mut out = vec![0.0; r * cout];
    for i in 0..r {
        for o in 0..cout {
            let mut s = b[o];
            for k in 0..cin {
                s += x[i * cin + k] * w[o * cin + k];
            }
            out[i * cout + o] = s;
        }
    }
    out
}

#[test]
fn linear_forward_and_backward() {
    let mut rng = Rng::new(1);
    for (r, cin, cout, par) in [(7, 5, 3, Par::Serial), (1300, 9, 40, Par::Rayon)] {
        let mut p = Params::new();
        let lin = Linear::new(&mut p, "l", cin, cout);
        lin.init(&mut p, &mut rng);
        p.get_mut(lin.bias).mapv_inplace(|_| rng.normal());
        let x = rand2(&mut rng, r, cin, 1.0);
        let out = lin.forward(&p, x.view(), par);
        let (x64, w64, b64) = (
            to64(x.view()),
            to64(p.view2(lin.weight)),
            p.view1(lin.bias)
                .iter()
                .map(|&v| v as f64)
                .collect::<Vec<_>>(),
        );
        let want = linear_ref(&x64, &w64, &b64, r, cin, cout);
        check("linear forward", to64(out.view()), &want, 1e-5);
        if r > 100 {
            continue; // finite differences on the small case only
        }
        let g = rand2(&mut rng, r, cout, 1.0);
        let g64 = to64(g.view());
        let mut grads = p.zeros_like();
        let mut dinp = Array2::<f32>::zeros((r, cin));
        lin.backward(
            &p,
            &mut grads,
            x.view(),
            g.view(),
            Some(dinp.view_mut()),
            par,
        );
        let fx = fd(&x64, &|v| {
            dot(&linear_ref(v, &w64, &b64, r, cin, cout), &g64)
        });
        let fw = fd(&w64, &|v| {
            dot(&linear_ref(&x64, v, &b64, r, cin, cout), &g64)
        });
        let fb = fd(&b64, &|v| {
            dot(&linear_ref(&x64, &w64, v, r, cin, cout), &g64)
        });
        check("linear dinp", to64(dinp.view()), &fx, 1e-4);
        check("linear dweight", to64(grads.view2(lin.weight)), &fw, 1e-4);
        check(
            "linear dbias",
            grads.view1(lin.bias).iter().map(|&v| v as f64),
            &fb,
            1e-4,
        );
        // Accumulation: a second backward doubles the gradients.
        let before = grads.view2(lin.weight).to_owned();
        lin.backward(&p, &mut grads, x.view(), g.view(), None, par);
        let after = grads.view2(lin.weight);
        assert!(after
            .iter()
            .zip(&before)
            .all(|(a, b)| (a - 2.0 * b).abs() < 1e-4 * (1.0 + b.abs())));
    }
}

#[test]
fn linear_parallel_equals_serial() {
    let mut rng = Rng::new(2);
    let mut p = Params::new();
    let lin = Linear::new(&mut p, "l", 24, 70);
    lin.init(&mut p, &mut rng);
    let x = rand2(&mut rng, 3000, 24, 1.0);
    let g = rand2(&mut rng, 3000, 70, 1.0);
    let a = lin.forward(&p, x.view(), Par::Serial);
    let b = lin.forward(&p, x.view(), Par::Rayon);
    assert_eq!(a, b);
    let mut ga = p.zeros_like();
    let mut gb = p.zeros_like();
    let mut da = Array2::zeros((3000, 24));
    let mut db = Array2::zeros((3000, 24));
    lin.backward(
        &p,
        &mut ga,
        x.view(),
        g.view(),
        Some(da.view_mut()),
        Par::Serial,
    );
    lin.backward(
        &p,
        &mut gb,
        x.view(),
        g.view(),
        Some(db.view_mut()),
        Par::Rayon,
    );
    assert_eq!(da, db);
    let d = maxdiff(to64(ga.view2(lin.weight)), to64(gb.view2(lin.weight)));
    assert!(d < 1e-5, "dweight serial vs rayon {d}");
}

// ---------------------------------------------------------------- BatchNorm

fn bn_ref(x: &[f64], gamma: &[f64], beta: &[f64], r: usize, c: usize, eps: f64) -> Vec<f64> {
    let mut out = vec![0.0; r * c];
    for j in 0..c {
        let mean = (0..r).map(|i| x[i * c + j]).sum::<f64>() / r as f64;
        let var = (0..r).map(|i| (x[i * c + j] - mean).powi(2)).sum::<f64>() / r as f64;
        for i in 0..r {
            out[i * c + j] = gamma[j] * (x[i * c + j] - mean) / (var + eps).sqrt() + beta[j];
        }
    }
    out
}

#[test]
fn batch_norm_forward_backward_running_stats_and_folding() {
    let mut rng = Rng::new(3);
    let (r, c) = (9, 4);
    let mut p = Params::new();
    let bn = BatchNorm1d::new(&mut p, "bn", c, 1e-5, 0.1);
    p.get_mut(bn.weight).mapv_inplace(|_| rng.uniform(0.5, 1.5));
    p.get_mut(bn.bias).mapv_inplace(|_| rng.normal());
    let x = rand2(&mut rng, r, c, 2.0) + 0.7;
    let mut y = x.clone();
    let cache = bn.forward_train(&p, &mut y, Par::Serial);
    let (x64, g64v, b64v) = (
        to64(x.view()),
        p.view1(bn.weight)
            .iter()
            .map(|&v| v as f64)
            .collect::<Vec<_>>(),
        p.view1(bn.bias)
            .iter()
            .map(|&v| v as f64)
            .collect::<Vec<_>>(),
    );
    let want = bn_ref(&x64, &g64v, &b64v, r, c, 1e-5);
    check("bn forward", to64(y.view()), &want, 1e-5);
    let g = rand2(&mut rng, r, c, 1.0);
    let gg = to64(g.view());
    let mut grads = p.zeros_like();
    let mut dinp = Array2::zeros((r, c));
    bn.backward(
        &p,
        &mut grads,
        &cache,
        g.view(),
        dinp.view_mut(),
        Par::Serial,
    );
    let fx = fd(&x64, &|v| dot(&bn_ref(v, &g64v, &b64v, r, c, 1e-5), &gg));
    let fgam = fd(&g64v, &|v| dot(&bn_ref(&x64, v, &b64v, r, c, 1e-5), &gg));
    let fbet = fd(&b64v, &|v| dot(&bn_ref(&x64, &g64v, v, r, c, 1e-5), &gg));
    check("bn dinp", to64(dinp.view()), &fx, 1e-4);
    check(
        "bn dweight",
        grads.view1(bn.weight).iter().map(|&v| v as f64),
        &fgam,
        1e-4,
    );
    check(
        "bn dbias",
        grads.view1(bn.bias).iter().map(|&v| v as f64),
        &fbet,
        1e-4,
    );

    // Running averages: momentum 0.1 from (0, 1), unbiased variance.
    bn.update_running(&mut p, &cache, None);
    for j in 0..c {
        let col: Vec<f64> = (0..r).map(|i| x64[i * c + j]).collect();
        let mean = col.iter().sum::<f64>() / r as f64;
        let var_u = col.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (r - 1) as f64;
        assert!((p.view1(bn.running_mean)[j] as f64 - 0.1 * mean).abs() < 1e-5);
        assert!((p.view1(bn.running_var)[j] as f64 - (0.9 + 0.1 * var_u)).abs() < 1e-5);
    }

    // Folding into a linear layer equals linear then BN with running stats.
    let lin = Linear::new(&mut p, "lin", 3, c);
    lin.init(&mut p, &mut rng);
    let xin = rand2(&mut rng, 20, 3, 1.0);
    let mut unfolded = lin.forward(&p, xin.view(), Par::Serial);
    bn.forward_eval(&p, unfolded.view_mut());
    let mut w = p.view2(lin.weight).to_owned();
    let mut b = p.view1(lin.bias).to_owned();
    bn.fold_into_linear(&p, &mut w.view_mut(), &mut b.view_mut());
    let folded = xin.dot(&w.t()) + &b;
    let d = maxdiff(to64(folded.view()), to64(unfolded.view()));
    println!("bn folded vs unfolded        maxdiff {d:.2e}");
    assert!(d < 1e-5);
}

#[test]
fn batch_norm_parallel_equals_serial() {
    let mut rng = Rng::new(4);
    let mut p = Params::new();
    let bn = BatchNorm1d::new(&mut p, "bn", 19, 1e-5, 0.1);
    let x = rand2(&mut rng, 2500, 19, 1.0);
    let (mut a, mut b) = (x.clone(), x.clone());
    let ca = bn.forward_train(&p, &mut a, Par::Serial);
    let cb = bn.forward_train(&p, &mut b, Par::Rayon);
    assert_eq!(a, b);
    assert_eq!(ca.rstd, cb.rstd);
}

// ---------------------------------------------------------------- ReLU6, residual, concat

#[test]
#[allow(clippy::manual_clamp)] // the reference is spelled out on purpose
fn relu6_residual_concat() {
    let mut rng = Rng::new(5);
    let x = rand2(&mut rng, 6, 5, 5.0);
    let mut y = x.clone();
    Relu6.forward(y.view_mut());
    for (a, b) in y.iter().zip(&x) {
        let want = if *b < 0.0 {
            0.0
        } else if *b > 6.0 {
            6.0
        } else {
            *b
        };
        assert_eq!(*a, want);
    }
    let dout = rand2(&mut rng, 6, 5, 1.0);
    let mut dinp = Array2::zeros((6, 5));
    Relu6.backward(y.view(), dout.view(), dinp.view_mut());
    // Away from the kinks the derivative is 1 inside (0, 6) and 0 outside.
    for ((d, g), v) in dinp.iter().zip(&dout).zip(&x) {
        let want = if *v > 0.0 && *v < 6.0 { *g } else { 0.0 };
        assert_eq!(*d, want);
    }

    let mut out = x.clone();
    let skip = rand2(&mut rng, 6, 5, 1.0);
    Residual.forward(out.view_mut(), skip.view());
    assert_eq!(out, &x + &skip);
    let mut dskip = Array2::ones((6, 5));
    Residual.backward(dout.view(), dskip.view_mut());
    assert_eq!(dskip, &dout + 1.0);

    let a = rand2(&mut rng, 4, 2, 1.0);
    let b = rand2(&mut rng, 4, 3, 1.0);
    let cat = Concat.forward(&[a.view(), b.view()]);
    for r in 0..4 {
        for j in 0..5 {
            let want = if j < 2 { a[[r, j]] } else { b[[r, j - 2]] };
            assert_eq!(cat[[r, j]], want);
        }
    }
    let d = rand2(&mut rng, 4, 5, 1.0);
    let mut da = Array2::zeros((4, 2));
    Concat.backward(d.view(), &[2, 3], &mut [Some(da.view_mut()), None]);
    for r in 0..4 {
        for j in 0..2 {
            assert_eq!(da[[r, j]], d[[r, j]]);
        }
    }
}

// ---------------------------------------------------------------- neighbour max

#[allow(clippy::too_many_arguments)]
fn agg_ref(
    h: &[f64],
    w: &[f64],
    pos: &[[f32; 3]],
    centres: &[[f32; 3]],
    nbr: &[u32],
    k: usize,
    c: usize,
    r: f64,
) -> (Vec<f64>, Vec<u32>) {
    let s = centres.len();
    let mut out = vec![f64::NEG_INFINITY; s * c];
    let mut arg = vec![0u32; s * c];
    for i in 0..s {
        for t in 0..k {
            let j = nbr[i * k + t] as usize;
            for ch in 0..c {
                let mut v = h[j * c + ch];
                for a in 0..3 {
                    v += (pos[j][a] as f64 - centres[i][a] as f64) / r * w[a * c + ch];
                }
                if v > out[i * c + ch] {
                    out[i * c + ch] = v;
                    arg[i * c + ch] = j as u32;
                }
            }
        }
    }
    (out, arg)
}

#[test]
fn neighbour_max_forward_and_backward() {
    let mut rng = Rng::new(6);
    for (nin, s, k, c, par) in [(12, 4, 5, 3, Par::Serial), (300, 100, 16, 70, Par::Rayon)] {
        let r = 0.4f32;
        let mut p = Params::new();
        let agg = NeighbourMax::new(&mut p, "agg", c, r);
        agg.init(&mut p, &mut rng);
        let pos: Vec<[f32; 3]> = (0..nin)
            .map(|_| [rng.normal(), rng.normal(), rng.normal()])
            .collect();
        let centres: Vec<[f32; 3]> = (0..s).map(|i| pos[i * 2 % nin]).collect();
        // Distinct neighbours per centre (duplicates would tie exactly).
        let nbr: Vec<u32> = (0..s)
            .flat_map(|i| (0..k).map(move |t| ((i * 7 + t * 3) % nin) as u32))
            .collect();
        let groups = Groups {
            pos: &pos,
            centres: &centres,
            nbr: &nbr,
            k,
        };
        let h = rand2(&mut rng, nin, c, 1.0);
        let mut arg = Vec::new();
        let out = agg.forward(&p, h.view(), groups, Some(&mut arg), par);
        let out_noarg = agg.forward(&p, h.view(), groups, None, par);
        assert_eq!(out, out_noarg);
        let (h64, w64) = (to64(h.view()), to64(p.view2(agg.pos_weight)));
        let (want, want_arg) = agg_ref(&h64, &w64, &pos, &centres, &nbr, k, c, r as f64);
        check("neighbour_max forward", to64(out.view()), &want, 1e-5);
        assert_eq!(arg, want_arg, "argmax");
        let g = rand2(&mut rng, s, c, 1.0);
        let gg = to64(g.view());
        let mut grads = p.zeros_like();
        let mut dh = Array2::zeros((nin, c));
        agg.backward(&mut grads, groups, &arg, g.view(), dh.view_mut(), par);
        if nin > 100 {
            // Channel-split parallel backward equals the serial one.
            let mut g2 = p.zeros_like();
            let mut dh2 = Array2::zeros((nin, c));
            agg.backward(&mut g2, groups, &arg, g.view(), dh2.view_mut(), Par::Serial);
            assert_eq!(dh, dh2);
            assert_eq!(grads.view2(agg.pos_weight), g2.view2(agg.pos_weight));
            continue;
        }
        let f = |hv: &[f64], wv: &[f64]| {
            dot(
                &agg_ref(hv, wv, &pos, &centres, &nbr, k, c, r as f64).0,
                &gg,
            )
        };
        let fh = fd(&h64, &|v| f(v, &w64));
        let fw = fd(&w64, &|v| f(&h64, v));
        check("neighbour_max dh", to64(dh.view()), &fh, 1e-4);
        check(
            "neighbour_max dpos_weight",
            to64(grads.view2(agg.pos_weight)),
            &fw,
            1e-4,
        );
    }
}

// ---------------------------------------------------------------- interpolation, category bias

#[test]
fn three_nn_interpolation_forward_and_backward() {
    let mut rng = Rng::new(7);
    let (m, n, c) = (5, 8, 3);
    let coarse = rand2(&mut rng, m, c, 1.0);
    let idx: Vec<u32> = (0..n * 3).map(|_| rng.below(m) as u32).collect();
    let w: Vec<f32> = (0..n * 3).map(|_| rng.f32()).collect();
    let out = ThreeNnInterpolate.forward(coarse.view(), &idx, &w, Par::Serial);
    let f = |cv: &[f64]| {
        let mut o = vec![0.0; n * c];
        for i in 0..n {
            for t in 0..3 {
                for ch in 0..c {
                    o[i * c + ch] += w[i * 3 + t] as f64 * cv[idx[i * 3 + t] as usize * c + ch];
                }
            }
        }
        o
    };
    let c64 = to64(coarse.view());
    check("interp forward", to64(out.view()), &f(&c64), 1e-6);
    let g = rand2(&mut rng, n, c, 1.0);
    let gg = to64(g.view());
    let mut dc = Array2::zeros((m, c));
    ThreeNnInterpolate.backward(&idx, &w, g.view(), dc.view_mut(), Par::Serial);
    check(
        "interp dcoarse",
        to64(dc.view()),
        &fd(&c64, &|v| dot(&f(v), &gg)),
        1e-4,
    );

    let mut p = Params::new();
    let cb = CategoryBias::new(&mut p, "cat", 16, c);
    cb.init(&mut p, &mut rng, 10);
    let offsets = [0, 3, 8];
    let cats = [5, 11];
    let mut x = Array2::zeros((n, c));
    cb.forward(&p, x.view_mut(), &offsets, &cats);
    for r in 0..n {
        let cat = if r < 3 { 5 } else { 11 };
        assert_eq!(x.row(r), p.view2(cb.table).row(cat));
    }
    let mut grads = p.zeros_like();
    cb.backward(&mut grads, g.view(), &offsets, &cats);
    let t = grads.view2(cb.table);
    for ch in 0..c {
        let s0: f32 = (0..3).map(|r| g[[r, ch]]).sum();
        let s1: f32 = (3..8).map(|r| g[[r, ch]]).sum();
        assert!((t[[5, ch]] - s0).abs() < 1e-6 && (t[[11, ch]] - s1).abs() < 1e-6);
        assert_eq!(t[[0, ch]], 0.0);
    }
}

// ---------------------------------------------------------------- dropout, loss

#[test]
fn dropout_masks() {
    let d = Dropout { p: 0.5 };
    let x = Array2::<f32>::ones((400, 50));
    let mut y = x.clone();
    let offsets = [0, 150, 400];
    let mut rngs = vec![Rng::new(1), Rng::new(2)];
    let mask = d.forward(y.view_mut(), &offsets, &mut rngs);
    assert!(mask.iter().all(|&m| m == 0.0 || m == 2.0));
    let kept = mask.iter().filter(|&&m| m > 0.0).count() as f64 / mask.len() as f64;
    assert!((kept - 0.5).abs() < 0.02, "kept {kept}");
    assert_eq!(y, mask);
    let mut y2 = x.clone();
    let mask2 = d.forward(y2.view_mut(), &offsets, &mut [Rng::new(1), Rng::new(2)]);
    assert_eq!(mask, mask2, "same generators, same mask");
    let dout = Array2::from_elem((400, 50), 3.0f32);
    let mut dinp = Array2::zeros((400, 50));
    d.backward(mask.view(), dout.view(), dinp.view_mut());
    assert_eq!(dinp, &mask * 3.0);
}

#[test]
fn restricted_cross_entropy() {
    // Two points of a Bag (parts 4, 5), one of a Chair (12..16).
    let mut logits = Array2::<f32>::zeros((3, 50));
    logits[[0, 4]] = 1.0;
    logits[[0, 5]] = 3.0;
    logits[[0, 0]] = 100.0; // another category's part: ignored
    logits[[1, 4]] = 2.0;
    logits[[2, 13]] = 0.5;
    let labels = [4u32, 4, 13];
    let offsets = [0, 2, 3];
    let cats = [1, 4];
    let (loss, correct) = part_cross_entropy(logits.view(), &labels, &offsets, &cats).unwrap();
    // Hand-computed: point 0: log(e^1 + e^3) - 1; point 1: log(e^2 + 1) - 2;
    // point 2: log(e^0.5 + 3) - 0.5.
    let want = ((1f64.exp() + 3f64.exp()).ln() - 1.0 + (2f64.exp() + 1.0).ln() - 2.0
        + (0.5f64.exp() + 3.0).ln()
        - 0.5)
        / 3.0;
    assert!((loss - want).abs() < 1e-9, "{loss} vs {want}");
    assert_eq!(correct, 2);
    assert_eq!(predict_parts(logits.view(), 1), vec![5, 4, 4]);
    assert_eq!(predict_parts(logits.view(), 4)[2], 13);

    let mut d = Array2::zeros((3, 50));
    part_cross_entropy_backward(logits.view(), &labels, &offsets, &cats, d.view_mut());
    let l64 = to64(logits.view());
    let f = |v: &[f64]| {
        let a = Array2::from_shape_vec((3, 50), v.iter().map(|&x| x as f32).collect()).unwrap();
        part_cross_entropy(a.view(), &labels, &offsets, &cats)
            .unwrap()
            .0
    };
    // f32 logits inside the reference: step 1e-2 keeps the f32 rounding of
    // the perturbation (~1e-7) negligible; the loss is smooth (softmax) so the
    // O(h^2) truncation error is ~1e-5.
    let h = 1e-2;
    let num: Vec<f64> = (0..l64.len())
        .map(|i| {
            let mut a = l64.clone();
            a[i] += h;
            let fp = f(&a);
            a[i] -= 2.0 * h;
            (fp - f(&a)) / (2.0 * h)
        })
        .collect();
    check("cross-entropy dlogits", to64(d.view()), &num, 1e-4);
    assert_eq!(d[[0, 0]], 0.0);
    assert!(part_cross_entropy(logits.view(), &[4, 4, 3], &offsets, &cats).is_err());
}
