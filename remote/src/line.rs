//! One bucket line in npm's format, as a remote index object holds it:
//! `"\n" + hex(sha1(json)) + "\t" + json`.
//!
//! capcache keeps its line codec private, so this is the same small check
//! (a line whose hash does not match its JSON is refused, never misread).
//! The remote index is always npm's format whatever the local cache uses:
//! the entry is re-encoded on the way up and inserted through capcache's
//! `index::insert` on the way down.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha1::{Digest, Sha1};

/// An index record as stored. Optional fields are optional on read, as
/// npm omits `metadata` and older writers omit `size`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Entry {
    pub(crate) key: String,
    /// `None` records a removal (a tombstone).
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

impl Entry {
    /// The entry recording `meta` (a live local entry).
    pub(crate) fn live(meta: &capcache::Metadata) -> Entry {
        Entry {
            key: meta.key.clone(),
            integrity: Some(meta.integrity.to_string()),
            time: meta.time,
            size: Some(meta.size as u64),
            metadata: meta.metadata.clone(),
            raw_metadata: meta.raw_metadata.clone(),
        }
    }

    /// A tombstone for `key` at `time`.
    pub(crate) fn tombstone(key: &str, time: u128) -> Entry {
        Entry {
            key: key.to_owned(),
            integrity: None,
            time,
            size: None,
            metadata: Value::Null,
            raw_metadata: None,
        }
    }
}

/// Serializes `entry` as one bucket line, leading newline included.
pub(crate) fn encode(entry: &Entry) -> Vec<u8> {
    // Plain fields with string keys: serializing cannot fail.
    let json = serde_json::to_vec(entry).unwrap_or_default();
    let hash = hex::encode(Sha1::digest(&json));
    let mut line = Vec::with_capacity(json.len() + hash.len() + 2);
    line.push(b'\n');
    line.extend_from_slice(hash.as_bytes());
    line.push(b'\t');
    line.extend_from_slice(&json);
    line
}

/// The last valid line of an object (an object holds one; a bucket file
/// copied up whole holds several and the last wins, as locally).
///
/// # Errors
///
/// A reason when no line verifies.
pub(crate) fn decode(object: &[u8]) -> Result<Entry, String> {
    object
        .rsplit(|&b| b == b'\n')
        .filter(|line| !line.is_empty())
        .find_map(decode_line)
        .ok_or_else(|| "no line whose hash matches its JSON".to_owned())
}

fn decode_line(line: &[u8]) -> Option<Entry> {
    let tab = line.iter().position(|&b| b == b'\t')?;
    let (hash, json) = (&line[..tab], &line[tab + 1..]);
    if hash != hex::encode(Sha1::digest(json)).as_bytes() {
        return None;
    }
    let mut entry: Entry = serde_json::from_slice(json).ok()?;
    // npm treats any falsy integrity as a removal, "" included.
    if entry.integrity.as_deref() == Some("") {
        entry.integrity = None;
    }
    Some(entry)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> Entry {
        Entry {
            key: "k".into(),
            integrity: Some("sha512-x".into()),
            time: 7,
            size: Some(3),
            metadata: Value::Null,
            raw_metadata: None,
        }
    }

    #[test]
    fn a_line_round_trips() {
        assert_eq!(decode(&encode(&entry())), Ok(entry()));
    }

    #[test]
    fn a_truncated_or_altered_line_is_refused() {
        let line = encode(&entry());
        assert!(decode(&line[..line.len() - 1]).is_err());
        let mut altered = line.clone();
        let last = altered.len() - 3;
        altered[last] ^= 1;
        assert_eq!(
            decode(&altered),
            Err("no line whose hash matches its JSON".to_owned())
        );
    }

    #[test]
    fn an_empty_integrity_is_a_tombstone() {
        let mut e = entry();
        e.integrity = Some(String::new());
        assert_eq!(decode(&encode(&e)).map(|e| e.integrity), Ok(None));
    }

    #[test]
    fn the_line_is_what_npm_appends() {
        let line = encode(&Entry::tombstone("a", 1));
        let text = String::from_utf8(line).unwrap();
        assert!(text.starts_with('\n'));
        let (hash, json) = text[1..].split_once('\t').unwrap();
        assert_eq!(hash.len(), 40);
        assert_eq!(
            json,
            r#"{"key":"a","integrity":null,"time":1,"size":null,"metadata":null}"#
        );
    }
}
