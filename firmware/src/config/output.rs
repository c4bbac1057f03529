//! `[output]`: how `beckon run` reports gesture changes on standard output.

use serde::Deserialize;
use toml::Spanned;

/// How gesture changes are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EventFormat {
    /// A line of text each, among the other lines (the default).
    #[default]
    Lines,
    /// One JSON object per line ([`crate::events`]) and nothing else on stdout: for pipes.
    /// The other lines go to stderr.
    Json,
}

impl EventFormat {
    /// `"lines"` or `"json"`; the problem otherwise.
    pub fn parse(s: &str) -> std::result::Result<Self, String> {
        match s {
            "lines" => Ok(Self::Lines),
            "json" => Ok(Self::Json),
            other => Err(format!("{other:?}; expected \"lines\" or \"json\"")),
        }
    }
}

/// `[output]` as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputSection {
    /// `events = "json"`: see [`EventFormat`].
    pub events: Option<Spanned<String>>,
}

impl OutputSection {
    /// The event format, or where the bad value is and why.
    pub fn events(&self) -> std::result::Result<EventFormat, (std::ops::Range<usize>, String)> {
        match &self.events {
            None => Ok(EventFormat::default()),
            Some(v) => EventFormat::parse(v.get_ref()).map_err(|problem| (v.span(), problem)),
        }
    }
}
