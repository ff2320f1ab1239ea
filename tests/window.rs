//! A window of a grid (a block computed apart, as a Dask chunk is) holds bit for bit the
//! values of the same points of the whole run, on the CPU and on the GPU, in f32 and f64,
//! including the blocks that hold the axes' last points.

use gradfield::backend::BackendRequest;
use gradfield::grid::{Axis, Field, Grid, Precision};
use gradfield::session::Session;
use gradfield::spec::FieldSpec;

fn sessions() -> Vec<Session> {
    let mut out = vec![Session::cpu()];
    match Session::new(&BackendRequest::gpu()) {
        Ok(s) => out.push(s),
        Err(e) => eprintln!("no GPU adapter, CPU only: {e}"),
    }
    out
}

fn bits(v: &gradfield::engine::Values) -> Vec<u64> {
    v.to_f64().iter().map(|x| x.to_bits()).collect()
}

#[test]
fn a_window_equals_the_same_block_of_the_whole_run() {
    // 4100 columns: two coordinate segments, so windows cross a segment boundary.
    let grid = Grid::plane(
        Axis::x(-2.0, 2.0, 4100).unwrap(),
        Axis::y(-1.0, 3.0, 37).unwrap(),
    )
    .unwrap();
    for session in sessions() {
        for precision in [Precision::F32, Precision::F64] {
            if session
                .backend()
                .place(precision, gradfield::backend::F64Fallback::Refuse)
                .is_err()
            {
                continue;
            }
            let spec = FieldSpec::new("rosenbrock", grid)
                .unwrap()
                .with_precision(precision);
            let whole = session.field(&spec).unwrap();
            assert!(whole.report.check.as_ref().unwrap().passed);
            for (cols, rows) in [(4000..4100, 30..37), (1..3000, 0..5), (4095..4097, 10..11)] {
                let part = session
                    .field(&spec.window(cols.clone(), Some(rows.clone())).unwrap())
                    .unwrap();
                assert!(part.report.check.as_ref().unwrap().passed);
                let block = |v: &gradfield::engine::Values| -> Vec<u64> {
                    let all = bits(v);
                    rows.clone()
                        .flat_map(|j| cols.clone().map(move |i| (j, i)))
                        .map(|(j, i)| all[j * 4100 + i])
                        .collect()
                };
                for f in Field::ALL {
                    let (a, b) = (whole.values(f).unwrap(), part.values(f).unwrap());
                    assert_eq!(block(a), bits(b), "{f:?} {precision} {cols:?}×{rows:?}");
                }
                let xs = bits(&whole.x);
                assert_eq!(&xs[cols.clone()], &bits(&part.x)[..]);
            }
        }
    }
}
