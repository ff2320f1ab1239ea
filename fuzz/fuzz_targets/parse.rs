//! Fuzzes the expression parser and everything a parsed expression goes through: it must
//! never panic or overflow its stack, whatever the input.
#![no_main]

use gradfield::expr::{Expr, MAX_DEPTH, MAX_INPUT_LEN, Program, Var};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Expr::parse(text) {
        Ok(e) => {
            let dx = e.derivative(Var::X);
            let dy = e.derivative(Var::Y);
            // A derivative within the depth and length limits (as every accepted request's is)
            // prints to text that parses back.
            let printed = (dx.depth() <= MAX_DEPTH).then(|| dx.to_string());
            if let Some(printed) = printed.filter(|p| p.len() <= MAX_INPUT_LEN) {
                let back = Expr::parse(&printed).expect("a printed derivative parses");
                let (a, b) = (dx.eval(0.5, -0.25), back.eval(0.5, -0.25));
                assert!(a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()), "{printed}");
            }
            let p = Program::compile(&[&e, &dx, &dy]);
            let _ = p.eval_f64(0.5, -0.25);
        }
        Err(err) => {
            assert!(err.span.start <= err.span.end && err.span.end <= text.len());
            let _ = err.to_string();
        }
    }
});
