//! `callpulse token hash`: the `sha256 = "…"` line of a tokens file for the token on stdin.

use super::Failure;

/// Prints the line for the token read on stdin (one trailing newline, or CR LF, ignored);
/// an empty token is a usage error (exit 2).
pub fn hash() -> Result<(), Failure> {
    let mut text = String::new();
    std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
        .map_err(|e| Failure::runtime(format_args!("cannot read the token on stdin: {e}")))?;
    let token = text
        .strip_suffix('\n')
        .map(|t| t.strip_suffix('\r').unwrap_or(t))
        .unwrap_or(&text);
    if token.trim().is_empty() {
        return Err(Failure::Usage("no token on stdin".into()));
    }
    println!("sha256 = \"{}\"", callpulse::config::sha256_hex(token));
    Ok(())
}
