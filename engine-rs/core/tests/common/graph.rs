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
