//! One bucket line in npm's format per remote index object, through
//! capcache's own line codec ([`capcache::index::Line`]): a line whose hash
//! does not match its JSON is refused, never misread. The remote index is
//! always npm's format whatever the local cache uses: the entry is
//! re-encoded on the way up and inserted through capcache's
//! `index::insert` on the way down.

use capcache::IndexFormat;

/// An index record as stored; `integrity: None` records a removal.
pub(crate) use capcache::index::Line as Entry;

/// Serializes `entry` as one bucket line, leading newline included.
pub(crate) fn encode(entry: &Entry) -> Vec<u8> {
    entry.encode(IndexFormat::Npm)
}

/// The last valid line of an object (an object holds one; a bucket file
/// copied up whole holds several and the last wins, as locally).
///
/// # Errors
///
/// A reason when no line verifies.
pub(crate) fn decode(object: &[u8]) -> Result<Entry, String> {
    Entry::decode(IndexFormat::Npm, object)
        .last()
        .ok_or_else(|| "no line whose hash matches its JSON".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> Entry {
        let mut entry = Entry::tombstone("k", 7);
        entry.integrity = Some("sha512-x".into());
        entry.size = Some(3);
        entry
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
