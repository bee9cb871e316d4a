//! Diagrams of a chart: the state hierarchy and its transitions labelled
//! `event [cond]`, with initial states and history marked. Reads the same
//! model codegen reads, so the picture is of what compiles.
use crate::model::{Chart, StateId, StateKind};

fn cond_text(chart: &Chart, t: &crate::model::Transition) -> Option<String> {
    t.cond.map(|c| chart.sources[c].text.trim().to_string())
}

fn label(chart: &Chart, t: &crate::model::Transition) -> String {
    let mut label = t.events.join(" ");
    if let Some(c) = cond_text(chart, t) {
        if !label.is_empty() {
            label.push(' ');
        }
        label.push_str(&format!("[{c}]"));
    }
    label
}

fn dot_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', " ")
}

fn has_children(chart: &Chart, s: StateId) -> bool {
    let st = &chart.states[usize::from(s)];
    !st.children.is_empty() || !st.history.is_empty()
}

/// Graphviz DOT: compound and parallel states are clusters (parallel ones dashed).
pub fn dot(chart: &Chart) -> String {
    let mut out =
        String::from("digraph scxml {\n  compound=true;\n  rankdir=LR;\n  node [shape=box, style=rounded];\n");
    out.push_str("  start [shape=point];\n");
    dot_children(chart, 0, 1, &mut out);
    let node = |s: StateId| -> String {
        if has_children(chart, s) {
            format!("anchor{s}")
        } else {
            format!("s{s}")
        }
    };
    for &target in &chart.transitions[0].targets {
        let lhead = if has_children(chart, target) { format!(" [lhead=cluster{target}]") } else { String::new() };
        out.push_str(&format!("  start -> {}{lhead};\n", node(target)));
    }
    for (i, t) in chart.transitions.iter().enumerate().skip(1) {
        let from = node(t.source);
        let ltail = if has_children(chart, t.source) { format!(", ltail=cluster{}", t.source) } else { String::new() };
        let text = dot_escape(&label(chart, t));
        if t.targets.is_empty() {
            out.push_str(&format!("  {from} -> {from} [label=\"{text}\", style=dashed{ltail}]; // t{i}\n"));
        }
        for &target in &t.targets {
            let lhead = if has_children(chart, target) { format!(", lhead=cluster{target}") } else { String::new() };
            out.push_str(&format!("  {from} -> {} [label=\"{text}\"{ltail}{lhead}]; // t{i}\n", node(target)));
        }
    }
    out.push_str("}\n");
    out
}

fn dot_children(chart: &Chart, parent: StateId, depth: usize, out: &mut String) {
    let pad = "  ".repeat(depth);
    let st = &chart.states[usize::from(parent)];
    for &c in st.history.iter().chain(&st.children) {
        let child = &chart.states[usize::from(c)];
        let name = dot_escape(&child.id);
        match child.kind {
            StateKind::ShallowHistory => {
                out.push_str(&format!("{pad}s{c} [label=\"H\", shape=circle, tooltip=\"{name}\"];\n"))
            }
            StateKind::DeepHistory => {
                out.push_str(&format!("{pad}s{c} [label=\"H*\", shape=circle, tooltip=\"{name}\"];\n"))
            }
            StateKind::Final => out.push_str(&format!("{pad}s{c} [label=\"{name}\", shape=doublecircle];\n")),
            _ if has_children(chart, c) => {
                let style = if child.kind == StateKind::Parallel { "dashed" } else { "rounded" };
                out.push_str(&format!(
                    "{pad}subgraph cluster{c} {{\n{pad}  label=\"{name}\";\n{pad}  style={style};\n"
                ));
                out.push_str(&format!("{pad}  anchor{c} [shape=point, style=invis];\n"));
                if child.kind == StateKind::Compound {
                    out.push_str(&format!("{pad}  init{c} [shape=point];\n"));
                }
                dot_children(chart, c, depth + 1, out);
                out.push_str(&format!("{pad}}}\n"));
                if child.kind == StateKind::Compound {
                    for &t in &child.initial {
                        out.push_str(&format!("{pad}init{c} -> s{t};\n"));
                    }
                }
            }
            _ => out.push_str(&format!("{pad}s{c} [label=\"{name}\"];\n")),
        }
    }
}

fn mermaid_escape(s: &str) -> String {
    s.replace('"', "#quot;").replace(':', "#colon;").replace('\n', " ")
}

/// Mermaid `stateDiagram-v2`: nested states, `--` between parallel regions.
pub fn mermaid(chart: &Chart) -> String {
    let mut out = String::from("stateDiagram-v2\n");
    for (i, s) in chart.states.iter().enumerate().skip(1) {
        let label = match s.kind {
            StateKind::ShallowHistory => "H".to_string(),
            StateKind::DeepHistory => "H*".to_string(),
            _ => mermaid_escape(&s.id),
        };
        out.push_str(&format!("  state \"{label}\" as n{i}\n"));
    }
    mermaid_children(chart, 0, 1, &mut out);
    for t in chart.transitions.iter().skip(1) {
        let text = mermaid_escape(&label(chart, t));
        let sep = if text.is_empty() { String::new() } else { format!(" : {text}") };
        let targets: Vec<StateId> = if t.targets.is_empty() { vec![t.source] } else { t.targets.clone() };
        for target in targets {
            out.push_str(&format!("  n{} --> n{target}{sep}\n", t.source));
        }
    }
    out
}

fn mermaid_children(chart: &Chart, parent: StateId, depth: usize, out: &mut String) {
    let pad = "  ".repeat(depth);
    let st = &chart.states[usize::from(parent)];
    if matches!(st.kind, StateKind::Root | StateKind::Compound) {
        for &t in &st.initial {
            out.push_str(&format!("{pad}[*] --> n{t}\n"));
        }
    }
    let children: Vec<StateId> = st.history.iter().chain(&st.children).copied().collect();
    for (k, &c) in children.iter().enumerate() {
        let child = &chart.states[usize::from(c)];
        if st.kind == StateKind::Parallel && k > 0 && !st.history.contains(&c) {
            out.push_str(&format!("{pad}--\n"));
        }
        if child.kind == StateKind::Final {
            out.push_str(&format!("{pad}n{c} --> [*]\n"));
        } else if !has_children(chart, c) {
            // Listing the state here places it inside its parent.
            out.push_str(&format!("{pad}n{c}\n"));
        } else {
            out.push_str(&format!("{pad}state n{c} {{\n"));
            mermaid_children(chart, c, depth + 1, out);
            out.push_str(&format!("{pad}}}\n"));
        }
    }
}
