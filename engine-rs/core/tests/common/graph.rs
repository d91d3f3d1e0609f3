//! GraphIR JSON for the tests: a program whose output is the left-deep `add` chain over given terms, as the front end lowers `a + b + c …`.

/// The JSON of a program with `nodes` (JSON objects, ids 0..) in `stages`, whose one output is
/// `terms[0] + terms[1] + …` built as a left-deep chain of `add` nodes, one stage each.
pub fn sum_program(mut nodes: Vec<String>, mut stages: Vec<Vec<usize>>, terms: &[usize]) -> String {
    let mut last = terms[0];
    for t in &terms[1..] {
        let id = nodes.len();
        nodes.push(format!(
            r#"{{"id": {id}, "kind": "add", "params": {{"a": {{"node": {last}}}, "b": {{"node": {t}}}}}}}"#
        ));
        stages.push(vec![id]);
        last = id;
    }
    format!(
        r#"{{"version": 1, "nodes": [{}], "outputs": [{{"name": "out", "node": {last}}}], "stages": {:?}}}"#,
        nodes.join(","),
        stages
    )
}

#[allow(dead_code)]
/// The P1 sine bank (N sines spread over 6 octaves from 100 Hz, each at 1/N) as the front end lowers it: `sine f0 * g + sine f1 * g + …`, a left-deep
/// chain of `add` over `mul` nodes, stages as the front end computes them.
pub fn sine_bank(n: usize) -> String {
    let mut nodes = Vec::new();
    let mut stages: Vec<Vec<usize>> = vec![Vec::new(), Vec::new()];
    let g = 1.0 / n as f64;
    for i in 0..n {
        let f = 100.0 * 2f64.powf(6.0 * i as f64 / n as f64);
        nodes.push(format!(
            r#"{{"id": {}, "kind": "sine", "params": {{"freq": {{"const": {f}}}}}}}"#,
            2 * i
        ));
        nodes.push(format!(
            r#"{{"id": {}, "kind": "mul", "params": {{"a": {{"node": {}}}, "b": {{"const": {g}}}}}}}"#,
            2 * i + 1,
            2 * i
        ));
        stages[0].push(2 * i);
        stages[1].push(2 * i + 1);
    }
    let terms: Vec<usize> = (0..n).map(|i| 2 * i + 1).collect();
    sum_program(nodes, stages, &terms)
}
