//! Fuzzes the expression parser and everything a parsed expression goes through: it must
//! never panic or overflow its stack, whatever the input.
#![no_main]

use gradfield::expr::{Expr, Program, Var};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Expr::parse(text) {
        Ok(e) => {
            let dx = e.derivative(Var::X);
            let dy = e.derivative(Var::Y);
            let printed = dx.to_string();
            let _ = Expr::parse(&printed).expect("a printed derivative parses");
            let p = Program::compile(&[&e, &dx, &dy]);
            let _ = p.eval_f64(0.5, -0.25);
        }
        Err(err) => {
            assert!(err.span.start <= err.span.end && err.span.end <= text.len());
            let _ = err.to_string();
        }
    }
});
