//! The wallboard file (`http.wallboard`): how this deployment's wall screens show what the
//! profile judges. Optional; without it the page colours by the profile's targets (and its
//! `[[colours.*]]` rules) and never flashes or sounds.
//!
//! ```toml
//! # Up to three rules per measure; they replace the profile's rules for that measure.
//! [[colours.service_level]]
//! below = 0.70
//! colour = "red"
//!
//! [[colours.waiting]]
//! at_least = 5
//! colour = "amber"
//!
//! # When an alert starts firing while the page is open.
//! [on_new_alert]
//! flash = true   # the banner and the queue's tile flash (steady under reduced motion)
//! sound = true   # a short tone, once the viewer said yes (the page asks once)
//! ```
//!
//! Validated like the configuration: unknown keys refused, every problem reported at once
//! with its key.

use crate::colours::{self, ColourRules, RawColours};
use crate::problem::Problem;
use serde::{Deserialize, Serialize};
use std::path::Path;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    colours: RawColours,
    #[serde(default)]
    on_new_alert: OnNewAlert,
}

/// What the page does when an alert starts firing while it is open: both off by default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct OnNewAlert {
    pub flash: bool,
    pub sound: bool,
}

/// The wallboard file, validated.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Wallboard {
    pub colours: ColourRules,
    pub on_new_alert: OnNewAlert,
}

impl Wallboard {
    /// Reads and validates the file at `path`.
    pub fn load(path: &Path) -> Result<Wallboard, Vec<Problem>> {
        Wallboard::parse(&super::read_file(path)?)
    }

    /// Parses and validates the text of a wallboard file.
    pub fn parse(text: &str) -> Result<Wallboard, Vec<Problem>> {
        let raw: RawFile = super::toml_of(text)?;
        let mut problems = Vec::new();
        let colours = colours::validate(raw.colours, "wallboard", &mut problems);
        if problems.is_empty() {
            Ok(Wallboard {
                colours,
                on_new_alert: raw.on_new_alert,
            })
        } else {
            Err(problems)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::colours::{Colour, Shown};

    #[test]
    fn flash_and_sound_are_off_unless_the_file_turns_them_on() {
        assert_eq!(Wallboard::parse("").unwrap(), Wallboard::default());
        assert_eq!(
            OnNewAlert::default(),
            OnNewAlert {
                flash: false,
                sound: false
            }
        );
        let w = Wallboard::parse("[on_new_alert]\nflash = true\n").unwrap();
        assert_eq!(
            w.on_new_alert,
            OnNewAlert {
                flash: true,
                sound: false
            }
        );
    }

    #[test]
    fn colour_rules_are_read_and_checked_with_their_keys() {
        let w = Wallboard::parse("[[colours.waiting]]\nat_least = 5\ncolour = \"red\"\n").unwrap();
        assert_eq!(w.colours.colour(Shown::Waiting, 5.0), Some(Colour::Red));
        assert_eq!(w.colours.0[&Shown::Waiting].source, "wallboard");
        let p =
            Wallboard::parse("[[colours.waiting]]\nat_least = 5\ncolour = \"pink\"\n").unwrap_err();
        assert_eq!(p[0].key, "colours.waiting[0].colour");
    }

    #[test]
    fn unknown_keys_and_bad_syntax_are_refused() {
        let p = Wallboard::parse("[on_new_alert]\nblink = true\n").unwrap_err();
        assert_eq!(p[0].key, "(syntax)");
        let p = Wallboard::parse("[[colours.waiting]]\nat_least = 5\ncolour = \"red\"\nsize = 2\n")
            .unwrap_err();
        assert_eq!(p[0].key, "(syntax)");
        let p = Wallboard::parse("[sounds]\n").unwrap_err();
        assert_eq!(p[0].key, "(syntax)");
    }
}
