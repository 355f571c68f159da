//! The `capcache` binary end to end on temporary caches: outputs, exit
//! statuses and what is (not) left on disk.

// These tests spawn the native binary (and npm, wasmtime): nothing to run
// when the test crate itself is built for wasm.
#![cfg(not(target_family = "wasm"))]

mod common;

use std::path::Path;

use capcache_test_support::env::now_ms;
use capcache_test_support::format::{bucket_path, index_line, Index};
use capcache_test_support::fs::plant;
use common::{capcache, files_under, only_content_file};
use serde_json::Value;

/// `put KEY` from stdin into `cache`; returns the printed integrity.
fn put(cache: &Path, key: &str, data: &[u8]) -> String {
    let run = cmd!("put", "--cache", cache, key)
        .stdin(data.to_vec())
        .run();
    run.ok();
    let sri = run.stdout_str();
    assert!(sri.ends_with('\n'), "{sri:?}");
    sri.trim_end().to_owned()
}

fn json_lines(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|line| serde_json::from_str(line).expect("each line is one JSON object"))
        .collect()
}

#[test]
fn put_a_file_and_get_it_back() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let input = tmp.path().join("input.bin");
    let data: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(&input, &data).unwrap();

    let run = cmd!("put", "--cache", &cache, "big", &input).run();
    run.ok();
    let sri = run.stdout_str().trim_end().to_owned();
    assert!(sri.starts_with("sha512-"), "{sri}");
    // The library agrees on what was stored.
    assert_eq!(capcache::read_sync(&cache, "big").unwrap(), data);

    let got = cmd!("get", "-C", &cache, "big").run();
    got.ok();
    assert_eq!(got.stdout, data);

    let out = tmp.path().join("out.bin");
    cmd!("get", "-C", &cache, "big", "-o", &out).run().ok();
    assert_eq!(std::fs::read(&out).unwrap(), data);
}

#[test]
fn put_reads_stdin_without_a_file_or_with_dash() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path();
    let sri = put(cache, "implicit", b"from stdin");
    cmd!("put", "-C", &cache, "dash", "-")
        .stdin(&b"from stdin"[..])
        .run()
        .ok();
    for key in ["implicit", "dash"] {
        assert_eq!(capcache::read_sync(cache, key).unwrap(), b"from stdin");
        let meta = capcache::metadata_sync(cache, key).unwrap().unwrap();
        assert_eq!(meta.integrity.to_string(), sri);
        assert_eq!(meta.size, 10);
    }
}

#[test]
fn put_takes_an_algorithm_and_metadata() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path();
    let run = cmd!(
        "put",
        "k",
        "--algorithm",
        "sha256",
        "--metadata",
        r#"{"etag":"x"}"#
    )
    .env("CAPCACHE_DIR", cache)
    .stdin(&b"v"[..])
    .run();
    run.ok();
    assert!(run.stdout_str().starts_with("sha256-"));
    let meta = capcache::metadata_sync(cache, "k").unwrap().unwrap();
    assert_eq!(meta.metadata, serde_json::json!({"etag": "x"}));
}

#[test]
fn put_of_a_missing_file_fails_and_creates_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let missing = tmp.path().join("missing.bin");
    let run = cmd!("put", "-C", &cache, "k", &missing).run();
    run.expect_code(1);
    assert!(
        run.stderr.starts_with("capcache: opening "),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("missing.bin"), "{}", run.stderr);
    assert!(!cache.exists());
}

#[test]
fn get_by_hash() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path();
    let sri = put(cache, "k", b"content by hash");
    let run = cmd!("get", "--hash", &sri, "-C", &cache).run();
    run.ok();
    assert_eq!(run.stdout, b"content by hash");

    // Well-formed but absent content is "not found".
    let absent = capcache::Integrity::from(b"never stored").to_string();
    let run = cmd!("get", "--hash", &absent, "-C", &cache).run();
    run.expect_code(3);
    assert!(run.stderr.contains("no cached content"), "{}", run.stderr);
}

#[test]
fn rm_then_get_is_not_found() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path();
    put(cache, "k", b"v");
    let dir = cache.as_os_str();
    cmd!("rm", "-C", dir, "k").run().ok();

    let run = cmd!("get", "-C", dir, "k").run();
    run.expect_code(3);
    assert_eq!(run.stderr, "capcache: no cache entry for key \"k\"\n");
    assert!(run.stdout.is_empty());

    // Removing it again: not found, unless --force.
    cmd!("rm", "-C", dir, "k").run().expect_code(3);
    cmd!("rm", "-C", dir, "k", "--force").run().ok();
    // The content stays until verify or gc reclaims it.
    assert_eq!(files_under(&cache.join("content-v2")).len(), 1);
}

#[test]
fn ls_lists_sorted_entries_as_text_and_json() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path();
    let before = now_ms();
    let sri_b = put(cache, "b-key", b"bee");
    let sri_a = put(cache, "a-key", b"a");
    cmd!("put", "-C", &cache, "c-key", "--metadata", "[1,2]")
        .stdin(&b"sea!"[..])
        .run()
        .ok();

    let run = cmd!("ls", &cache).run();
    run.ok();
    assert_eq!(run.stderr, "");
    let text = run.stdout_str();
    let rows: Vec<Vec<&str>> = text.lines().map(|l| l.split('\t').collect()).collect();
    assert_eq!(rows.len(), 3, "{text}");
    assert_eq!(rows[0][0..2], ["a-key", "1"]);
    assert_eq!(rows[0][3], sri_a);
    assert_eq!(rows[1][0..2], ["b-key", "3"]);
    assert_eq!(rows[1][3], sri_b);
    assert_eq!(rows[2][0..2], ["c-key", "4"]);
    // RFC 3339 UTC with milliseconds.
    let time = rows[0][2];
    assert!(
        time.len() == 24 && time.ends_with('Z') && time.contains('T'),
        "{time}"
    );

    let run = cmd!("ls", "--json", &cache).run();
    run.ok();
    let entries = json_lines(&run.stdout_str());
    let keys: Vec<&str> = entries.iter().map(|e| e["key"].as_str().unwrap()).collect();
    assert_eq!(keys, ["a-key", "b-key", "c-key"]);
    assert_eq!(entries[1]["integrity"], sri_b.as_str());
    assert_eq!(entries[1]["size"], 3);
    assert_eq!(entries[1]["metadata"], Value::Null);
    assert_eq!(entries[2]["metadata"], serde_json::json!([1, 2]));
    let time = entries[0]["time"].as_u64().unwrap() as u128;
    assert!(time >= before && time <= now_ms(), "{time}");
}

#[test]
fn ls_reports_an_unreadable_entry_and_lists_the_rest() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path();
    put(cache, "good", b"fine");
    // A well-formed npm index line (right bucket, right line hash) whose
    // integrity is garbage: the library yields it as an error.
    let key = "broken";
    let json = format!(r#"{{"key":"{key}","integrity":"garbage","time":1,"size":1}}"#);
    plant(
        &bucket_path(cache, Index::Npm, key),
        index_line(Index::Npm, &json).as_bytes(),
    );

    let run = cmd!("ls", &cache).run();
    run.expect_code(1);
    assert!(
        run.stdout_str().starts_with("good\t4\t"),
        "{}",
        run.stdout_str()
    );
    assert!(run.stderr.contains("\"broken\""), "{}", run.stderr);
    assert!(
        run.stderr
            .ends_with("capcache: 1 entries could not be read\n"),
        "{}",
        run.stderr
    );
}

#[test]
fn ls_into_a_closed_pipe_ends_quietly() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path();
    // More output than a pipe buffers (64 KiB on Linux), so the tool must
    // meet the closed pipe whenever the reader goes away.
    let cache_handle = capcache::Cache::open(cache).unwrap();
    for i in 0..64 {
        let key = format!("{i:02}-{}", "k".repeat(4096));
        capcache::write_sync(&cache_handle, key, b"x").unwrap();
    }
    let mut child = std::process::Command::new(common::BIN)
        .args(["ls".as_ref(), cache.as_os_str()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // the reader goes away, like `| head`
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
}

#[test]
fn verify_reports_its_findings() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path();
    put(cache, "k", b"one");
    put(cache, "k", b"two"); // supersedes the first line; its content is unused
    put(cache, "other", b"three");

    let run = cmd!("verify", &cache, "--grace", "0s").run();
    run.ok();
    // Not a terminal: no progress bar, nothing on stderr.
    assert_eq!(run.stderr, "");
    let text = run.stdout_str();
    assert!(text.contains("entries kept        2\n"), "{text}");
    assert!(text.contains("entries removed     1\n"), "{text}");
    assert!(
        text.contains("content verified    2 files, 8 B\n"),
        "{text}"
    );
    assert!(
        text.contains("content reclaimed   1 files, 3 B\n"),
        "{text}"
    );
    assert!(
        text.contains("corrupt content     0 files, 0 B\n"),
        "{text}"
    );

    let run = cmd!("verify", "--json", &cache).run();
    run.ok();
    let stats: Value = serde_json::from_str(&run.stdout_str()).unwrap();
    assert_eq!(stats["entries_kept"], 2);
    assert_eq!(stats["entries_removed"], 0);
    assert_eq!(stats["content_verified"], 2);
    assert_eq!(stats["content_bytes"], 8);
    assert!(stats["duration_ms"].is_u64());
    assert!(capcache::last_verified_sync(cache).unwrap().is_some());
}

#[test]
fn verify_removes_corrupt_content_and_exits_zero() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path();
    put(cache, "k", b"original");
    std::fs::write(only_content_file(cache), b"tampered").unwrap();
    let run = cmd!("verify", "--json", &cache).run();
    run.ok();
    let stats: Value = serde_json::from_str(&run.stdout_str()).unwrap();
    assert_eq!(stats["corrupt_content"], 1);
    assert_eq!(stats["entries_removed"], 1);
    cmd!("get", "-C", &cache, "k").run().expect_code(3);
}

#[test]
fn gc_evicts_by_age_and_size() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path();
    let day_ms = 24 * 3600 * 1000;
    let old = capcache::WriteOpts::new().time(now_ms() - 40 * day_ms);
    capcache::write_with_opts_sync(cache, "old", vec![1u8; 1000], old).unwrap();
    let middle = capcache::WriteOpts::new().time(now_ms() - 2 * day_ms);
    capcache::write_with_opts_sync(cache, "middle", vec![2u8; 1000], middle).unwrap();
    put(cache, "new", &[3u8; 1000]);

    let run = cmd!("gc", &cache, "--max-age", "30d").run();
    run.ok();
    assert_eq!(run.stderr, "");
    let text = run.stdout_str();
    assert!(text.contains("entries evicted     1\n"), "{text}");
    assert!(text.contains("entries kept        2\n"), "{text}");
    assert!(
        text.contains("content removed     1 files, 1000 B\n"),
        "{text}"
    );
    assert!(capcache::metadata_sync(cache, "old").unwrap().is_none());

    // 1.5K keeps only the newest 1000-byte entry.
    let run = cmd!("gc", &cache, "--max-size", "1.5K", "--json").run();
    run.ok();
    let stats: Value = serde_json::from_str(&run.stdout_str()).unwrap();
    assert_eq!(stats["entries_evicted"], 1);
    assert_eq!(stats["entries_kept"], 1);
    assert_eq!(stats["bytes_kept"], 1000);
    assert!(capcache::metadata_sync(cache, "new").unwrap().is_some());
    assert!(capcache::metadata_sync(cache, "middle").unwrap().is_none());
}

#[test]
fn info_shows_counts_and_the_index_format() {
    let tmp = tempfile::tempdir().unwrap();
    let npm = tmp.path().join("npm");
    put(&npm, "a", b"shared");
    put(&npm, "b", b"shared"); // same content: counted once
    put(&npm, "c", b"other!");
    let run = cmd!("info", &npm).run();
    run.ok();
    let text = run.stdout_str();
    assert!(text.contains("index format   npm\n"), "{text}");
    assert!(text.contains("entries        3\n"), "{text}");
    assert!(
        text.contains("content        2 files, 12 B (12 bytes)\n"),
        "{text}"
    );
    assert!(text.contains("last verified  never\n"), "{text}");

    let rs = tmp.path().join("rs");
    let cache = capcache::CacheOptions::new()
        .format(capcache::IndexFormat::CacacheRs)
        .open(&rs)
        .unwrap();
    capcache::write_sync(&cache, "k", b"v").unwrap();
    let run = cmd!("info", "--json", &rs).run();
    run.ok();
    let info: Value = serde_json::from_str(&run.stdout_str()).unwrap();
    assert_eq!(info["index_format"], "cacache-rs");
    assert_eq!(info["entries"], 1);
    assert_eq!(info["content"], 1);
    assert_eq!(info["content_bytes"], 1);
    assert_eq!(info["exists"], true);
    // The tool reads the cacache-rs index too.
    let run = cmd!("get", "-C", &rs, "k").run();
    run.ok();
    assert_eq!(run.stdout, b"v");
}

#[test]
fn a_missing_cache_directory_is_empty_and_never_created() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("nope");
    let d = dir.as_os_str();
    let run = cmd!("ls", d).run();
    run.ok();
    assert!(run.stdout.is_empty());
    assert!(run.stderr.contains("does not exist"), "{}", run.stderr);
    // --quiet silences the note.
    let run = cmd!("ls", d, "-q").run();
    run.ok();
    assert_eq!(run.stderr, "");
    cmd!("get", "-C", d, "k").run().expect_code(3);
    cmd!("rm", "-C", d, "k").run().expect_code(3);
    cmd!("verify", d).run().ok();
    cmd!("gc", d, "--max-size", "0").run().ok();
    let run = cmd!("info", "--json", d).run();
    run.ok();
    let info: Value = serde_json::from_str(&run.stdout_str()).unwrap();
    assert_eq!(info["exists"], false);
    assert_eq!(info["index_format"], Value::Null);
    assert!(!dir.exists());
    // put is the one command that creates it.
    put(&dir, "k", b"v");
    assert!(dir.is_dir());
}

#[test]
fn the_cache_directory_comes_from_dir_then_flag_then_env() {
    let tmp = tempfile::tempdir().unwrap();
    let (one, two, three) = (
        tmp.path().join("1"),
        tmp.path().join("2"),
        tmp.path().join("3"),
    );
    put(&one, "in-one", b"1");
    put(&two, "in-two", b"2");
    put(&three, "in-three", b"3");
    let keys = |run: common::Run| {
        run.ok();
        run.stdout_str()
            .lines()
            .map(|l| l.split('\t').next().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    // The positional DIR wins over --cache, which wins over CAPCACHE_DIR.
    let run = cmd!("ls", "--cache", &two, &one)
        .env("CAPCACHE_DIR", &three)
        .run();
    assert_eq!(keys(run), ["in-one"]);
    let run = cmd!("--cache", &two, "ls")
        .env("CAPCACHE_DIR", &three)
        .run();
    assert_eq!(keys(run), ["in-two"]);
    let run = cmd!("ls").env("CAPCACHE_DIR", &three).run();
    assert_eq!(keys(run), ["in-three"]);
    let run = cmd!("get", "in-three").env("CAPCACHE_DIR", &three).run();
    run.ok();
    assert_eq!(run.stdout, b"3");
}

#[test]
fn a_corrupt_value_is_an_error_and_no_output() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let sri = put(&cache, "k", b"the real value");
    std::fs::write(only_content_file(&cache), b"the fake value").unwrap();
    let c = cache.as_os_str();

    let run = cmd!("get", "-C", c, "k").run();
    run.expect_code(1);
    assert!(run.stdout.is_empty(), "{:?}", run.stdout);
    assert!(
        run.stderr
            .starts_with("capcache: integrity check failed for "),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains(&sri), "{}", run.stderr);

    let run = cmd!("get", "-C", c, "--hash", &sri).run();
    run.expect_code(1);
    assert!(run.stdout.is_empty());

    // To a file: the partial file is removed.
    let out = tmp.path().join("out");
    let run = cmd!("get", "-C", c, "k", "-o", &out).run();
    run.expect_code(1);
    assert!(
        run.stderr.contains("integrity check failed"),
        "{}",
        run.stderr
    );
    assert!(!out.exists());
}

#[test]
fn bad_arguments_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    let c = tmp.path().as_os_str();
    let cases: &[&[&std::ffi::OsStr]] = &[
        &[],
        &["frobnicate".as_ref()],
        &["get".as_ref(), "-C".as_ref(), c],
        &[
            "get".as_ref(),
            "-C".as_ref(),
            c,
            "k".as_ref(),
            "--hash".as_ref(),
            "sha1-AAAA".as_ref(),
        ],
        &[
            "get".as_ref(),
            "-C".as_ref(),
            c,
            "--hash".as_ref(),
            "not-an-sri".as_ref(),
        ],
        // Parses as SRI, but the digest has the wrong length for sha512.
        &[
            "get".as_ref(),
            "-C".as_ref(),
            c,
            "--hash".as_ref(),
            "sha512-AAAA".as_ref(),
        ],
        &["get".as_ref(), "-C".as_ref(), c, "".as_ref()],
        &["put".as_ref(), "-C".as_ref(), c],
        &[
            "put".as_ref(),
            "-C".as_ref(),
            c,
            "k".as_ref(),
            "--metadata".as_ref(),
            "{oops".as_ref(),
        ],
        &[
            "put".as_ref(),
            "-C".as_ref(),
            c,
            "k".as_ref(),
            "--algorithm".as_ref(),
            "md5".as_ref(),
        ],
        &["gc".as_ref(), c, "--max-size".as_ref(), "12X".as_ref()],
        &["gc".as_ref(), c, "--max-age".as_ref(), "30".as_ref()],
        &["verify".as_ref(), c, "--grace".as_ref(), "soon".as_ref()],
        &["ls".as_ref(), c, "--bogus".as_ref()],
        // No cache directory anywhere.
        &["ls".as_ref()],
        &["get".as_ref(), "k".as_ref()],
    ];
    for args in cases {
        let run = capcache(*args).run();
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(run.stdout.is_empty(), "{args:?}");
        assert!(!run.stderr.is_empty(), "{args:?}");
    }
    assert!(files_under(tmp.path()).is_empty());
}

#[test]
fn every_subcommand_has_help_with_the_exit_statuses() {
    for sub in ["ls", "get", "put", "rm", "verify", "gc", "info"] {
        let run = cmd!(sub, "--help").run();
        run.ok();
        let text = run.stdout_str();
        let usage = format!("Usage: capcache{} {sub}", std::env::consts::EXE_SUFFIX);
        assert!(text.contains(&usage), "{text}");
        assert!(
            text.contains("Exit status:") && text.contains("3  not found"),
            "{sub}: {text}"
        );
    }
    let run = cmd!("--help").run();
    run.ok();
    assert!(run.stdout_str().contains("CAPCACHE_DIR"));
}
