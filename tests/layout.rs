//! The code layout keeps its promise: the concept folders of `src/` (and the infrastructure ones:
//! `http`, `jobs`, `audit`…) depend on each other without a circle, so a change to one concept
//! never has to follow a loop back into itself. The files at the top of `src/` (`lib.rs`,
//! `routes.rs`, `background.rs`…) assemble the application and may use every folder.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The folders a piece of code names through `crate::<folder>`, in paths and in `use crate::{…}`.
fn named_folders(code: &str, folders: &BTreeSet<String>) -> BTreeSet<String> {
    let code: String = code.lines().map(|l| l.split("//").next().unwrap_or("")).collect::<Vec<_>>().join("\n");
    let mut out = BTreeSet::new();
    let ident = |s: &str| s.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect::<String>();
    for (i, _) in code.match_indices("crate::") {
        let rest = &code[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let group = &group[..group.find('}').unwrap_or(group.len())];
            out.extend(group.split(',').map(|part| ident(part.trim())));
        } else {
            out.insert(ident(rest));
        }
    }
    out.retain(|f| folders.contains(f));
    out
}

fn folder_graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let folders: BTreeSet<String> = std::fs::read_dir(&src)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    let mut graph = BTreeMap::new();
    for folder in &folders {
        let mut files = Vec::new();
        rust_files(&src.join(folder), &mut files);
        let mut uses = BTreeSet::new();
        for file in files {
            uses.extend(named_folders(&std::fs::read_to_string(file).unwrap(), &folders));
        }
        uses.remove(folder);
        graph.insert(folder.clone(), uses);
    }
    graph
}

/// A circle through `start`, if there is one.
fn circle(graph: &BTreeMap<String, BTreeSet<String>>, start: &str) -> Option<Vec<String>> {
    fn walk(graph: &BTreeMap<String, BTreeSet<String>>, path: &mut Vec<String>, seen: &mut BTreeSet<String>) -> bool {
        let last = path.last().unwrap().clone();
        for next in &graph[&last] {
            if *next == path[0] {
                path.push(next.clone());
                return true;
            }
            if seen.insert(next.clone()) {
                path.push(next.clone());
                if walk(graph, path, seen) {
                    return true;
                }
                path.pop();
            }
        }
        false
    }
    let mut path = vec![start.to_string()];
    walk(graph, &mut path, &mut BTreeSet::new()).then_some(path)
}

#[test]
fn no_circle_between_the_folders_of_src() {
    let graph = folder_graph();
    assert!(graph.len() >= 10 && graph["subscriptions"].contains("grants"), "the graph was read: {graph:?}");
    for folder in graph.keys() {
        if let Some(circle) = circle(&graph, folder) {
            panic!("the folders of src/ depend on each other in a circle: {}", circle.join(" -> "));
        }
    }
}

#[test]
fn the_reader_finds_circles() {
    let folders: BTreeSet<String> = ["a", "b", "c"].map(String::from).into();
    assert_eq!(named_folders("use crate::{a::X, b};\nlet y = crate::c::f(); // crate::zzz", &folders), folders);
    let graph: BTreeMap<String, BTreeSet<String>> = [
        ("a".to_string(), BTreeSet::from(["b".to_string()])),
        ("b".to_string(), BTreeSet::from(["c".to_string()])),
        ("c".to_string(), BTreeSet::from(["a".to_string()])),
    ]
    .into();
    assert_eq!(circle(&graph, "a").unwrap(), ["a", "b", "c", "a"]);
    let mut acyclic = graph.clone();
    acyclic.get_mut("c").unwrap().clear();
    assert!(circle(&acyclic, "a").is_none());
}
