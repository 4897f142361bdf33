//! The agents' display names file (`http.agent_names`): the name the live agents view shows
//! for an agent id (`GET /api/v1/agents`, the wallboard's agents view). Optional: without it,
//! or for an id it does not name, the view shows the id.
//!
//! ```toml
//! [names]
//! "a7" = "王芳 Wang Fang"
//! "PJSIP/alice" = "Alice"
//! ```
//!
//! Validated like the configuration: unknown keys refused, every problem reported at once
//! with the id it belongs to and the bad value. A name is 1 to [`MAX_NAME_CHARS`] characters
//! with no control character; an id is what events carry (non-empty); at most
//! [`MAX_ENTRIES`] names.

use super::Problem;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// The longest display name, in characters.
pub const MAX_NAME_CHARS: usize = 64;

/// The most names a file holds (the agents a center has, many times over).
pub const MAX_ENTRIES: usize = 100_000;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    names: BTreeMap<String, String>,
}

/// Display names by agent id, validated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AgentNames {
    names: BTreeMap<String, String>,
}

impl AgentNames {
    /// Reads and validates the file at `path`.
    pub fn load(path: &Path) -> Result<AgentNames, Vec<Problem>> {
        AgentNames::parse(&super::read_file(path)?)
    }

    /// Parses and validates the text of a names file.
    pub fn parse(text: &str) -> Result<AgentNames, Vec<Problem>> {
        let raw: RawFile = super::toml_of(text)?;
        let mut problems = Vec::new();
        if raw.names.len() > MAX_ENTRIES {
            problems.push(Problem {
                key: "names".into(),
                message: format!(
                    "must hold at most {MAX_ENTRIES} names, got {}",
                    raw.names.len()
                ),
            });
        }
        let mut names = BTreeMap::new();
        for (id, name) in raw.names {
            let key = format!("names.{id:?}");
            let trimmed = name.trim();
            let chars = trimmed.chars().count();
            let why = if id.trim().is_empty() {
                Some("an agent id must not be empty".to_string())
            } else if chars == 0 || chars > MAX_NAME_CHARS {
                Some(format!(
                    "must be 1 to {MAX_NAME_CHARS} characters, got {chars}"
                ))
            } else if trimmed.chars().any(char::is_control) {
                Some(format!("must hold no control character, got {name:?}"))
            } else {
                None
            };
            match why {
                Some(message) => problems.push(Problem { key, message }),
                None => {
                    names.insert(id, trimmed.to_string());
                }
            }
        }
        if problems.is_empty() {
            Ok(AgentNames { names })
        } else {
            Err(problems)
        }
    }

    /// The display name of agent `id`, if the file names it.
    pub fn get(&self, id: &str) -> Option<&str> {
        self.names.get(id).map(String::as_str)
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_read_by_id_and_every_bad_entry_is_reported_at_once() {
        let ok = AgentNames::parse("[names]\n\"a7\" = \" 王芳 \"\n\"PJSIP/alice\" = \"Alice\"\n")
            .unwrap();
        assert_eq!(ok.get("a7"), Some("王芳"));
        assert_eq!(ok.get("PJSIP/alice"), Some("Alice"));
        assert_eq!(ok.get("a8"), None);
        let long = "名".repeat(MAX_NAME_CHARS + 1);
        let text = format!(
            "[names]\n\"\" = \"x\"\n\"a1\" = \"\"\n\"a2\" = \"{long}\"\n\"a3\" = \"a\\tb\"\n\"a4\" = \"{}\"\n",
            "名".repeat(MAX_NAME_CHARS)
        );
        let problems = AgentNames::parse(&text).unwrap_err();
        let keys: Vec<_> = problems.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(
            keys,
            ["names.\"\"", "names.\"a1\"", "names.\"a2\"", "names.\"a3\""]
        );
        assert!(problems[2].message.contains("got 65"), "{problems:?}");
    }

    #[test]
    fn unknown_keys_and_bad_syntax_are_refused() {
        let p = AgentNames::parse("[names]\na1 = \"A\"\n[extra]\nx = 1\n").unwrap_err();
        assert_eq!(p[0].key, "(syntax)");
        let p = AgentNames::parse("[names\n").unwrap_err();
        assert_eq!(p[0].key, "(syntax)");
        let p = AgentNames::parse("[names]\na1 = 7\n").unwrap_err();
        assert_eq!(p[0].key, "(syntax)");
    }
}
