//! Opening the streaming readers and writers.

use super::{maybe, rt};
use crate::cache::IntoCache;
use crate::engine::content;
use crate::engine::index::bucket;
use crate::error::{Error, Result};
use crate::stream::{SyncReader, SyncWriter};
use crate::write_opts::WriteOpts;
use ssri::Integrity;

/// Starts a streaming write (`key` = `None`: content only).
#[maybe]
pub(crate) async fn open_writer<C: IntoCache>(
    cache: C,
    key: Option<String>,
    opts: WriteOpts,
) -> Result<rt::Writer> {
    let source = cache.into_source();
    let sync = rt::run(move || SyncWriter::start(source.open()?, key, opts)).await?;
    Ok(rt::writer(sync))
}

/// Opens a verifying streaming read of the value under `key`.
#[maybe]
pub(crate) async fn open_reader<C: IntoCache, K: AsRef<str>>(
    cache: C,
    key: K,
) -> Result<rt::Reader> {
    let (source, key) = (cache.into_source(), key.as_ref().to_owned());
    let sync = rt::run(move || {
        let Some(cache) = source.open_existing()? else {
            return Err(Error::EntryNotFound { key });
        };
        let entry = bucket::find_content(cache.store(), &key)?;
        SyncReader::start(&cache, entry.integrity)
    })
    .await?;
    Ok(rt::reader(sync))
}

/// Opens a verifying streaming read of the content `sri`.
#[maybe]
pub(crate) async fn open_hash_reader<C: IntoCache>(cache: C, sri: Integrity) -> Result<rt::Reader> {
    let source = cache.into_source();
    let sync = rt::run(move || match source.open_existing()? {
        Some(cache) => SyncReader::start(&cache, sri),
        None => Err(content::not_found(sri)),
    })
    .await?;
    Ok(rt::reader(sync))
}
