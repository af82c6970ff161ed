//! The settings the deployment files give the service (Dockerfile, docker-compose.yml, the
//! CloudFormation stacks) are settings it reads, and every setting it reads is documented in the
//! README: a renamed or new variable cannot leave a stack setting something nobody reads, or a
//! user without its documentation.

use std::collections::BTreeSet;
use std::path::Path;

fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// `MESHGOV_…` names in `text` (a name is upper case letters, digits and underscores).
fn names(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = text;
    while let Some(at) = rest.find("MESHGOV_") {
        let name: String = rest[at..].chars().take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_').collect();
        rest = &rest[at + name.len()..];
        out.insert(name.trim_end_matches('_').to_string());
    }
    out
}

/// Every `"MESHGOV_…"` string literal of the service's sources: the variables it reads.
fn read_by_the_service() -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut dirs = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                out.extend(names(&text).into_iter().filter(|n| text.contains(&format!("\"{n}\""))));
            }
        }
    }
    out
}

#[test]
fn deployment_files_set_only_what_the_service_reads_and_the_readme_documents_it_all() {
    let service = read_by_the_service();
    assert!(service.contains("MESHGOV_DATABASE_SECRET_ARN") && service.len() > 30, "{service:?}");
    let readme = read("README.md");
    for file in ["Dockerfile", "docker-compose.yml", "deploy/cloudformation/governance.yaml", "deploy/cloudformation/producer.yaml", "deploy/cloudformation/consumer.yaml"] {
        for name in names(&read(file)) {
            assert!(service.contains(&name), "{file} sets {name}, which meshgov does not read");
        }
    }
    for name in &service {
        assert!(readme.contains(&format!("`{name}`")), "meshgov reads {name}, which the README does not document");
    }
}
