//! Helpers shared by the integration tests.

#![allow(dead_code)]

use std::process::{Command, Output};

use proptest::prelude::*;

/// The binary, with the loader warning silenced.
pub fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_gradfield"));
    c.env("XDG_RUNTIME_DIR", std::env::temp_dir());
    c
}

/// Runs the binary with `args` and waits for it.
pub fn gradfield(args: &[&str]) -> Output {
    bin().args(args).output().expect("the binary runs")
}

/// Its stderr as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Random smooth expressions. Functions with restricted domains get arguments that keep them
/// inside (log(u^2 + 0.5), sqrt(u^2 + 0.1), asin(0.5*tanh(u))) so that most points are
/// smooth; kinks (abs, relu, min, max, step) have their own test.
pub fn smooth() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("x".to_string()),
        Just("y".to_string()),
        (1u32..40).prop_map(|k| format!("{}", k as f64 / 8.0)),
        Just("pi".to_string()),
    ];
    leaf.prop_recursive(4, 24, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} + {b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} - {b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} * {b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} / (1.5 + {b}^2))")),
            (inner.clone(), 2i32..5).prop_map(|(a, k)| format!("({a})^{k}")),
            inner.clone().prop_map(|a| format!("-({a})")),
            (
                inner.clone(),
                prop::sample::select(vec![
                    "sin", "cos", "atan", "sinh", "cosh", "tanh", "exp", "sigmoid", "softplus",
                ])
            )
                .prop_map(|(a, f)| format!("{f}(0.3*({a}))")),
            inner.clone().prop_map(|a| format!("log(({a})^2 + 0.5)")),
            inner.clone().prop_map(|a| format!("sqrt(({a})^2 + 0.1)")),
            inner.clone().prop_map(|a| format!("asin(0.5*tanh({a}))")),
            inner.clone().prop_map(|a| format!("acos(0.5*tanh({a}))")),
            inner.clone().prop_map(|a| format!("tan(0.5*tanh({a}))")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("atan2({a}, 2 + ({b})^2)")),
            (inner.clone(), inner.clone())
                .prop_map(|(a, b)| format!("(1.5 + ({a})^2)^(0.3*tanh({b}))")),
        ]
    })
}
