//! Every chart name → Rust identifier mapping, in one place. Chart text
//! reaches generated code only through here (as identifiers) or as escaped
//! string literals, so no id can inject code.
use std::collections::HashSet;

const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern", "false", "fn",
    "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "self",
    "Self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where", "while", "abstract",
    "become", "box", "do", "final", "macro", "override", "priv", "typeof", "unsized", "virtual", "yield", "try",
    "union",
];

/// Splits an id into lowercase ASCII words at non-alphanumerics and case changes.
fn words(id: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in id.chars() {
        if c.is_ascii_alphanumeric() {
            if c.is_ascii_uppercase() && prev_lower && !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
            cur.push(c.to_ascii_lowercase());
        } else {
            prev_lower = false;
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            if !c.is_ascii() {
                // Keep distinct non-ASCII ids distinct.
                out.push(format!("u{:x}", c as u32));
            }
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// `s0` → `S0`, `wait-for.call` → `WaitForCall`, `Self` → `Self_`.
pub fn camel(id: &str) -> String {
    let mut s: String = words(id)
        .iter()
        .map(|w| {
            let mut c = w.chars();
            c.next().map_or(String::new(), |f| f.to_ascii_uppercase().to_string() + c.as_str())
        })
        .collect();
    if s.is_empty() || s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, 'S');
    }
    if KEYWORDS.contains(&s.as_str()) {
        s.push('_');
    }
    s
}

/// `Var1` → `var1`, `match` → `match_`, `_event` → `event`.
pub fn snake(id: &str) -> String {
    let mut s = words(id).join("_");
    if s.is_empty() || s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert_str(0, "v_");
    }
    if KEYWORDS.contains(&s.as_str()) {
        s.push('_');
    }
    s
}

/// `tick` → `TICK`, `error.execution` → `ERROR_EXECUTION`, `1up` → `E_1UP`.
pub fn screaming(id: &str) -> String {
    let mut s = words(id).join("_").to_ascii_uppercase();
    if s.is_empty() || s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert_str(0, "E_");
    }
    s
}

/// Hands out unique names: a second `foo` becomes `foo_2`.
#[derive(Default)]
pub struct Names {
    taken: HashSet<String>,
}

impl Names {
    pub fn reserving(names: &[&str]) -> Self {
        Names { taken: names.iter().map(|s| s.to_string()).collect() }
    }

    /// `base`, or `base` with a number that keeps its case style
    /// (`self_` → `self_2`, `Self_` → `Self2`) so the lints stay quiet.
    pub fn unique(&mut self, base: String) -> String {
        if self.taken.insert(base.clone()) {
            return base;
        }
        let stem = base.trim_end_matches('_');
        let camel = stem.starts_with(|c: char| c.is_ascii_uppercase());
        (2..)
            .map(|n| if camel { format!("{stem}{n}") } else { format!("{stem}_{n}") })
            .find(|candidate| !KEYWORDS.contains(&candidate.as_str()) && self.taken.insert(candidate.clone()))
            .unwrap_or(base)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mangles_to_valid_identifiers() {
        assert_eq!(camel("s0"), "S0");
        assert_eq!(camel("wait-for.call"), "WaitForCall");
        assert_eq!(camel("Self"), "Self_");
        assert_eq!(camel("1st"), "S1st");
        assert_eq!(camel("fooBar"), "FooBar");
        assert_eq!(snake("Var1"), "var1");
        assert_eq!(snake("match"), "match_");
        assert_eq!(snake("self"), "self_");
        assert_eq!(snake("r#try"), "r_try");
        assert_eq!(snake("fooBar"), "foo_bar");
        assert_eq!(snake("é"), "ue9");
        assert_eq!(snake(""), "v_");
        for id in ["a b", "x\"); panic!(\"", "}", "::std"] {
            assert!(syn::parse_str::<syn::Ident>(&camel(id)).is_ok(), "{id}");
            assert!(syn::parse_str::<syn::Ident>(&snake(id)).is_ok(), "{id}");
        }
    }

    #[test]
    fn collisions_get_suffixes() {
        let mut n = Names::default();
        assert_eq!(n.unique(snake("Var1")), "var1");
        assert_eq!(n.unique(snake("var1")), "var1_2");
        assert_eq!(n.unique(snake("VAR1")), "var1_3");
        assert_eq!(n.unique(snake("self")), "self_");
        assert_eq!(n.unique(snake("Self")), "self_2");
        let mut n = Names::default();
        assert_eq!(n.unique(camel("Self")), "Self_");
        assert_eq!(n.unique(camel("self")), "Self2");
    }
}
