//! Reading the wallboard page a browser shows: a queue's tile, a measure's value and state,
//! the alert banner.

/// The tile of `queue` in the page's HTML (`""` is the center's).
pub(crate) fn tile<'a>(dom: &'a str, queue: &str) -> &'a str {
    let mark = format!(r#"data-queue="{queue}""#);
    let start = dom
        .match_indices("<section class=\"tile")
        .map(|(i, _)| i)
        .find(|&i| dom[i..].split('>').next().unwrap().contains(&mark))
        .unwrap_or_else(|| panic!("no tile for {queue:?} in:\n{dom}"));
    let end = dom[start..].find("</section>").unwrap() + start;
    &dom[start..end]
}

/// The value shown for `measure` in a tile.
pub(crate) fn shown(tile: &str, measure: &str) -> String {
    let mark = format!(r#"data-measure="{measure}""#);
    let at = tile
        .find(&mark)
        .unwrap_or_else(|| panic!("no {measure} in {tile}"));
    let rest = &tile[at..];
    let v = rest.find(r#"<span class="v">"#).unwrap() + r#"<span class="v">"#.len();
    rest[v..v + rest[v..].find('<').unwrap()].to_string()
}

pub(crate) fn state_of(tile: &str, measure: &str) -> String {
    let mark = format!(r#"data-measure="{measure}" data-state=""#);
    let at = tile
        .find(&mark)
        .unwrap_or_else(|| panic!("no {mark} in {tile}"))
        + mark.len();
    tile[at..at + tile[at..].find('"').unwrap()].to_string()
}

/// The first firing banner's HTML.
pub(crate) fn banner(dom: &str) -> &str {
    let at = dom
        .find(r#"class="banner firing""#)
        .unwrap_or_else(|| panic!("no banner:\n{dom}"));
    &dom[at..at + dom[at..].find("</div>").unwrap()]
}
