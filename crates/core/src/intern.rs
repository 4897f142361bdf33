//! `&'static str` from a string read back (a restored checkpoint): reasons, fields and causes
//! are `&'static str` in the engine, and a process meets only a handful of distinct ones, so
//! each distinct string is leaked once and shared after.

use std::collections::BTreeSet;
use std::sync::Mutex;

static INTERNED: Mutex<BTreeSet<&'static str>> = Mutex::new(BTreeSet::new());

/// The one `&'static str` equal to `s`.
pub fn intern(s: &str) -> &'static str {
    let mut set = INTERNED.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(found) = set.get(s) {
        return found;
    }
    let leaked: &'static str = Box::leak(s.to_owned().into_boxed_str());
    set.insert(leaked);
    leaked
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_strings_share_one_static() {
        let a = intern(&String::from("queue"));
        let b = intern("queue");
        assert_eq!(a, "queue");
        assert!(std::ptr::eq(a, b));
    }
}
