//! One index line: `"\n" + hash(json) + "\t" + json`.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::format::IndexFormat;

/// An index record as stored. Optional fields are optional on read because
/// npm omits `metadata` when there is none and older writers omit `size`.
/// On write every field cacache-rs requires is present, so both
/// implementations can read what we write.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct RawEntry {
    pub(crate) key: String,
    /// `None` records a deletion (a tombstone).
    pub(crate) integrity: Option<String>,
    #[serde(default)]
    pub(crate) time: u128,
    #[serde(default)]
    pub(crate) size: Option<u64>,
    #[serde(default)]
    pub(crate) metadata: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) raw_metadata: Option<Vec<u8>>,
}

impl RawEntry {
    /// The content path (under `content-v2`) a live entry points at; `None`
    /// for a tombstone or an integrity that cannot name content.
    pub(crate) fn content_path(&self) -> Option<std::path::PathBuf> {
        let sri: ssri::Integrity = self.integrity.as_deref()?.parse().ok()?;
        crate::engine::content::content_path(&sri).ok()
    }
}

/// cacache-rs's line: every field, `"raw_metadata":null` included, so that
/// a bucket we write in its format holds the bytes it would have written.
#[derive(Serialize)]
struct AllFields<'a> {
    key: &'a str,
    integrity: Option<&'a str>,
    time: u128,
    size: Option<u64>,
    metadata: &'a Value,
    raw_metadata: Option<&'a [u8]>,
}

/// Serializes `entry` as one appendable line, leading newline included.
pub(crate) fn encode(format: IndexFormat, entry: &RawEntry) -> Vec<u8> {
    // Serializing these plain fields cannot fail (string keys, finite numbers).
    let json = match format {
        IndexFormat::Npm => serde_json::to_vec(entry),
        IndexFormat::CacacheRs => serde_json::to_vec(&AllFields {
            key: &entry.key,
            integrity: entry.integrity.as_deref(),
            time: entry.time,
            size: entry.size,
            metadata: &entry.metadata,
            raw_metadata: entry.raw_metadata.as_deref(),
        }),
    }
    .unwrap_or_default();
    let hash = format.line_hash(&json);
    let mut line = Vec::with_capacity(json.len() + hash.len() + 2);
    line.push(b'\n');
    line.extend_from_slice(hash.as_bytes());
    line.push(b'\t');
    line.extend_from_slice(&json);
    line
}

/// Parses every valid line of a bucket, in file order.
///
/// A line is skipped, never misread, when its hash does not match its JSON
/// (a torn or garbled append), when it is not UTF-8 or not an entry; later
/// lines are still read.
pub(crate) fn decode(format: IndexFormat, bucket: &[u8]) -> impl Iterator<Item = RawEntry> + '_ {
    bucket
        .split(|&b| b == b'\n')
        .filter_map(move |line| decode_line(format, line))
}

/// The last valid entry for `key` in a bucket (a tombstone included).
///
/// Scans from the end, so a read costs one line however long the bucket
/// has grown, as long as its last line is for this key.
pub(crate) fn latest_for(format: IndexFormat, bucket: &[u8], key: &str) -> Option<RawEntry> {
    bucket
        .rsplit(|&b| b == b'\n')
        .filter_map(|line| decode_line(format, line))
        .find(|entry| entry.key == key)
}

/// The latest entry of each key in a bucket (tombstones included), in the
/// order of those latest lines.
pub(crate) fn latest_per_key(format: IndexFormat, bucket: &[u8]) -> Vec<RawEntry> {
    let mut latest: HashMap<String, (usize, RawEntry)> = HashMap::new();
    for (i, entry) in decode(format, bucket).enumerate() {
        latest.insert(entry.key.clone(), (i, entry));
    }
    let mut entries: Vec<_> = latest.into_values().collect();
    entries.sort_by_key(|(i, _)| *i);
    entries.into_iter().map(|(_, e)| e).collect()
}

fn decode_line(format: IndexFormat, line: &[u8]) -> Option<RawEntry> {
    let tab = line.iter().position(|&b| b == b'\t')?;
    let (hash, json) = (&line[..tab], &line[tab + 1..]);
    if !format.line_hash_is(json, hash) {
        return None;
    }
    let mut entry: RawEntry = serde_json::from_slice(json).ok()?;
    // npm treats any falsy integrity as a deletion, "" included.
    if entry.integrity.as_deref() == Some("") {
        entry.integrity = None;
    }
    Some(entry)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(key: &str) -> RawEntry {
        RawEntry {
            key: key.into(),
            integrity: Some("sha512-x".into()),
            time: 1,
            size: Some(2),
            metadata: Value::Null,
            raw_metadata: None,
        }
    }

    #[test]
    fn garbage_and_torn_lines_are_skipped_without_hiding_later_ones() {
        let f = IndexFormat::Npm;
        let mut bucket = encode(f, &entry("a"));
        bucket.extend_from_slice(b"\n\xff\xfe not utf8\tjunk");
        let torn = encode(f, &entry("b"));
        bucket.extend_from_slice(&torn[..torn.len() / 2]);
        bucket.extend_from_slice(&encode(f, &entry("c")));
        let keys: Vec<_> = decode(f, &bucket).map(|e| e.key).collect();
        assert_eq!(keys, ["a", "c"]);
    }

    #[test]
    fn cacache_rs_lines_spell_every_field() {
        let line = encode(IndexFormat::CacacheRs, &entry("a"));
        let json = std::str::from_utf8(&line)
            .unwrap()
            .split('\t')
            .nth(1)
            .unwrap();
        assert_eq!(
            json,
            r#"{"key":"a","integrity":"sha512-x","time":1,"size":2,"metadata":null,"raw_metadata":null}"#
        );
        let npm = encode(IndexFormat::Npm, &entry("a"));
        assert!(!std::str::from_utf8(&npm).unwrap().contains("raw_metadata"));
        assert_eq!(
            decode(IndexFormat::CacacheRs, &line).next(),
            Some(entry("a"))
        );
    }

    #[test]
    fn a_line_checked_with_the_other_format_is_rejected() {
        let line = encode(IndexFormat::CacacheRs, &entry("a"));
        assert_eq!(decode(IndexFormat::Npm, &line).count(), 0);
        assert_eq!(decode(IndexFormat::CacacheRs, &line).count(), 1);
    }
}
