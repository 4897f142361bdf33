//! The access tokens file (`http.tokens_file`): who may read what over HTTP. Each
//! `[[token]]` names a caller, holds the SHA-256 of its bearer token (never the token), its
//! scopes (`read`, `pii`, `admin`) and optionally the queues it is limited to.
//!
//! ```toml
//! [[token]]
//! name = "prometheus"
//! sha256 = "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8"
//! scopes = ["read"]
//!
//! [[token]]
//! name = "supervisor-sales"
//! sha256 = "…"
//! scopes = ["read"]
//! queues = ["sales", "sales-vip"]
//! ```
//!
//! The file is validated like the configuration: unknown keys refused, every problem reported
//! at once with the token it belongs to and the bad value.

use super::Problem;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::path::Path;

/// The file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    token: Vec<RawToken>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawToken {
    #[serde(default)]
    name: String,
    #[serde(default)]
    sha256: String,
    #[serde(default)]
    scopes: Vec<String>,
    queues: Option<Vec<String>>,
}

/// What a token may do. `admin` grants everything the others do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TokenScope {
    /// KPIs, intervals, the board and its stream, alerts, outages, `/metrics`.
    Read,
    /// `/api/v1/rejected`: raw rejected input, caller numbers included.
    Pii,
    /// Everything.
    Admin,
}

impl TokenScope {
    pub const ALL: [TokenScope; 3] = [TokenScope::Read, TokenScope::Pii, TokenScope::Admin];

    pub fn name(self) -> &'static str {
        match self {
            TokenScope::Read => "read",
            TokenScope::Pii => "pii",
            TokenScope::Admin => "admin",
        }
    }

    fn parse(text: &str) -> Option<TokenScope> {
        TokenScope::ALL.into_iter().find(|s| s.name() == text)
    }
}

/// One valid token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub name: String,
    /// SHA-256 of the bearer token.
    pub sha256: [u8; 32],
    pub scopes: BTreeSet<TokenScope>,
    /// The only queues it sees; `None`: every queue (and the center totals).
    pub queues: Option<BTreeSet<String>>,
}

impl Token {
    /// Whether the token grants `scope` (`admin` grants all).
    pub fn grants(&self, scope: TokenScope) -> bool {
        self.scopes.contains(&scope) || self.scopes.contains(&TokenScope::Admin)
    }
}

/// Every token of a tokens file, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tokens {
    pub tokens: Vec<Token>,
}

/// The SHA-256 of `token` as 64 lowercase hexadecimal digits: what `sha256` holds.
pub fn sha256_hex(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn parse_hex(text: &str) -> Option<[u8; 32]> {
    let bytes = text.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, pair) in bytes.chunks(2).enumerate() {
        let digit = |c: u8| (c as char).to_digit(16);
        out[i] = (digit(pair[0])? * 16 + digit(pair[1])?) as u8;
    }
    Some(out)
}

impl Tokens {
    /// Reads and validates the tokens file at `path`; the problems name it.
    pub fn load(path: &Path) -> Result<Tokens, Vec<Problem>> {
        Tokens::parse(&super::read_file(path)?)
    }

    /// Parses and validates the text of a tokens file.
    pub fn parse(text: &str) -> Result<Tokens, Vec<Problem>> {
        let raw: RawFile = super::toml_of(text)?;
        let mut problems = Vec::new();
        let mut problem = |key: String, message: String| problems.push(Problem { key, message });
        if raw.token.is_empty() {
            problem(
                "token".into(),
                "the file names no [[token]]: every request would be refused".into(),
            );
        }
        let mut names = BTreeSet::new();
        let mut hashes = BTreeSet::new();
        let mut tokens = Vec::new();
        for (i, t) in raw.token.iter().enumerate() {
            let key = |field: &str| format!("token[{}].{field}", i + 1);
            let name = t.name.trim();
            if name.is_empty() {
                problem(key("name"), "must not be empty".into());
            } else if !names.insert(name) {
                problem(
                    key("name"),
                    format!("names another token too, got {name:?}"),
                );
            }
            let sha256 = parse_hex(t.sha256.trim());
            match sha256 {
                None => problem(
                    key("sha256"),
                    format!(
                        "must be 64 hexadecimal digits, the SHA-256 of the token (never the token itself), got {} characters",
                        t.sha256.trim().chars().count()
                    ),
                ),
                Some(h) if !hashes.insert(h) => problem(
                    key("sha256"),
                    format!("is the hash of another token too, got {:?}", t.sha256.trim()),
                ),
                Some(_) => {}
            }
            let mut scopes = BTreeSet::new();
            if t.scopes.is_empty() {
                problem(
                    key("scopes"),
                    "needs at least one of \"read\", \"pii\", \"admin\"".into(),
                );
            }
            for s in &t.scopes {
                match TokenScope::parse(s.trim()) {
                    Some(scope) => {
                        scopes.insert(scope);
                    }
                    None => problem(
                        key("scopes"),
                        format!("must be \"read\", \"pii\" or \"admin\", got {s:?}"),
                    ),
                }
            }
            let queues = t.queues.as_ref().map(|qs| {
                if qs.is_empty() {
                    problem(
                        key("queues"),
                        "must name at least one queue (leave it out for every queue)".into(),
                    );
                }
                for q in qs.iter().filter(|q| q.trim().is_empty()) {
                    problem(key("queues"), format!("holds an empty name, got {q:?}"));
                }
                qs.iter().map(|q| q.trim().to_string()).collect()
            });
            if let Some(sha256) = sha256 {
                tokens.push(Token {
                    name: name.to_string(),
                    sha256,
                    scopes,
                    queues,
                });
            }
        }
        if problems.is_empty() {
            Ok(Tokens { tokens })
        } else {
            Err(problems)
        }
    }

    /// The token whose hash is the hash of `presented`. Every token's hash is compared in
    /// full, in constant time, whatever matches.
    pub fn find(&self, presented: &str) -> Option<&Token> {
        let hash: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
        let mut found = None;
        for t in &self.tokens {
            if constant_time_eq(&t.sha256, &hash) {
                found = Some(t);
            }
        }
        found
    }
}

/// `a == b`, in a time that does not depend on where they differ.
fn constant_time_eq(a: &[u8; 32], b: &[u8; 32]) -> bool {
    let diff = a
        .iter()
        .zip(b)
        .fold(0u8, |acc, (x, y)| acc | std::hint::black_box(x ^ y));
    std::hint::black_box(diff) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_valid_file_gives_its_tokens_and_finds_one_by_its_secret() {
        let text = format!(
            "[[token]]\nname = \"prom\"\nsha256 = \"{}\"\nscopes = [\"read\"]\n\n\
             [[token]]\nname = \"sup\"\nsha256 = \"{}\"\nscopes = [\"read\", \"pii\"]\nqueues = [\"q1\"]\n",
            sha256_hex("s3cret-prom"),
            sha256_hex("s3cret-sup").to_uppercase(),
        );
        let tokens = Tokens::parse(&text).unwrap();
        assert_eq!(tokens.tokens.len(), 2);
        assert_eq!(tokens.find("s3cret-prom").unwrap().name, "prom");
        let sup = tokens.find("s3cret-sup").unwrap();
        assert!(sup.grants(TokenScope::Pii) && !sup.grants(TokenScope::Admin));
        assert_eq!(sup.queues, Some(BTreeSet::from(["q1".to_string()])));
        assert!(tokens.find("s3cret").is_none());
        assert!(
            tokens.find(&sha256_hex("s3cret-prom")).is_none(),
            "the hash is no token"
        );
    }

    #[test]
    fn every_problem_of_every_token_is_reported_at_once() {
        let text = format!(
            "[[token]]\nname = \"\"\nsha256 = \"abc\"\nscopes = []\n\n\
             [[token]]\nname = \"a\"\nsha256 = \"{h}\"\nscopes = [\"write\"]\nqueues = []\n\n\
             [[token]]\nname = \"a\"\nsha256 = \"{h}\"\nscopes = [\"read\"]\nqueues = [\" \"]\n",
            h = sha256_hex("x"),
        );
        let problems = Tokens::parse(&text).unwrap_err();
        let keys: Vec<&str> = problems.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "token[1].name",
                "token[1].sha256",
                "token[1].scopes",
                "token[2].scopes",
                "token[2].queues",
                "token[3].name",
                "token[3].sha256",
                "token[3].queues",
            ],
            "{problems:?}"
        );
        assert!(problems[3].message.contains("\"write\""), "{problems:?}");
        assert!(problems
            .iter()
            .all(|p| p.message.chars().next().unwrap().is_lowercase()));
    }

    #[test]
    fn unknown_keys_and_an_empty_file_are_refused() {
        let e = Tokens::parse("[[token]]\nname = \"a\"\ntoken = \"plain\"\n").unwrap_err();
        assert!(e[0].message.contains("unknown field `token`"), "{e:?}");
        let e = Tokens::parse("").unwrap_err();
        assert_eq!(e[0].key, "token");
    }
}
