//! The process's limit of open file descriptors (`RLIMIT_NOFILE`): raised from its soft to
//! its hard value at start, so the HTTP connection cap can be as high as the system allows,
//! and read back so the cap keeps a reserve below it.

/// Raises the soft `RLIMIT_NOFILE` to the hard one (when it is lower) and returns the soft
/// limit in force afterwards; `None` where it cannot be read (then no cap is derived from it).
pub fn raise() -> Option<u64> {
    #[cfg(unix)]
    {
        use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
        let limit = getrlimit(Resource::Nofile);
        let Some(soft) = limit.current else {
            return None; // unlimited
        };
        let raised = match limit.maximum {
            Some(hard) if hard <= soft => return Some(soft),
            Some(hard) => hard,
            // An unlimited hard limit: Linux still caps at nr_open; ask for a generous value.
            None => 1 << 20,
        };
        match setrlimit(
            Resource::Nofile,
            Rlimit {
                current: Some(raised),
                maximum: limit.maximum,
            },
        ) {
            Ok(()) => {
                tracing::debug!(from = soft, to = raised, "raised the open-file limit");
                Some(raised)
            }
            Err(e) => {
                tracing::debug!(limit = soft, error = %e, "cannot raise the open-file limit");
                Some(soft)
            }
        }
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// The connection cap: `wanted`, lowered to leave `reserve` descriptors free below `limit`
/// (at least one connection).
pub fn connection_cap(wanted: usize, reserve: usize, limit: Option<u64>) -> usize {
    match limit {
        Some(limit) => {
            let room = usize::try_from(limit).unwrap_or(usize::MAX);
            wanted.min(room.saturating_sub(reserve)).max(1)
        }
        None => wanted,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_keeps_the_reserve_below_the_descriptor_limit() {
        assert_eq!(connection_cap(1_024, 128, Some(1_024)), 896);
        assert_eq!(connection_cap(1_024, 128, Some(65_536)), 1_024);
        assert_eq!(connection_cap(1_024, 128, None), 1_024);
        assert_eq!(connection_cap(1_024, 128, Some(100)), 1, "never zero");
    }

    #[test]
    fn raising_never_lowers_the_limit() {
        let before = rustix::process::getrlimit(rustix::process::Resource::Nofile).current;
        let after = raise();
        assert!(after >= before, "{before:?} -> {after:?}");
    }
}
