//! A tour of the API: `cargo run --example quickstart [CACHE_DIR]`.
//!
//! Writes, reads, lists and removes entries in a cache directory (a fresh
//! temp dir unless one is given), with the blocking API and, when the
//! `async` feature is on, the async one.

use capcache::{Cache, WriteOpts};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let tmp = tempfile::tempdir()?;
    let dir = std::env::args_os()
        .nth(1)
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| tmp.path().join("cache"));
    let cache = Cache::open(&dir)?;
    println!(
        "cache at {} ({:?} format)",
        dir.display(),
        cache.index_format()?
    );

    let sri = cache.write_sync("greeting", b"hello, world")?;
    println!("wrote greeting -> {sri}");
    let data = cache.read_sync("greeting")?;
    println!("read greeting <- {:?}", String::from_utf8_lossy(&data));

    let opts = WriteOpts::new().metadata(serde_json::json!({ "etag": "v1" }));
    cache.write_with_opts_sync("with-metadata", b"{}", opts)?;

    #[cfg(feature = "async")]
    smol::block_on(async {
        cache.write("async-key", b"written from async").await?;
        let data = cache.read("async-key").await?;
        println!("async read <- {:?}", String::from_utf8_lossy(&data));
        Ok::<_, capcache::Error>(())
    })?;

    println!("entries:");
    for entry in cache.list_sync() {
        let entry = entry?;
        println!(
            "  {:<16} {:>4} bytes  {}",
            entry.key, entry.size, entry.metadata
        );
    }

    cache.remove_sync("greeting")?;
    match cache.read_sync("greeting") {
        Err(err) => println!("after remove: {err}"),
        Ok(_) => unreachable!("removed entries are not readable"),
    }
    // Content stays until it is no longer referenced and reclaimed.
    println!("content still stored: {}", cache.exists_sync(&sri));
    Ok(())
}
