//! Text that came from input (queue, agent and component names, event bytes, file names) as it
//! may appear in a log line: control characters escaped, so a name holding a newline cannot
//! forge a line of its own, and cut to a length, so one long name cannot make a long line.
//!
//! `\n`, `\r`, `\t` and `\\` are written as such escapes; every other control character (C0,
//! DEL, C1, among them ESC, which starts terminal sequences), the Unicode line and paragraph
//! separators and the bidirectional overrides and isolates are written `\u{XX}`. A cut text
//! ends with `…(N bytes)`, N its whole length.

use std::fmt;
use std::path::Path;

/// How many characters of a name a log line shows.
pub const NAME_CHARS: usize = 80;

/// Untrusted text, escaped and cut when displayed. See the module documentation.
#[derive(Debug, Clone, Copy)]
pub struct Untrusted<'a> {
    text: &'a str,
    max_chars: usize,
}

impl<'a> Untrusted<'a> {
    /// A name: shows at most [`NAME_CHARS`] characters.
    pub fn name(text: &'a str) -> Self {
        Self::cut(text, NAME_CHARS)
    }

    /// Shows at most `max_chars` characters.
    pub fn cut(text: &'a str, max_chars: usize) -> Self {
        Untrusted { text, max_chars }
    }

    /// Shows all of `text`, escaped: for what the log is the only copy of.
    pub fn whole(text: &'a str) -> Self {
        Self::cut(text, usize::MAX)
    }
}

/// A file name, escaped whole (a file a directory listing gave, such as a rotated log's, is
/// not ours to trust either).
pub fn path(path: &Path) -> impl fmt::Display + '_ {
    struct Shown<'p>(&'p Path);
    impl fmt::Display for Shown<'_> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            Untrusted::whole(&self.0.to_string_lossy()).fmt(f)
        }
    }
    Shown(path)
}

/// Whether `c` must not appear raw in a log line.
fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(c, '\\' | '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

impl fmt::Display for Untrusted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut start = 0;
        for (shown, (i, c)) in self.text.char_indices().enumerate() {
            if shown == self.max_chars {
                f.write_str(&self.text[start..i])?;
                return write!(f, "…({} bytes)", self.text.len());
            }
            if needs_escape(c) {
                f.write_str(&self.text[start..i])?;
                match c {
                    '\n' => f.write_str("\\n")?,
                    '\r' => f.write_str("\\r")?,
                    '\t' => f.write_str("\\t")?,
                    '\\' => f.write_str("\\\\")?,
                    _ => write!(f, "\\u{{{:x}}}", u32::from(c))?,
                }
                start = i + c.len_utf8();
            }
        }
        f.write_str(&self.text[start..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped_and_nothing_else_changes() {
        let shown =
            Untrusted::name("a\nERROR forged\r\t\x1b[31m\\ 名\u{2028}\u{202e}\x7f").to_string();
        assert_eq!(
            shown,
            "a\\nERROR forged\\r\\t\\u{1b}[31m\\\\ 名\\u{2028}\\u{202e}\\u{7f}"
        );
        assert!(!shown.chars().any(char::is_control));
        assert_eq!(Untrusted::name("sales").to_string(), "sales");
    }

    #[test]
    fn long_text_is_cut_with_its_length_and_whole_keeps_everything() {
        let long = "é".repeat(30_000);
        let shown = Untrusted::name(&long).to_string();
        assert_eq!(shown, format!("{}…(60000 bytes)", "é".repeat(80)));
        assert_eq!(Untrusted::name(&"x".repeat(80)).to_string(), "x".repeat(80));
        assert_eq!(Untrusted::whole(&long).to_string(), long);
    }
}
