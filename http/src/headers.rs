//! The JSON form of a `HeaderMap` in an entry's metadata: an object from
//! name to value, or to an array of values when the name repeats; a value
//! that is not UTF-8 is `{"base64": "..."}`. (`http-serde` drops such
//! values in human-readable formats, so it is not used here.)

use std::collections::BTreeMap;

use base64::Engine;
use http::header::{HeaderName, HeaderValue};
use http::HeaderMap;
use serde::de::Error as _;
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum Value {
    Text(String),
    Bytes { base64: String },
}

#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum OneOrMore {
    One(Value),
    More(Vec<Value>),
}

fn encode(value: &HeaderValue) -> Value {
    match value.to_str() {
        Ok(text) => Value::Text(text.to_owned()),
        Err(_) => Value::Bytes {
            base64: base64::engine::general_purpose::STANDARD.encode(value.as_bytes()),
        },
    }
}

fn decode<E: serde::de::Error>(value: Value) -> Result<HeaderValue, E> {
    let bytes = match value {
        Value::Text(text) => text.into_bytes(),
        Value::Bytes { base64 } => base64::engine::general_purpose::STANDARD
            .decode(base64)
            .map_err(E::custom)?,
    };
    HeaderValue::from_bytes(&bytes).map_err(E::custom)
}

pub(crate) fn serialize<S: Serializer>(headers: &HeaderMap, ser: S) -> Result<S::Ok, S::Error> {
    let mut map = ser.serialize_map(Some(headers.keys_len()))?;
    for name in headers.keys() {
        let mut values: Vec<Value> = headers.get_all(name).iter().map(encode).collect();
        let entry = match values.len() {
            1 => OneOrMore::One(values.remove(0)),
            _ => OneOrMore::More(values),
        };
        map.serialize_entry(name.as_str(), &entry)?;
    }
    map.end()
}

pub(crate) fn deserialize<'de, D: Deserializer<'de>>(de: D) -> Result<HeaderMap, D::Error> {
    let raw = BTreeMap::<String, OneOrMore>::deserialize(de)?;
    let mut headers = HeaderMap::with_capacity(raw.len());
    for (name, values) in raw {
        let name = HeaderName::from_bytes(name.as_bytes()).map_err(D::Error::custom)?;
        let values = match values {
            OneOrMore::One(value) => vec![value],
            OneOrMore::More(values) => values,
        };
        for value in values {
            headers.append(name.clone(), decode(value)?);
        }
    }
    Ok(headers)
}
