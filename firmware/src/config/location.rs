//! Where in `beckon.toml` an error is: its line, and the dotted key there, for
//! `file:line: key` messages.

/// The dotted key at byte `offset` of a TOML text (where a syntax or type error points): the
/// `key =` of that line under the table header above it, e.g. `decision.window`,
/// `action[2].pins`; a header line gives the table itself.
pub(super) fn key_at(text: &str, offset: usize) -> Option<String> {
    let offset = offset.min(text.len());
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let mut table = String::new();
    let mut arrays: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let header = |line: &str| -> Option<(bool, String)> {
        let line = line.split('#').next()?.trim();
        if let Some(name) = line.strip_prefix("[[").and_then(|l| l.strip_suffix("]]")) {
            return Some((true, name.trim().to_string()));
        }
        line.strip_prefix('[').and_then(|l| l.strip_suffix(']')).map(|name| (false, name.trim().to_string()))
    };
    for line in text[..start].lines() {
        match header(line) {
            Some((true, name)) => {
                let n = arrays.entry(name.clone()).or_default();
                table = format!("{name}[{n}]");
                *n += 1;
            }
            Some((false, name)) => table = name,
            None => {}
        }
    }
    let line = text[start..].lines().next().unwrap_or_default();
    if let Some((is_array, name)) = header(line) {
        return Some(if is_array { format!("{name}[{}]", arrays.get(&name).copied().unwrap_or(0)) } else { name });
    }
    let key = line.split_once('=')?.0.trim().trim_matches('"');
    if key.is_empty() || key.contains(char::is_whitespace) {
        return None;
    }
    Some(if table.is_empty() { key.to_string() } else { format!("{table}.{key}") })
}

/// 1-based line of byte `offset` in `text`.
pub(super) fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}
