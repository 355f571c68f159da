//! [`RemoveOpts`]: cacache-rs's options for removing an entry.

/// Options for removing an entry: a tombstone line (the default, as
/// [`remove`](crate::remove_sync)) or, with
/// [`remove_fully`](RemoveOpts::remove_fully), the entry's lines and its
/// content taken off the disk.
///
/// Unlike cacache-rs, a full removal keeps content that another key still
/// uses (cacache-rs deletes it, and that key's reads then fail).
///
/// # Examples
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let tmp = tempfile::tempdir()?;
/// # let dir = tmp.path();
/// let sri = capcache::write_sync(dir, "k", b"v")?;
/// capcache::RemoveOpts::new().remove_fully(true).remove_sync(dir, "k")?;
/// assert!(capcache::metadata_sync(dir, "k")?.is_none());
/// assert!(!capcache::exists_sync(dir, &sri));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RemoveOpts {
    pub(crate) remove_fully: bool,
}

impl RemoveOpts {
    /// Default options: removal appends a tombstone and leaves the content.
    ///
    /// # Examples
    ///
    /// ```
    /// let opts = capcache::RemoveOpts::new();
    /// assert_eq!(opts, capcache::RemoveOpts::default());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// With `true`, the entry's lines are removed from its bucket file (the
    /// file goes when nothing is left in it) and its content file is
    /// deleted unless another live entry uses it. That last check reads the
    /// whole index.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let tmp = tempfile::tempdir()?;
    /// # let dir = tmp.path();
    /// let sri = capcache::write_sync(dir, "a", b"shared")?;
    /// capcache::write_sync(dir, "b", b"shared")?;
    /// capcache::RemoveOpts::new().remove_fully(true).remove_sync(dir, "a")?;
    /// // "b" still uses the content.
    /// assert_eq!(capcache::read_hash_sync(dir, &sri)?, b"shared");
    /// # Ok(())
    /// # }
    /// ```
    pub fn remove_fully(mut self, remove_fully: bool) -> Self {
        self.remove_fully = remove_fully;
        self
    }
}
