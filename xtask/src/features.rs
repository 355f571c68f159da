//! The library's optional features and their subsets, the matrix's columns.

use std::fmt;

/// The library's optional features; the matrix tests every subset of them.
pub const FEATURES: [&str; 3] = ["async", "mmap", "link_to"];

/// Features tested once per target, with the default features, instead of
/// in every combination: each only adds trait impls for another ecosystem
/// (tokio's I/O traits on the async streams, miette's `Diagnostic` on the
/// error type) over code the matrix already covers.
pub const COMPANIONS: [&str; 2] = ["tokio", "miette"];

/// Whether `text` (as `--features` takes it) names exactly the [`COMPANIONS`].
pub fn names_companions(text: &str) -> bool {
    let mut names: Vec<&str> = text.split([',', ' ']).filter(|n| !n.is_empty()).collect();
    names.sort_unstable();
    names.dedup();
    let mut companions = COMPANIONS;
    companions.sort_unstable();
    names == companions
}

/// A subset of [`FEATURES`], as a bit mask over its indices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeatureSet(u8);

impl FeatureSet {
    /// All subsets, from none to all.
    pub fn all() -> impl Iterator<Item = FeatureSet> {
        (0..1u8 << FEATURES.len()).map(FeatureSet)
    }

    /// Parses a comma- or space-separated list; `""` and `none` are the empty set.
    pub fn parse(text: &str) -> Result<FeatureSet, String> {
        let mut bits = 0;
        for name in text
            .split([',', ' '])
            .filter(|n| !n.is_empty() && *n != "none")
        {
            let index = FEATURES.iter().position(|f| *f == name).ok_or_else(|| {
                format!("unknown feature `{name}` (known: {})", FEATURES.join(", "))
            })?;
            bits |= 1 << index;
        }
        Ok(FeatureSet(bits))
    }

    pub fn names(self) -> impl Iterator<Item = &'static str> {
        FEATURES
            .into_iter()
            .enumerate()
            .filter(move |(i, _)| self.0 & (1 << i) != 0)
            .map(|(_, f)| f)
    }

    /// Cargo arguments that build exactly this set.
    pub fn cargo_args(self) -> Vec<String> {
        let mut args = vec!["--no-default-features".to_owned()];
        if self.0 != 0 {
            args.extend([
                "--features".to_owned(),
                self.names().collect::<Vec<_>>().join(","),
            ]);
        }
        args
    }
}

impl fmt::Display for FeatureSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 == 0 {
            f.write_str("none")
        } else {
            f.write_str(&self.names().collect::<Vec<_>>().join(","))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feature_sets_cover_the_power_set() {
        let sets: Vec<String> = FeatureSet::all().map(|s| s.to_string()).collect();
        assert_eq!(
            sets,
            [
                "none",
                "async",
                "mmap",
                "async,mmap",
                "link_to",
                "async,link_to",
                "mmap,link_to",
                "async,mmap,link_to"
            ]
        );
    }

    #[test]
    fn feature_sets_parse_in_any_order() {
        assert_eq!(FeatureSet::parse("").unwrap(), FeatureSet(0));
        assert_eq!(FeatureSet::parse("none").unwrap(), FeatureSet(0));
        assert_eq!(
            FeatureSet::parse("link_to,async").unwrap().to_string(),
            "async,link_to"
        );
        assert_eq!(
            FeatureSet::parse("mmap async").unwrap().cargo_args(),
            ["--no-default-features", "--features", "async,mmap"]
        );
        assert_eq!(FeatureSet(0).cargo_args(), ["--no-default-features"]);
        assert!(FeatureSet::parse("tokio").is_err());
    }

    #[test]
    fn companions_are_named_together_in_any_order() {
        assert!(names_companions("tokio,miette"));
        assert!(names_companions("miette tokio"));
        assert!(!names_companions("tokio"));
        assert!(!names_companions("tokio,miette,async"));
        assert!(!names_companions(""));
    }
}
