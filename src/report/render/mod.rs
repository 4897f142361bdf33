//! The report's renderers. Markdown and HTML render one language-aware document
//! ([`doc::build`]); CSV and JSON render the model directly; [`svg`] draws the HTML's charts.

pub mod csv;
pub mod doc;
pub mod html;
pub mod json;
pub mod markdown;
pub mod svg;
