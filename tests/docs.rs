//! Every relative link in README.md and docs/*.md resolves: the file exists, and a `#anchor`
//! names a heading of that file (GitHub's anchors: lower case, punctuation dropped, spaces to
//! hyphens). Links inside fenced code blocks are not links and are skipped.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// GitHub's anchor for a heading line.
fn anchor(heading: &str) -> String {
    heading
        .trim_start_matches('#')
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == '-' || *c == ' ' || *c == '_')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// The markdown links `[text](target)` of `text`, outside fenced code blocks, with their lines.
fn links(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut fenced = false;
    for (n, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        let mut rest = line;
        while let Some(i) = rest.find("](") {
            let after = &rest[i + 2..];
            let Some(end) = after.find(')') else { break };
            out.push((n + 1, after[..end].to_string()));
            rest = &after[end..];
        }
    }
    out
}

fn headings(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut fenced = false;
    let mut found = Vec::new();
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
        } else if !fenced && line.starts_with('#') {
            found.push(anchor(line));
        }
    }
    found
}

#[test]
fn every_relative_link_in_the_readme_and_docs_resolves() {
    let mut pages = vec![root().join("README.md")];
    let mut docs: Vec<PathBuf> =
        std::fs::read_dir(root().join("docs")).unwrap().map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|e| e == "md")).collect();
    docs.sort();
    assert!(docs.len() >= 5, "docs/ has {} pages", docs.len());
    pages.extend(docs);
    let mut broken = Vec::new();
    let mut checked = 0;
    for page in &pages {
        let text = std::fs::read_to_string(page).unwrap();
        for (line, target) in links(&text) {
            if target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            checked += 1;
            let (file, fragment) = target.split_once('#').map_or((target.as_str(), None), |(f, a)| (f, Some(a)));
            let path = if file.is_empty() { page.clone() } else { page.parent().unwrap().join(file) };
            if !path.exists() {
                broken.push(format!("{}:{line}: {target} (no such file)", page.display()));
            } else if let Some(fragment) = fragment
                && !headings(&path).iter().any(|h| h == fragment)
            {
                broken.push(format!("{}:{line}: {target} (no heading with that anchor)", page.display()));
            }
        }
    }
    assert!(checked >= 20, "only {checked} relative links found");
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

#[test]
fn the_readme_stays_short() {
    let lines = std::fs::read_to_string(root().join("README.md")).unwrap().lines().count();
    assert!(lines <= 250, "README.md has {lines} lines; move detail into docs/");
}

#[test]
fn anchors_follow_github() {
    assert_eq!(anchor("## Configure: `beckon.toml`"), "configure-beckontoml");
    assert_eq!(anchor("## Your own gestures: capture → train → deploy"), "your-own-gestures-capture--train--deploy");
    assert_eq!(links("see [a](docs/x.md#y) and [b](#z)\n```\n[c](nope)\n```"), vec![(1, "docs/x.md#y".to_string()), (1, "#z".to_string())]);
}
